import ArgumentParser
import RatetopCore
import RatetopIO

/// `ratetop limits`: prints the limits table in force.
struct LimitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Print the limits table in force (per model class: RPM, ITPM, OTPM).")

    @OptionGroup var common: CommonOptions

    func run() throws {
        let table = try common.loadTable()
        print(LimitsReport.render(table: table, tier: common.tier, source: common.limitsFile))
    }
}

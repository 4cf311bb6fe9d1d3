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
        let resolved = try common.resolve()
        print(LimitsReport.render(table: resolved.table, tier: resolved.tier, source: resolved.limitsFile))
    }
}

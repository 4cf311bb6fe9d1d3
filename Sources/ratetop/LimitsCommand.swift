import ArgumentParser
import RatetopCore
import RatetopIO

/// `ratetop limits`: prints the limits table in force.
struct LimitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Print the limits table in force (per model class: RPM, ITPM, OTPM).")

    @OptionGroup var limits: LimitsOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        let resolved = try limits.resolve()
        let sink = try output.openOutput()
        let report = LimitsReport.render(table: resolved.table, tier: resolved.tier, source: resolved.limitsFile)
        sink.writeLine(report)  // as print(report) wrote it
        sink.flush()
        if let failure = sink.failure { throw UsageFailure("--output \(output.output ?? ""): cannot write: \(failure)") }
    }
}

import ArgumentParser
import RatetopCore
import RatetopIO

/// Options every command that reads logs shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("tier"), help: ArgumentHelp("The tier the organization is on when headers do not say.", valueName: "NAME"))
    var tier: String?

    @Option(name: .customLong("limits"), help: ArgumentHelp("A limits table, or a saved Admin API rate_limits response.", valueName: "FILE"))
    var limitsFile: String?

    @Option(name: .customLong("format"), help: ArgumentHelp("The log format: auto, exchange, claude-code, litellm or usage-report.", valueName: "FORMAT"))
    var format: String = "auto"

    @Option(name: .customLong("output"), help: ArgumentHelp("Write the output to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    /// The limits table in force, with the tier checked against it.
    func loadTable() throws -> LimitsTable {
        let table = try BundledLimitsTable.load(userFile: limitsFile)
        if let tier, table.tier(named: tier) == nil {
            throw UsageFailure("--tier \(tier): unknown tier (known: \(table.tierIDs.joined(separator: ", ")))")
        }
        return table
    }

    /// Standard output, or `--output FILE`.
    func openOutput() throws -> OutputSink {
        guard let output else { return OutputSink() }
        do {
            return try OutputSink(path: output)
        } catch {
            throw UsageFailure("--output \(error.description)")
        }
    }

    /// The forced format, or nil for auto-detection.
    func logFormat() throws -> LogFormat? {
        if format.lowercased() == "auto" { return nil }
        guard let parsed = LogFormat(rawValue: format.lowercased()) else {
            throw UsageFailure("--format \(format): unknown format (use auto, \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return parsed
    }
}

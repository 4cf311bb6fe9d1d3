import ArgumentParser
import Foundation
import RatetopCore
import RatetopIO

/// Options every command that reads logs shares. Command-line flags win over the config file.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("tier"), help: ArgumentHelp("The tier the organization is on when headers do not say.", valueName: "NAME"))
    var tier: String?

    @Option(name: .customLong("limits"), help: ArgumentHelp("A limits table, or a saved Admin API rate_limits response.", valueName: "FILE"))
    var limitsFile: String?

    @Option(name: .customLong("config"), help: ArgumentHelp("The configuration file (default ~/.config/ratetop/config.yaml when it exists).", valueName: "FILE"))
    var configFile: String?

    @Option(name: .customLong("format"), help: ArgumentHelp("The log format: auto, exchange, claude-code, litellm or usage-report.", valueName: "FORMAT"))
    var format: String?

    @Option(name: .customLong("timezone"), help: ArgumentHelp("The zone of log times written without one (LiteLLM spend-log rows): an IANA name like Europe/Berlin, or UTC. Default: the machine's (TZ).", valueName: "ZONE"))
    var timezone: String?

    @Option(name: .customLong("output"), help: ArgumentHelp("Write the output to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    /// The configuration file: `--config FILE` (which must exist), else the default path when a
    /// file is there, else none.
    func loadConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigFile? {
        if let configFile {
            guard FileManager.default.fileExists(atPath: configFile) else { throw UsageFailure("--config \(configFile): no such file") }
            return try ConfigFile.load(path: configFile, environment: environment)
        }
        let path = ConfigFile.defaultPath(environment: environment)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try ConfigFile.load(path: path, environment: environment)
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

    /// Everything the options and the config file decide together, loaded once.
    struct Resolved {
        var table: LimitsTable
        var tier: String?
        var limitsFile: String?
        var format: LogFormat?
        var rules: [AlertRule]
        var config: ConfigFile?

        var engineConfiguration: EngineConfiguration { EngineConfiguration(table: table, tierID: tier) }
    }

    func resolve() throws -> Resolved {
        if let timezone { try Self.useTimeZone(timezone) }
        let config = try loadConfig()
        let tier = self.tier ?? config?.tier
        let limitsFile = self.limitsFile ?? config?.limitsPath
        let table = try BundledLimitsTable.load(userFile: limitsFile)
        if let tier, table.tier(named: tier) == nil {
            let option = self.tier != nil ? "--tier" : "\(config?.path ?? "config"): tier:"
            throw UsageFailure("\(option) \(tier): unknown tier (known: \(table.tierIDs.joined(separator: ", ")))")
        }
        return Resolved(table: table, tier: tier, limitsFile: limitsFile,
                        format: try Self.logFormat(format ?? config?.format ?? "auto"),
                        rules: config?.rules ?? AlertRule.defaults, config: config)
    }

    /// Makes `zone` the process's zone (`TZ`), in which times without a zone are read.
    static func useTimeZone(_ zone: String) throws {
        guard !zone.isEmpty, zone.uppercased() == "UTC" || TimeZone(identifier: zone) != nil else {
            throw UsageFailure("--timezone \(zone): unknown time zone (an IANA name like Europe/Berlin, or UTC)")
        }
        setenv("TZ", zone.uppercased() == "UTC" ? "UTC" : zone, 1)
        tzset()
    }

    /// The limits table in force, with the tier checked against it.
    func loadTable() throws -> LimitsTable { try resolve().table }

    /// The forced format, or nil for auto-detection.
    func logFormat() throws -> LogFormat? { try resolve().format }

    static func logFormat(_ format: String) throws -> LogFormat? {
        if format.lowercased() == "auto" { return nil }
        guard let parsed = LogFormat(rawValue: format.lowercased()) else {
            throw UsageFailure("--format \(format): unknown format (use auto, \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return parsed
    }
}

import ArgumentParser
import Foundation
import RatetopCore
import RatetopIO

/// The option groups. Each command declares only the groups it uses:
///
/// | command | groups |
/// |---|---|
/// | `watch` | `CommonOptions` (limits + format + timezone), `OutputOptions`, `AlertOutputOptions`, its own |
/// | `replay` | `CommonOptions`, `OutputOptions`, `AlertOutputOptions`, its own |
/// | `limits` | `LimitsOptions`, `OutputOptions` |
/// | `record` | `LimitsOptions` (for `--watch`), its own |
/// | `demo`, `config check` | their own |
///
/// Every setting a service sets has a `RATETOP_*` environment variable, read by the commands
/// that have its flag. Precedence: the flag, then the variable (an empty one counts as unset),
/// then the config file, then the default.
enum RatetopEnvironment {
    static let config = "RATETOP_CONFIG"
    static let tier = "RATETOP_TIER"
    static let limits = "RATETOP_LIMITS"
    static let format = "RATETOP_FORMAT"
    static let timezone = "RATETOP_TIMEZONE"
    static let metricsListen = "RATETOP_METRICS_LISTEN"
    static let alertmanager = "RATETOP_ALERTMANAGER"
    static let webhook = "RATETOP_WEBHOOK"
    static let exec = "RATETOP_EXEC"

    /// Every variable ratetop reads (README, "Environment").
    static let all = [config, tier, limits, format, timezone, metricsListen, alertmanager, webhook, exec]

    /// The flag's value, else the variable's when it is set and not empty; with where it came
    /// from, for messages (`--tier` or `RATETOP_TIER`).
    static func pick(_ flagValue: String?, flag: String, _ variable: String,
                     _ environment: [String: String]) -> (value: String, origin: String)? {
        if let flagValue { return (flagValue, flag) }
        if let value = environment[variable], !value.isEmpty { return (value, variable) }
        return nil
    }

    /// A variable holding several URLs: separated by commas or white space.
    static func list(_ variable: String, _ environment: [String: String]) -> [String] {
        (environment[variable] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }
}

/// The tier ids of the bundled table, for completion (a test checks they match the table).
enum TierNames {
    static let all = ["tier1", "tier2", "tier3", "tier4", "start", "build", "scale"]
}

/// Which limits apply: `--tier`, `--limits`, and the config file that can set both.
struct LimitsOptions: ParsableArguments {
    @Option(name: .customLong("tier"),
            help: ArgumentHelp("The tier the organization is on when headers do not say (plan: the tiers to compare, comma-separated, or all): tier1–tier4, start, build, scale. Env: RATETOP_TIER.",
                               valueName: "NAME"),
            completion: .list(TierNames.all))
    var tier: String?

    @Option(name: .customLong("limits"),
            help: ArgumentHelp("A limits table, or a saved Admin API rate_limits response. Env: RATETOP_LIMITS.", valueName: "FILE"),
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var limitsFile: String?

    @Option(name: .customLong("config"),
            help: ArgumentHelp("The configuration file. Env: RATETOP_CONFIG. Default: $XDG_CONFIG_HOME/ratetop/config.yaml (else ~/.config/ratetop/config.yaml) when it exists.",
                               valueName: "FILE"),
            completion: .file(extensions: ["yaml", "yml"]))
    var configFile: String?

    /// The configuration file: `--config FILE` or `RATETOP_CONFIG` (which must exist), else the
    /// default path when a file is there, else none. Checked as `config check` checks it.
    func loadConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigFile? {
        if let named = RatetopEnvironment.pick(configFile, flag: "--config", RatetopEnvironment.config, environment) {
            guard FileManager.default.fileExists(atPath: named.value) else { throw UsageFailure("\(named.origin) \(named.value): no such file") }
            return try ConfigValidation.load(path: named.value, environment: environment)
        }
        let path = ConfigFile.defaultPath(environment: environment)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try ConfigValidation.load(path: path, environment: environment)
    }

    /// The table, tier and rules in force (and, for the commands that read logs, the format),
    /// loaded once.
    struct Resolved {
        var table: LimitsTable
        var tier: String?
        var limitsFile: String?
        var rules: [AlertRule]
        var config: ConfigFile?
        /// The forced log format, nil for detection (always nil for commands that read no logs).
        var format: LogFormat? = nil

        var engineConfiguration: EngineConfiguration { EngineConfiguration(table: table, tierID: tier) }
    }

    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Resolved {
        let config = try loadConfig(environment: environment)
        let tier = RatetopEnvironment.pick(self.tier, flag: "--tier", RatetopEnvironment.tier, environment)
        let limits = RatetopEnvironment.pick(limitsFile, flag: "--limits", RatetopEnvironment.limits, environment)
        let limitsFile = limits?.value ?? config?.limitsPath
        let table: LimitsTable
        do {
            table = try BundledLimitsTable.load(userFile: limitsFile)
        } catch {
            guard limits?.origin == RatetopEnvironment.limits else { throw error }
            let text = "\(error)"
            throw UsageFailure(text.hasPrefix("--limits ") ? "\(RatetopEnvironment.limits) \(text.dropFirst(9))" : "\(RatetopEnvironment.limits): \(text)")
        }
        // The config file's tier was checked when it loaded.
        if let tier, table.tier(named: tier.value) == nil {
            throw UsageFailure("\(tier.origin) \(tier.value): unknown tier (known: \(table.tierIDs.joined(separator: ", ")))")
        }
        return Resolved(table: table, tier: tier?.value ?? config?.tier, limitsFile: limitsFile,
                        rules: config?.rules ?? AlertRule.defaults, config: config)
    }
}

/// The options of every command that reads logs (`watch`, `replay`, `plan`): which limits
/// apply, and how the lines are read.
struct CommonOptions: ParsableArguments {
    @OptionGroup var limits: LimitsOptions

    @Option(name: .customLong("format"),
            help: ArgumentHelp("The log format: auto, exchange, claude-code, litellm or usage-report. Env: RATETOP_FORMAT.", valueName: "FORMAT"),
            completion: .list(["auto"] + LogFormat.allCases.map(\.rawValue)))
    var format: String?

    @Option(name: .customLong("timezone"),
            help: ArgumentHelp("The zone of log times written without one (LiteLLM spend-log rows): an IANA name like Europe/Berlin, or UTC. Env: RATETOP_TIMEZONE. Default: the machine's (TZ).",
                               valueName: "ZONE"))
    var timezone: String?

    /// Everything the options, the environment and the config file decide together, loaded once.
    typealias Resolved = LimitsOptions.Resolved

    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Resolved {
        if let zone = RatetopEnvironment.pick(timezone, flag: "--timezone", RatetopEnvironment.timezone, environment) {
            try Self.useTimeZone(zone.value, origin: zone.origin)
        }
        var resolved = try limits.resolve(environment: environment)
        let format = RatetopEnvironment.pick(self.format, flag: "--format", RatetopEnvironment.format, environment)
        resolved.format = try Self.logFormat(format?.value ?? resolved.config?.format ?? "auto", origin: format?.origin ?? "--format")
        return resolved
    }

    func loadConfig(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigFile? {
        try limits.loadConfig(environment: environment)
    }

    /// Makes `zone` the process's zone (`TZ`), in which times without a zone are read.
    static func useTimeZone(_ zone: String, origin: String = "--timezone") throws {
        guard !zone.isEmpty, zone.uppercased() == "UTC" || TimeZone(identifier: zone) != nil else {
            throw UsageFailure("\(origin) \(zone): unknown time zone (an IANA name like Europe/Berlin, or UTC)")
        }
        setenv("TZ", zone.uppercased() == "UTC" ? "UTC" : zone, 1)
        tzset()
    }

    static func logFormat(_ format: String, origin: String = "--format") throws -> LogFormat? {
        if format.lowercased() == "auto" { return nil }
        guard let parsed = LogFormat(rawValue: format.lowercased()) else {
            throw UsageFailure("\(origin) \(format): unknown format (use auto, \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return parsed
    }
}

/// `--output FILE`: where a command's report goes instead of standard output.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("output"), help: ArgumentHelp("Write the output to FILE instead of standard output.", valueName: "FILE"),
            completion: .file())
    var output: String?

    /// Standard output, or `--output FILE`.
    func openOutput() throws -> OutputSink {
        guard let output else { return OutputSink() }
        do {
            return try OutputSink(path: output)
        } catch {
            throw UsageFailure("--output \(error.description)")
        }
    }
}

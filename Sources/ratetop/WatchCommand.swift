import ArgumentParser
import Foundation
import RatetopCore
import RatetopDashboard
import RatetopIO
import RatetopOTLP
import RatetopScrape

/// `ratetop watch SOURCE...`: the live dashboard over logs that keep growing.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the buckets live in a terminal dashboard, following logs as they grow.",
        discussion: """
        Files are followed like tail -F (appends, truncation, rotation, deletion and re-creation); \
        directories and globs pick up new *.jsonl files; - reads standard input. An http(s)://HOST:PORT/metrics \
        URL (or prometheus+http(s)://…) is scraped every --scrape-interval: a LiteLLM proxy's metrics, or another \
        headless ratetop's --metrics-listen endpoint (several are merged into one organization view). otlp://HOST:PORT \
        (otlp://:4318: every interface) receives Claude Code's OpenTelemetry export over OTLP/HTTP (JSON or protobuf): \
        its api_request/api_error events and its token metric. With no source, follows Claude Code's transcript \
        directories when they exist.
        """)

    @Argument(help: ArgumentHelp("Log files, directories, globs, - for stdin, http(s)://HOST:PORT/metrics endpoints, or otlp://HOST:PORT receivers.", valueName: "SOURCE"),
              completion: .file(extensions: ["jsonl", "json", "log"]))
    var sources: [String] = []

    @Option(name: .customLong("scrape-interval"), help: ArgumentHelp("Time between scrapes of Prometheus sources (default 5s).", valueName: "DURATION"))
    var scrapeInterval: String?

    @Option(name: .customLong("group-by"), help: ArgumentHelp("Group 'who is draining' by this top-level field of exchange lines.", valueName: "FIELD"))
    var groupBy: String?

    @Flag(help: "No screen: evaluate the alert rules and write alerts (and --emit state) as JSON lines.")
    var headless = false

    @Option(help: ArgumentHelp("With --headless, what to write: alerts, state (comma-separated).", valueName: "LIST"),
            completion: .list(["alerts", "state", "alerts,state"]))
    var emit: String = "alerts"

    @Option(help: ArgumentHelp("With --headless, time between state objects (default 1s, or the config's interval).", valueName: "DURATION"))
    var interval: String?

    @Option(name: .customLong("metrics-listen"),
            help: ArgumentHelp("With --headless, serve Prometheus metrics on /metrics at HOST:PORT, :PORT or HOST (host 127.0.0.1, port 10429 by default). Env: RATETOP_METRICS_LISTEN.",
                               valueName: "HOST:PORT"))
    var metricsListen: String?

    @OptionGroup var sinks: AlertOutputOptions

    @OptionGroup var common: CommonOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        let resolved = try common.resolve()
        var arguments = sources
        if arguments.isEmpty { arguments = resolved.config?.sources ?? [] }
        if arguments.isEmpty {
            arguments = Self.claudeCodeDirectories()
            guard !arguments.isEmpty else {
                throw UsageFailure("watch: no source given and no Claude Code transcripts found; name a log (ratetop watch app.jsonl) or try ratetop demo")
            }
        }
        let (paths, scraped) = try scrapeSources(arguments: arguments, resolved: resolved)
        let (files, receivers) = try otlpSources(arguments: paths)
        if headless {
            return try runHeadless(arguments: files, scraped: scraped, receivers: receivers, resolved: resolved)
        }
        guard sinks.isEmpty, metricsListen == nil, output.output == nil else {
            throw UsageFailure("--alertmanager, --webhook, --exec, --metrics-listen and --output need --headless (the dashboard shows alerts on screen)")
        }
        try startReceivers(receivers)
        defer { receivers.forEach { $0.stop() } }
        scraped.forEach { $0.start() }
        defer { scraped.forEach { $0.stop() } }
        try DashboardLauncher.run { diagnostics in
            let live = try LiveSources(arguments: files, format: resolved.format, models: ModelCatalog(), diagnostics: diagnostics,
                                       groupBy: groupBy, feeds: scraped + receivers as [any LiveFeed])
            return DashboardSession(input: .live(live), configuration: resolved.engineConfiguration,
                                    models: live.models, diagnostics: diagnostics, groupBy: groupBy, rules: resolved.rules)
        }
    }

    /// Splits the sources into files and Prometheus endpoints; the endpoints that are other
    /// ratetops share one organization view. Nothing is fetched until `start`.
    func scrapeSources(arguments: [String], resolved: CommonOptions.Resolved) throws -> (files: [String], scraped: [PrometheusSource]) {
        let seconds = try scrapeInterval.map { try TimeArguments.duration($0, option: "--scrape-interval") } ?? 5
        guard seconds > 0 else { throw UsageFailure("--scrape-interval \(scrapeInterval ?? ""): must be more than 0") }
        let organization = OrganizationBox(RatetopOrganization(maxAge: max(30, 3 * seconds)))
        var files: [String] = []
        var scraped: [PrometheusSource] = []
        for argument in arguments {
            guard ScrapeTarget.isScrapeURL(argument) else {
                files.append(argument)
                continue
            }
            do {
                let target = try ScrapeTarget(argument)
                scraped.append(PrometheusSource(target: target, interval: seconds, table: resolved.engineConfiguration.table,
                                                organization: organization))
            } catch {
                throw UsageFailure("watch: \(error.description)")
            }
        }
        return (files, scraped)
    }

    /// Claude Code's transcript directories that exist: `CLAUDE_CONFIG_DIR` (comma-separated),
    /// else `~/.claude/projects` and `~/.config/claude/projects`.
    static func claudeCodeDirectories(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let roots = environment["CLAUDE_CONFIG_DIR"].map { $0.split(separator: ",").map(String.init) }
            ?? ["\(home)/.claude", "\(home)/.config/claude"]
        return roots.map { ($0 as NSString).appendingPathComponent("projects") }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}

/// `ratetop demo`: the bundled sample replayed in the dashboard (or headless).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Replay the bundled sample (a Tier 1 team's day, with 429 storms) in the dashboard.",
        discussion: "The sample is compiled into ratetop; samples/day.jsonl in the source tree is the same file.")

    @Option(help: ArgumentHelp("Virtual seconds per real second (default: 60 in the dashboard, as fast as possible with --headless).", valueName: "N"))
    var speed: Double?

    @Flag(help: "No screen: replay the sample headless and write JSON lines, as `ratetop replay --headless` does.")
    var headless = false

    @Option(help: ArgumentHelp("With --headless, what to write: state, alerts, summary (comma-separated).", valueName: "LIST"))
    var emit: String = "summary"

    func run() throws {
        let sample: String
        do {
            sample = try BundledSample.writeTemporaryCopy()
        } catch {
            FileHandle.standardError.write(Data("ratetop: demo: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        defer { unlink(sample) }
        // The sample's format, whatever RATETOP_FORMAT or a config file say.
        var arguments = [sample, "--format", "exchange"]
        if let speed { arguments += ["--speed", String(speed)] }
        if headless { arguments += ["--headless", "--emit", emit] }
        let replay = try ReplayCommand.parse(arguments)
        try replay.run(sourceLabel: "sample: \(BundledSample.description)")
    }
}

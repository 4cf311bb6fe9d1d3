import ArgumentParser
import Foundation
import Logging
import RatetopAlerting
import RatetopCore
import RatetopDashboard
import RatetopIO

/// `ratetop watch SOURCE...`: the live dashboard over logs that keep growing.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the buckets live in a terminal dashboard, following logs as they grow.",
        discussion: """
        Files are followed like tail -F (appends, truncation, rotation, deletion and re-creation); \
        directories and globs pick up new *.jsonl files; - reads standard input. With no source, \
        follows Claude Code's transcript directories when they exist.
        """)

    @Argument(help: ArgumentHelp("Log files, directories, globs, or - for stdin.", valueName: "SOURCE"))
    var sources: [String] = []

    @Option(name: .customLong("group-by"), help: ArgumentHelp("Group 'who is draining' by this top-level field of exchange lines.", valueName: "FIELD"))
    var groupBy: String?

    @Flag(help: "No screen: evaluate the alert rules and write alerts (and --emit state) as JSON lines.")
    var headless = false

    @Option(help: ArgumentHelp("With --headless, what to write: alerts, state (comma-separated).", valueName: "LIST"))
    var emit: String = "alerts"

    @Option(help: ArgumentHelp("With --headless, time between state objects.", valueName: "DURATION"))
    var interval: String = "1s"

    @OptionGroup var sinks: AlertOutputOptions

    @OptionGroup var common: CommonOptions

    func run() throws {
        let table = try common.loadTable()
        let format = try common.logFormat()
        var arguments = sources
        if arguments.isEmpty {
            arguments = Self.claudeCodeDirectories()
            guard !arguments.isEmpty else {
                throw UsageFailure("watch: no source given and no Claude Code transcripts found; name a log (ratetop watch app.jsonl) or try ratetop demo")
            }
        }
        if headless {
            return try runHeadless(arguments: arguments, table: table, format: format)
        }
        guard sinks.isEmpty else {
            throw UsageFailure("--alertmanager, --webhook and --exec need --headless (the dashboard shows alerts on screen)")
        }
        try DashboardLauncher.run { diagnostics in
            let live = try LiveSources(arguments: arguments, format: format, models: ModelCatalog(), diagnostics: diagnostics,
                                       groupBy: groupBy)
            return DashboardSession(input: .live(live), configuration: EngineConfiguration(table: table, tierID: common.tier),
                                    models: live.models, diagnostics: diagnostics, groupBy: groupBy)
        }
    }

    /// No screen: follow the sources, evaluate the rules every second, write JSON lines and feed
    /// the sinks until SIGINT or SIGTERM, then flush the sinks and exit 0.
    private func runHeadless(arguments: [String], table: LimitsTable, format: LogFormat?) throws {
        let kinds = emit.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for kind in kinds where !["state", "alerts"].contains(kind) {
            throw UsageFailure("--emit \(kind): unknown output for watch (use alerts, state)")
        }
        let options = HeadlessWatch.Options(emitAlerts: kinds.contains("alerts"), emitState: kinds.contains("state"),
                                            interval: try TimeArguments.duration(interval, option: "--interval"))
        let logger = Logger(label: "ratetop")
        let dispatcher = try sinks.dispatcher(logger: logger)
        let output = try common.openOutput()
        let diagnostics = Diagnostics { logger.warning("\($0)") }
        let live = try LiveSources(arguments: arguments, format: format, models: ModelCatalog(), diagnostics: diagnostics)
        let watch = HeadlessWatch(live: live, configuration: EngineConfiguration(table: table, tierID: common.tier),
                                  rules: AlertRule.defaults, options: options, output: output, diagnostics: diagnostics)
        if let dispatcher {
            watch.observe = { evaluation in
                dispatcher.publish(evaluation.transitions, wallNow: evaluation.wallNow)
                dispatcher.tick(wallNow: evaluation.wallNow)
            }
        }
        ProcessSignals.install()
        logger.info("watching \(live.paths.count) sources headless; SIGTERM or Ctrl-C stops")
        while true {
            watch.step(wallNow: Date().timeIntervalSince1970)
            let caught = ProcessSignals.take()
            if caught.contains(SIGINT) || caught.contains(SIGTERM) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        output.flush()
        dispatcher?.finish(logger: logger)
        if let overflow = diagnostics.overflowMessage { logger.warning("\(overflow.replacingOccurrences(of: "ratetop: ", with: ""))") }
        if let failure = output.failure {
            logger.error("cannot write the output: \(failure)")
            throw ExitCode(1)
        }
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

/// `ratetop demo`: the bundled sample replayed in the dashboard.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Replay the bundled sample (a Tier 1 team's day, with 429 storms) in the dashboard.")

    @Option(help: ArgumentHelp("Virtual seconds per real second.", valueName: "N"))
    var speed: Double = 60

    func run() throws {
        guard let sample = BundledLimitsTable.samplePath() else {
            throw UsageFailure("demo: the bundled sample is missing from the installation")
        }
        var replay = try ReplayCommand.parse([sample, "--speed", String(speed)])
        try replay.run()
    }
}

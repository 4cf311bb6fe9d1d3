import ArgumentParser
import Foundation
import Logging
import RatetopCore
import RatetopDashboard
import RatetopIO
import RatetopOTLP
import RatetopScrape

/// `ratetop replay FILE... --headless`: plays a past log through the engine.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay past logs through the engine on a virtual clock.",
        discussion: """
        With --headless, plays the logs as fast as the machine allows and writes JSON lines: \
        `state` objects every --interval of virtual time and a `summary` at the end.
        """)

    @Argument(help: ArgumentHelp("Log files, directories (every *.jsonl under them), globs, or - for stdin.", valueName: "FILE"),
              completion: .file(extensions: ["jsonl", "json", "log"]))
    var files: [String] = []

    @Flag(help: "No screen: write JSON lines.")
    var headless = false

    @Option(name: .customLong("group-by"), help: ArgumentHelp("Group 'who is draining' by this top-level field of exchange lines.", valueName: "FIELD"))
    var groupBy: String?

    @Option(help: ArgumentHelp("Virtual seconds per real second: 60 in the dashboard (+/- change it); with --headless, paces the output (default: as fast as possible).", valueName: "N"))
    var speed: Double?

    @OptionGroup var sinks: AlertOutputOptions

    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 3 when an alert of this severity or worse fired: warning or critical.", valueName: "LEVEL"),
            completion: .list(["warning", "critical"]))
    var failOn: String?

    @Option(help: ArgumentHelp("What to write: state, alerts, summary (comma-separated).", valueName: "LIST"),
            completion: .list(["summary", "state", "alerts", "alerts,summary", "state,summary", "state,alerts,summary"]))
    var emit: String = "summary"

    @Option(help: ArgumentHelp("Virtual time between state objects.", valueName: "DURATION"))
    var interval: String = "1s"

    @Option(help: ArgumentHelp("Start at this time (earlier lines only warm the buckets up).", valueName: "TIME"))
    var from: String?

    @Option(help: ArgumentHelp("Stop at this time.", valueName: "TIME"))
    var to: String?

    @OptionGroup var common: CommonOptions

    @OptionGroup var output: OutputOptions

    func run() throws { try run(sourceLabel: nil) }

    /// `sourceLabel` names the input in the dashboard's header instead of its paths (`ratetop demo`).
    func run(sourceLabel: String?) throws {
        guard !files.isEmpty else { throw UsageFailure("replay: name at least one log file (or - for stdin)") }
        try Self.rejectLiveSources(files)
        guard headless else { return try runDashboard(sourceLabel: sourceLabel) }
        let kinds = emit.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for kind in kinds where !["state", "summary", "alerts"].contains(kind) {
            throw UsageFailure("--emit \(kind): unknown output (use state, alerts, summary)")
        }
        let failOnSeverity = try failOn.map { level -> AlertSeverity in
            guard let severity = AlertSeverity(rawValue: level.lowercased()) else {
                throw UsageFailure("--fail-on \(level): expected warning or critical")
            }
            return severity
        }
        let resolved = try common.resolve()
        var options = ReplayOptions(
            paths: files, format: resolved.format, interval: try TimeArguments.duration(interval, option: "--interval"),
            emitState: kinds.contains("state"), emitSummary: kinds.contains("summary"), emitAlerts: kinds.contains("alerts"),
            from: try from.map { try TimeArguments.time($0, option: "--from") },
            to: try to.map { try TimeArguments.time($0, option: "--to") })
        options.speed = try checkedSpeed()
        if let from = options.from, let to = options.to, to < from {
            throw UsageFailure("--to \(self.to ?? ""): is before --from \(self.from ?? "")")
        }
        let sink = try output.openOutput()
        let logger = Logger(label: "ratetop")
        let diagnostics = Diagnostics { logger.warning("\($0)") }
        let runner = try ReplayRunner(options: options, configuration: resolved.engineConfiguration,
                                      output: sink, diagnostics: diagnostics, rules: resolved.rules)
        if !runner.hasEvents {
            if let refusal = runner.input.refusal { throw UsageFailure(refusal) }
            if let notice = runner.input.notice { FileHandle.standardError.write(Data("ratetop: \(notice)\n".utf8)) }
        }
        let dispatcher = try sinks.dispatcher(config: resolved.config, logger: logger)
        if let dispatcher {
            runner.onEvaluation = { transitions in
                let now = Date().timeIntervalSince1970
                dispatcher.publish(transitions, wallNow: now)
                dispatcher.tick(wallNow: now)
            }
        }
        runner.run()
        dispatcher?.finish(logger: logger)
        if let overflow = diagnostics.overflowMessage {
            FileHandle.standardError.write(Data("\(overflow)\n".utf8))
        }
        if let failure = sink.failure {
            FileHandle.standardError.write(Data("ratetop: cannot write the output: \(failure)\n".utf8))
            throw ExitCode(1)
        }
        if let failOnSeverity, let worst = runner.alerts.worstFired, worst >= failOnSeverity {
            FileHandle.standardError.write(Data("ratetop: \(runner.alerts.firedCount) alerts fired (worst: \(worst.rawValue)); --fail-on \(failOnSeverity.rawValue)\n".utf8))
            throw ExitCode(3)
        }
    }

    /// A Prometheus endpoint has no past to replay: say so, and what to run instead, rather than
    /// report it as a missing file. The URL is shown without user info or query (credentials).
    static func rejectLiveSources(_ files: [String]) throws {
        if let otlp = files.first(where: OTLPTarget.isOTLPURL) {
            throw UsageFailure("replay reads log files; \(otlp.prefix(80)) is a live source — use ratetop watch \(otlp.prefix(80))")
        }
        guard let url = files.first(where: ScrapeTarget.isScrapeURL) else { return }
        guard let target = try? ScrapeTarget(url) else {
            let scheme = url.prefix { $0 != ":" }
            throw UsageFailure("replay reads log files; \(scheme)://… is a live source — use ratetop watch http://HOST:PORT/metrics")
        }
        throw UsageFailure("replay reads log files; \(target.displayName) is a live source — use ratetop watch \(target.displayName)")
    }

    private func checkedSpeed() throws -> Double? {
        guard let speed else { return nil }
        guard speed > 0, speed.isFinite else { throw UsageFailure("--speed \(speed): expected a positive number") }
        return speed
    }

    /// The dashboard on a virtual clock, with pause, speed and seek; holds the last frame.
    private func runDashboard(sourceLabel: String?) throws {
        let speed = try checkedSpeed() ?? 60
        guard sinks.isEmpty, output.output == nil else {
            throw UsageFailure("--alertmanager, --webhook, --exec and --output need --headless (the dashboard shows alerts on screen)")
        }
        let resolved = try common.resolve()
        try DashboardLauncher.run { diagnostics in
            let feed = try ReplayFeed(paths: files, format: resolved.format, models: ModelCatalog(), diagnostics: diagnostics,
                                      groupBy: groupBy)
            if feed.firstTime == nil {
                // Said before the screen opens: a dashboard of nothing would only hide why.
                if let refusal = feed.input.refusal { throw UsageFailure(refusal) }
                if let notice = feed.input.notice { diagnostics.notice(notice) }
            }
            let session = DashboardSession(input: .replay(feed, speed: speed), configuration: resolved.engineConfiguration,
                                           models: feed.models, diagnostics: diagnostics, groupBy: groupBy, rules: resolved.rules)
            session.sourceLabel = sourceLabel
            return session
        }
    }
}

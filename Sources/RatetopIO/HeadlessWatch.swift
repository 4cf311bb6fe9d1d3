import RatetopCore

/// `ratetop watch --headless`: live sources followed with no screen, through a `LiveMonitor`.
/// Every second of wall time the rules are brought up to date (evaluated only where they can
/// change); transitions are written as `alert` lines (and handed to `observe` for the sinks and
/// the metrics endpoint); every `interval` a `state` line.
///
/// It takes wall time as a value (`step(wallNow:)`), so tests drive it without sleeping; the
/// command-line loop only sleeps, handles signals and calls `step`.
public final class HeadlessWatch {
    public struct Options: Sendable {
        public var emitAlerts: Bool
        public var emitState: Bool
        /// Seconds between `state` lines (whole seconds; at least 1).
        public var interval: Double

        public init(emitAlerts: Bool = true, emitState: Bool = false, interval: Double = 1) {
            self.emitAlerts = emitAlerts
            self.emitState = emitState
            self.interval = max(1, interval.rounded())
        }
    }

    /// What one evaluation saw and caused, for sinks and metrics.
    public struct Evaluation {
        public var wallNow: Double
        public var state: EngineState
        public var transitions: [AlertEvent]
    }

    public let driver: LiveMonitor
    public var monitor: Monitor { driver.monitor }
    public var engine: UsageEngine { driver.monitor.engine }
    public var live: LiveSources { driver.live }
    public var diagnostics: Diagnostics { driver.diagnostics }
    public var alerts: AlertEvaluator { driver.monitor.alerts }
    private let options: Options
    private let output: OutputSink
    private var lastStateSecond: Double = -.infinity
    /// Called after each evaluation (once per second of wall time).
    public var observe: ((Evaluation) -> Void)?
    /// Called with one line when a scraped source starts failing, fails for a new reason, or
    /// recovers (not on every retry).
    public var notice: ((String) -> Void)?
    /// Per feed, the reason it was failing at the last poll.
    private var feedReasons: [String?] = []

    public init(live: LiveSources, configuration: EngineConfiguration, rules: [AlertRule], options: Options,
                output: OutputSink, diagnostics: Diagnostics) {
        driver = LiveMonitor(live: live, configuration: configuration, rules: rules, diagnostics: diagnostics)
        self.options = options
        self.output = output
    }

    /// Reads what arrived and, once per wall-clock second, evaluates the rules.
    public func step(wallNow: Double) {
        let (transitions, newSecond) = driver.step(wallNow: wallNow)
        reportFeedChanges(wallNow: wallNow)
        guard let second = newSecond else {
            // (A step within the same second evaluates nothing new; say so if it ever does.)
            if options.emitAlerts, !transitions.isEmpty {
                for event in transitions { output.writeLine(JSONLines.alert(event)) }
                output.flush()
            }
            return
        }
        let state = driver.state(at: second)
        if options.emitState, second - lastStateSecond >= options.interval {
            lastStateSecond = second
            output.writeLine(JSONLines.state(state, malformedLines: diagnostics.malformedLines, lateLines: monitor.lateLines))
        }
        if options.emitAlerts {
            for event in transitions { output.writeLine(JSONLines.alert(event)) }
        }
        output.flush()
        observe?(Evaluation(wallNow: wallNow, state: state, transitions: transitions))
    }

    private func reportFeedChanges(wallNow: Double) {
        if feedReasons.count != live.feeds.count { feedReasons = Array(repeating: nil, count: live.feeds.count) }
        for (position, feed) in live.feeds.enumerated() {
            let problem = feed.problem
            let before = feedReasons[position]
            feedReasons[position] = problem?.reason
            guard problem?.reason != before else { continue }
            if let problem, !problem.retrying {
                notice?("\(feed.name): refused a request: \(problem.reason)")
            } else if let problem {
                notice?("\(feed.name): scrape failed: \(problem.reason); other sources go on, retrying in \(max(0, Int((problem.retryAt - wallNow).rounded(.up)))) s with backoff")
            } else {
                notice?("\(feed.name): \(feed.recoveredNotice)")
            }
        }
    }

    /// New rules (a reloaded config); alerts whose rule is unchanged keep their state.
    public func replaceRules(_ rules: [AlertRule]) {
        monitor.replaceRules(rules)
    }
}

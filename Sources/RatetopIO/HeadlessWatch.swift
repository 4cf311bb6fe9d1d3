import RatetopCore

/// `ratetop watch --headless`: live sources followed with no screen. Every second of wall time
/// the alert rules see the engine's state; transitions are written as `alert` lines (and handed
/// to `observe` for the sinks and the metrics endpoint); every `interval` a `state` line.
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

    public let engine: UsageEngine
    public let live: LiveSources
    public let diagnostics: Diagnostics
    public private(set) var alerts: AlertEvaluator
    private let options: Options
    private let output: OutputSink
    private var evaluatedSecond: Int64 = .min
    private var lastStateSecond: Int64 = .min
    /// Called after each evaluation (once per second of wall time).
    public var observe: ((Evaluation) -> Void)?
    /// Called with one line when a scraped source starts failing, fails for a new reason, or
    /// recovers (not on every retry).
    public var notice: ((String) -> Void)?
    /// Per feed, the reason it was failing at the last poll.
    private var feedReasons: [String?] = []

    public init(live: LiveSources, configuration: EngineConfiguration, rules: [AlertRule], options: Options,
                output: OutputSink, diagnostics: Diagnostics) {
        self.live = live
        self.engine = UsageEngine(configuration: configuration, models: live.models)
        self.alerts = AlertEvaluator(rules: rules)
        self.options = options
        self.output = output
        self.diagnostics = diagnostics
    }

    /// Reads what arrived and, once per wall-clock second, evaluates the rules.
    public func step(wallNow: Double) {
        live.poll(now: wallNow) { event in
            if case .outOfOrder(let behind) = engine.ingest(event) {
                diagnostics.outOfOrder(path: live.displayName(event.origin.source), line: event.origin.line, behind: behind,
                                       tolerance: engine.configuration.outOfOrderTolerance)
            }
        }
        reportFeedChanges(wallNow: wallNow)
        let second = Int64(wallNow.rounded(.down))
        guard second > evaluatedSecond else { return }
        evaluatedSecond = second
        var state = engine.state(at: Double(second))
        state.sources = live.activity(now: Double(second))
        let transitions = alerts.evaluate(state)
        if options.emitState, lastStateSecond == .min || Double(second - lastStateSecond) >= options.interval {
            lastStateSecond = second
            output.writeLine(JSONLines.state(state, malformedLines: diagnostics.malformedLines))
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
            if let problem {
                notice?("\(feed.name): scrape failed: \(problem.reason); other sources go on, retrying in \(max(0, Int((problem.retryAt - wallNow).rounded(.up)))) s with backoff")
            } else {
                notice?("\(feed.name): scraping again")
            }
        }
    }

    /// New rules (a reloaded config); alerts whose rule is unchanged keep their state.
    public func replaceRules(_ rules: [AlertRule]) {
        alerts.replaceRules(rules)
    }
}

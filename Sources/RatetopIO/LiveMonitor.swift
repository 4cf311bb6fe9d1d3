import RatetopCore

/// Live sources driven into a `Monitor` on the wall clock: what `watch` does, with a screen
/// (`DashboardSession`) or without (`HeadlessWatch`). Each step reads what arrived, tells the
/// monitor which sources gave data and which feeds fail, and evaluates the rules through the
/// current whole second — work proportional to what arrived, whatever the number of files.
public final class LiveMonitor {
    public let monitor: Monitor
    public let live: LiveSources
    public let diagnostics: Diagnostics
    /// Called with every event as the monitor takes it (the dashboard's drain ledger).
    public var onEvent: ((Exchange, IngestResult) -> Void)?
    /// The last whole second evaluated.
    public private(set) var second = -Double.infinity

    public init(live: LiveSources, configuration: EngineConfiguration, rules: [AlertRule], diagnostics: Diagnostics) {
        self.live = live
        self.diagnostics = diagnostics
        monitor = Monitor(configuration: configuration, models: live.models, rules: rules)
        monitor.engine.onNotice = { diagnostics.notice($0) }
        live.onActivity = { [unowned self] index, time in
            monitor.noteLine(source: position(of: live.alertSourceName(index)), at: time)
        }
    }

    public var engine: UsageEngine { monitor.engine }

    /// The monitor's source position of each source name (files are added as they are found).
    private var names: [String: Int] = [:]

    private func position(of name: String) -> Int {
        if let known = names[name] { return known }
        let position = monitor.addSource(name)
        names[name] = position
        return position
    }

    /// Reads what arrived and evaluates the rules through `wallNow`'s second. Returns the
    /// transitions, and the second when a new one began (nil within the same second).
    ///
    /// The first step reads each file's recent history (in time order): the rules run through
    /// it on its own timestamps, as a replay would, so holds and hysteresis are where they would
    /// be had ratetop been running; of what they did then, only the alerts still firing are
    /// returned.
    public func step(wallNow: Double) -> (transitions: [AlertEvent], newSecond: Double?) {
        let tolerance = monitor.engine.configuration.outOfOrderTolerance
        let first = second == -.infinity
        var transitions: [AlertEvent] = []
        live.poll(now: wallNow) { event in
            // Lines stamped before now are seen by the seconds after them, not before (the
            // history at start above all); a line stamped ahead of the clock waits for no one.
            monitor.advance(through: min(event.end.nextDown, wallNow), into: &transitions)
            let result = monitor.ingest(event)
            if case .late(let behind) = result {
                diagnostics.late(path: live.displayName(event.origin.source), line: event.origin.line, behind: behind,
                                 tolerance: tolerance)
            }
            onEvent?(event, result)
        }
        for feed in live.feeds {
            monitor.setProblem(source: position(of: feed.name), feed.problem?.text(now: wallNow))
        }
        let now = wallNow.rounded(.down)
        guard now > second else { return (transitions, nil) }
        second = now
        monitor.advance(through: now, into: &transitions)
        return (first ? Self.stillFiring(transitions) : transitions, now)
    }

    /// Of a run of transitions, the alerts that end it firing (in the order they fired).
    static func stillFiring(_ transitions: [AlertEvent]) -> [AlertEvent] {
        var firing: [String: AlertEvent] = [:]
        for event in transitions {
            firing[event.key] = event.state == .firing ? event : nil
        }
        return firing.values.sorted { ($0.at, $0.key) < ($1.at, $1.key) }
    }

    /// The state at `time`, with the failing feeds.
    public func state(at time: Double) -> EngineState { monitor.state(at: time) }
}

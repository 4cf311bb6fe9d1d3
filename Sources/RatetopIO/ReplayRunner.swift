import Foundation
import RatetopCore

/// What `ratetop replay --headless` should do.
public struct ReplayOptions: Sendable {
    public var paths: [String]
    public var format: LogFormat?
    /// Seconds of virtual time between `state` objects.
    public var interval: Double
    public var emitState: Bool
    public var emitSummary: Bool
    /// Write `alert` objects as rules fire and resolve (they are evaluated either way, for the
    /// summary's counts).
    public var emitAlerts: Bool
    public var from: Double?
    public var to: Double?
    /// Files at least this large are decoded on several threads.
    public var parallelThreshold: Int
    /// Virtual seconds per real second; nil: as fast as the machine allows.
    public var speed: Double?

    public init(paths: [String], format: LogFormat? = nil, interval: Double = 1, emitState: Bool = false,
                emitSummary: Bool = true, emitAlerts: Bool = false, from: Double? = nil, to: Double? = nil,
                parallelThreshold: Int = SourceOpener.parallelThreshold) {
        self.parallelThreshold = parallelThreshold
        self.emitAlerts = emitAlerts
        self.paths = paths
        self.format = format
        self.interval = interval
        self.emitState = emitState
        self.emitSummary = emitSummary
        self.from = from
        self.to = to
    }
}

/// Plays logs through the engine on a virtual clock, as fast as the machine allows, writing
/// `state` objects every interval and a `summary` at the end.
///
/// The clock only moves with the events: the state at virtual time T is written before any
/// line stamped after T is applied, so the output uses exactly what a live run would have seen.
public final class ReplayRunner {
    public let engine: UsageEngine
    /// The alert rules' state; after `run`, what fired.
    public private(set) var alerts: AlertEvaluator
    private let options: ReplayOptions
    private let sources: [any EventSource]
    private let output: OutputSink
    private let diagnostics: Diagnostics
    /// Called after every evaluation with its transitions, often none (the alert sinks, which
    /// also keep their re-send cadence on it).
    public var onEvaluation: (([AlertEvent]) -> Void)?
    /// With `speed`: when the first tick was played, in wall time and virtual time.
    private var pacingStart: (wall: ContinuousClock.Instant, virtual: Double)?
    /// Per source: the log time of its last line (what `source_stale` reads).
    public private(set) var activity: [SourceActivity]

    public init(options: ReplayOptions, configuration: EngineConfiguration, output: OutputSink,
                diagnostics: Diagnostics, rules: [AlertRule] = AlertRule.defaults) throws(SourceError) {
        let models = ModelCatalog()
        var configuration = configuration
        if let from = options.from { configuration.summaryFrom = from }
        self.options = options
        self.engine = UsageEngine(configuration: configuration, models: models)
        self.alerts = AlertEvaluator(rules: rules)
        self.output = output
        self.diagnostics = diagnostics
        let paths = try SourcePaths.expand(options.paths)
        self.sources = try SourceOpener.open(paths: paths, format: options.format, models: models, diagnostics: diagnostics,
                                             parallelThreshold: options.parallelThreshold)
        activity = sources.map { SourceActivity(name: $0.displayName) }
    }

    /// Runs the replay to the end of the input (or `--to`).
    public func run() {
        var merged = MergedEvents(sources: sources)
        var nextTick: Double?
        var firstEvent: Double?
        var lastEvent: Double?
        let interval = options.interval
        while let event = merged.next() {
            if let to = options.to, event.end > to { break }
            if nextTick == nil {
                nextTick = options.from ?? (event.end / interval).rounded(.up) * interval
            }
            while let tick = nextTick, tick < event.end {
                self.tick(at: tick)
                nextTick = tick + interval
            }
            let source = Int(event.origin.source)
            if source < activity.count { activity[source].record(at: event.end) }
            switch engine.ingest(event) {
            case .applied:
                if event.end >= options.from ?? -.infinity {
                    if firstEvent == nil { firstEvent = event.end }
                    lastEvent = max(lastEvent ?? event.end, event.end)
                }
            case .outOfOrder(let behind):
                let path = sources[Int(event.origin.source)].displayName
                diagnostics.outOfOrder(path: path, line: event.origin.line, behind: behind,
                                       tolerance: engine.configuration.outOfOrderTolerance)
            }
        }
        if let last = lastEvent ?? options.to {
            var tick = nextTick ?? options.from ?? (last / interval).rounded(.up) * interval
            let end = options.to ?? last
            while tick < end + interval {
                self.tick(at: tick)
                if tick >= end { break }
                tick += interval
            }
        }
        if options.emitSummary {
            let counts = JSONLines.InputCounts(lines: sources.reduce(0) { $0 + $1.lines }, malformedLines: diagnostics.malformedLines,
                                               duplicatesSkipped: sources.reduce(0) { $0 + $1.duplicates })
            let from = options.from ?? firstEvent
            let to = options.to ?? lastEvent
            output.writeLine(JSONLines.summary(engine.summary(from: from, to: to), from: from, to: to, counts: counts,
                                               alerts: (alerts.firedCount, alerts.firedByRule)))
        }
        output.flush()
    }

    /// One step of the virtual clock: alert rules see the state, and it is written if asked.
    /// Before `--from` nothing is written or counted.
    private func tick(at time: Double) {
        guard time >= options.from ?? -.infinity else { return }
        if let speed = options.speed, speed > 0 { pace(to: time, speed: speed) }
        var state = engine.state(at: time)
        state.sources = activity
        if options.emitState {
            output.writeLine(JSONLines.state(state, malformedLines: diagnostics.malformedLines))
        }
        let transitions = alerts.evaluate(state)
        if options.emitAlerts {
            for event in transitions { output.writeLine(JSONLines.alert(event)) }
        }
        if let onEvaluation {
            if !transitions.isEmpty { output.flush() }
            onEvaluation(transitions)
        }
    }

    /// Sleeps until virtual `time` is due at `speed` virtual seconds per real second, writing
    /// out what is buffered first so a reader sees lines as they happen.
    private func pace(to time: Double, speed: Double) {
        guard let start = pacingStart else {
            pacingStart = (ContinuousClock.now, time)
            return
        }
        let due = start.wall + .milliseconds(Int64((time - start.virtual) / speed * 1000))
        guard due > ContinuousClock.now else { return }
        output.flush()
        Thread.sleep(forTimeInterval: Double((due - ContinuousClock.now).components.attoseconds) / 1e18
            + Double((due - ContinuousClock.now).components.seconds))
    }

}
/// The events of several sources merged by completion time; each source is in its own order.
struct MergedEvents {
    private let sources: [any EventSource]
    private var heads: [Exchange?]

    init(sources: [any EventSource]) {
        self.sources = sources
        heads = sources.count == 1 ? [] : sources.map { $0.next() }
    }

    @inline(__always)
    mutating func next() -> Exchange? {
        if sources.count == 1 { return sources[0].next() }
        var chosen = -1
        var earliest = Double.infinity
        for index in heads.indices {
            if let end = heads[index]?.end, end < earliest {
                earliest = end
                chosen = index
            }
        }
        guard chosen >= 0 else { return nil }
        let event = heads[chosen]
        heads[chosen] = sources[chosen].next()
        return event
    }
}

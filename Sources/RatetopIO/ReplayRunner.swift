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
    /// Many files are decoded on worker threads ahead of the merge (`.off`: on the caller's).
    public var prefetch: Prefetch

    public init(paths: [String], format: LogFormat? = nil, interval: Double = 1, emitState: Bool = false,
                emitSummary: Bool = true, emitAlerts: Bool = false, from: Double? = nil, to: Double? = nil,
                parallelThreshold: Int = SourceOpener.parallelThreshold, prefetch: Prefetch = .standard) {
        self.parallelThreshold = parallelThreshold
        self.prefetch = prefetch
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

/// `ratetop replay --headless`: past logs played through a `Monitor` on virtual time as fast
/// as the machine allows (or paced with `speed`), writing `state` objects every interval,
/// `alert` objects as rules fire and resolve, and a `summary` at the end.
///
/// A thin driver: the sources are opened here (files, formats, threads) and merged by
/// completion time; the schedule of lines, ticks and alert instants is Core's `ReplaySchedule`.
public final class ReplayRunner {
    public let monitor: Monitor
    public var engine: UsageEngine { monitor.engine }
    /// The alert rules' state; after `run`, what fired.
    public var alerts: AlertEvaluator { monitor.alerts }
    private let options: ReplayOptions
    private let sources: [any EventSource]
    private let schedule: ReplaySchedule
    private let output: OutputSink
    private let diagnostics: Diagnostics
    /// Called after every `state` tick (with no transitions) and with every alert transition
    /// (the alert sinks, which also keep their re-send cadence on it).
    public var onEvaluation: (([AlertEvent]) -> Void)?
    /// Whether the input has at least one event; when not, `input` says what its lines were
    /// (every line has been read by then).
    public let hasEvents: Bool
    /// The files, lines read so far and lines skipped per reason.
    public var input: ReplayInput {
        ReplayInput(files: sources.count, lines: sources.reduce(0) { $0 + $1.lines }, skipped: sources.reduce(SkipCounts()) { $0 + $1.skipped })
    }
    /// With `speed`: when the first tick was played, in wall time and virtual time.
    private var pacingStart: (wall: ContinuousClock.Instant, virtual: Double)?

    public init(options: ReplayOptions, configuration: EngineConfiguration, output: OutputSink,
                diagnostics: Diagnostics, rules: [AlertRule] = AlertRule.defaults) throws(SourceError) {
        let models = ModelCatalog()
        var configuration = configuration
        if let from = options.from { configuration.summaryFrom = from }
        self.options = options
        self.output = output
        self.diagnostics = diagnostics
        monitor = Monitor(configuration: configuration, models: models, rules: rules, alertsFrom: options.from ?? -.infinity)
        monitor.engine.onNotice = { diagnostics.notice($0) }
        let paths = try SourcePaths.expandNamed(options.paths)
        // Each file decoded on its own (on the prefetch threads when there are many), a resumed
        // session's copies dropped where the files are merged.
        sources = try SourceOpener.open(paths: paths, format: options.format, models: models, diagnostics: diagnostics,
                                        parallelThreshold: options.parallelThreshold, copies: .atMerge, prefetch: options.prefetch)
        let sourceOf = monitor.addSources(sources.map(\.alertSource))
        // The first event is read now, so an input with none is known before anything is written.
        var merged = SourceOpener.merged(sources)
        hasEvents = merged.peekTime() != nil
        // Ticks only when state lines are written: a year of log time is 31 million of them.
        schedule = ReplaySchedule(monitor: monitor, events: merged,
                                  interval: options.emitState ? options.interval : nil, from: options.from, to: options.to)
        schedule.sourceOf = sourceOf
        let sources = self.sources
        let tolerance = configuration.outOfOrderTolerance
        schedule.onEvent = { [unowned self] event, result in
            if let speed = options.speed, speed > 0 { pace(to: event.end, speed: speed) }
            guard case .late(let behind) = result else { return }
            diagnostics.late(path: sources[Int(event.origin.source)].displayName, line: event.origin.line, behind: behind,
                             tolerance: tolerance)
        }
    }

    /// Runs the replay to the end of the input (or `--to`).
    public func run() {
        schedule.finish { handle($0) }
        if let trace = ProcessInfo.processInfo.environment["RATETOP_TRACE_EVALUATIONS"], !trace.isEmpty {
            FileHandle.standardError.write(Data("ratetop: \(monitor.evaluations) evaluations\n".utf8))
        }
        if options.emitSummary {
            var skipped = sources.reduce(SkipCounts()) { $0 + $1.skipped }
            skipped[.late] = monitor.lateLines
            let counts = JSONLines.InputCounts(lines: sources.reduce(0) { $0 + $1.lines }, skipped: skipped)
            let from = options.from ?? schedule.firstEvent
            let to = options.to ?? schedule.lastEvent
            output.writeLine(JSONLines.summary(monitor.summary(from: from, to: to), from: from, to: to, counts: counts,
                                               alerts: (alerts.firedCount, alerts.firedByRule)))
        }
        output.flush()
    }

    private func handle(_ step: ReplaySchedule.Output) {
        switch step {
        case .tick(let time):
            if let speed = options.speed, speed > 0 { pace(to: time, speed: speed) }
            if options.emitState {
                output.writeLine(JSONLines.state(monitor.state(at: time), malformedLines: diagnostics.malformedLines,
                                                 lateLines: monitor.lateLines))
            }
            onEvaluation?([])
        case .alert(let event):
            if let speed = options.speed, speed > 0 { pace(to: event.at, speed: speed) }
            if options.emitAlerts { output.writeLine(JSONLines.alert(event)) }
            if let onEvaluation {
                output.flush()
                onEvaluation([event])
            }
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

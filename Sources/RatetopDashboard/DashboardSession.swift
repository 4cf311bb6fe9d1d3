import Foundation
import RatetopCore
import RatetopIO
import RatetopUI

/// Everything the dashboard shows and does, without a terminal: it pulls events from live
/// sources or a replay feed, moves the clock, samples the level history, keeps who is draining,
/// applies key actions, and builds the `DashboardModel` the view draws. The terminal loop
/// (`DashboardApp`) only feeds it wall time and keys.
public final class DashboardSession {
    /// Where events come from.
    public enum Input {
        case live(LiveSources)
        case replay(ReplayFeed, speed: Double)
    }

    private let configuration: EngineConfiguration
    private let models: ModelCatalog
    private var input: Input
    /// Live: the sources driven into the monitor on the wall clock.
    private var liveDriver: LiveMonitor?
    /// Replay: the feed's lines on the virtual clock.
    private var schedule: ReplaySchedule?
    private var monitor: Monitor
    private var history = LevelHistory()
    private var use = UseHistory()
    private var rules: [AlertRule]
    /// The alerts firing now, by rule, severity, class and dimension.
    private var activeAlerts: [String: AlertRow] = [:]
    private var ledger = DrainLedger()
    private var clock: VirtualClock?
    private var lastWall: Double?
    private var sampledSecond: Int64 = .min
    private let sourceNames: [String]
    public let diagnostics: Diagnostics
    private var replayDiagnostics: Diagnostics?

    // What the user chose.
    public private(set) var selectedClass = 0
    public private(set) var graphWindowMinutes = 5
    public private(set) var graphKind = DashboardModel.GraphKind.activity
    public private(set) var groupingIndex = 0
    public private(set) var expanded: Panel?
    public private(set) var showHelp = false
    public private(set) var quit = false
    private let groupings: [String]

    /// Seek steps for ←/→ in replay (seconds of virtual time).
    public var seekStep = 300.0

    /// Names the input in the header instead of its paths (`ratetop demo`: `sample: a day on Tier 1`).
    public var sourceLabel: String?

    public init(input: Input, configuration: EngineConfiguration, models: ModelCatalog, diagnostics: Diagnostics,
                groupBy: String? = nil, rules: [AlertRule] = AlertRule.defaults) {
        self.input = input
        self.rules = rules
        self.configuration = configuration
        self.models = models
        self.diagnostics = diagnostics
        groupings = ["source", "project", "session"] + (groupBy.map { [$0] } ?? [])
        switch input {
        case .live(let sources):
            sourceNames = sources.sourceNames
            let driver = LiveMonitor(live: sources, configuration: configuration, rules: rules, diagnostics: diagnostics)
            monitor = driver.monitor
            liveDriver = driver
        case .replay(let feed, let speed):
            sourceNames = feed.files
            monitor = Monitor(configuration: configuration, models: models, rules: rules)
            clock = VirtualClock(start: (feed.firstTime ?? 0).rounded(.down), speed: speed)
            replayDiagnostics = feed.diagnostics
        }
        if groupBy != nil { groupingIndex = groupings.count - 1 }
        if case .replay(let feed, _) = input { startReplay(feed) }
        liveDriver?.onEvent = { [unowned self] event, result in record(event, result) }
    }

    private var engine: UsageEngine { monitor.engine }

    /// The time the dashboard shows: the wall clock live, the virtual clock in replay.
    public var now: Double { clock?.now ?? lastWall ?? 0 }

    /// Moves time to `wallNow` (seconds since the epoch) and takes in what arrived. Returns
    /// true when anything changed that the screen should show.
    @discardableResult
    public func tick(wallNow: Double) -> Bool {
        defer { lastWall = wallNow }
        if let liveDriver {
            let linesBefore = liveDriver.live.lines
            let (transitions, newSecond) = liveDriver.step(wallNow: wallNow)
            show(transitions)
            if let second = newSecond { sample(at: second) }
            return liveDriver.live.lines != linesBefore || newSecond != nil
        }
        guard var clock, let schedule else { return false }
        let before = clock.now
        clock.advance(wallSeconds: wallNow - (lastWall ?? wallNow))
        play(schedule, from: before, to: clock.now)
        // At the end of the log the clock stops there and the last frame holds.
        if schedule.drained, !clock.paused, engine.now.isFinite, clock.now >= engine.now.rounded(.up) {
            clock.hold(at: max(before, engine.now.rounded(.up)))
        }
        self.clock = clock
        return clock.now != before
    }

    /// A fresh monitor and schedule over a feed (the start, or a seek backwards).
    private func startReplay(_ feed: ReplayFeed) {
        monitor = Monitor(configuration: configuration, models: models, rules: rules)
        monitor.engine.onNotice = { [diagnostics] in diagnostics.notice($0) }
        let schedule = feed.schedule(monitor: monitor)
        let tolerance = configuration.outOfOrderTolerance
        let diagnostics = self.diagnostics
        schedule.onEvent = { [unowned self] event, result in
            if case .late(let behind) = result {
                diagnostics.late(path: feed.displayName(event.origin.source), line: event.origin.line, behind: behind,
                                 tolerance: tolerance)
            }
            record(event, result)
        }
        self.schedule = schedule
    }

    /// Plays the replay second by second so the history graph has every second.
    private func play(_ schedule: ReplaySchedule, from: Double, to: Double) {
        var second = from.rounded(.down) + 1
        while second <= to {
            advance(schedule, to: second)
            sample(at: second)
            second += 1
        }
        advance(schedule, to: to)
    }

    private func advance(_ schedule: ReplaySchedule, to time: Double) {
        schedule.advanceTime(to: time) { step in
            if case .alert(let event) = step { show([event]) }
        }
    }

    /// An event the monitor took: who is draining, and the use per second the activity graph draws.
    private func record(_ event: Exchange, _ result: IngestResult) {
        guard result == .applied, let info = engine.modelClass(of: event) else { return }
        let counted = event.usage.countedInputTokens(cacheReadsCount: info.cacheReadsCountTowardITPM)
        if !event.isThrottled && !event.isOverloaded {
            ledger.record(event, classID: info.id, countedInput: counted, field: event.group)
        }
        // Every attempt, as in the `use/min` column (a 429 storm's requests show over the RPM
        // line); a plan's window refusal is not the per-minute limiter's (as in `ClassTracker.apply`).
        guard event.errorKind != .subscriptionLimit else { return }
        use.record(classID: info.id, requests: Double(event.requests), input: Double(counted),
                   output: Double(event.usage.outputTokens), start: event.start, end: event.end)
    }

    private func show(_ transitions: [AlertEvent]) {
        for event in transitions {
            if event.state == .firing {
                activeAlerts[event.key] = AlertRow(severity: event.severity.rawValue, summary: event.summary, since: event.at)
            } else {
                activeAlerts[event.key] = nil
            }
        }
    }

    /// Once per second of the clock: the history graph's sample.
    private func sample(at time: Double) {
        let second = Int64(time.rounded(.down))
        guard second > sampledSecond else { return }
        sampledSecond = second
        history.record(monitor.state(at: Double(second)))
    }

    private func sourceName(_ index: Int32) -> String {
        switch input {
        case .live(let sources): sources.displayName(index)
        case .replay(let feed, _): feed.displayName(index)
        }
    }

    // MARK: Keys

    /// Applies a key action.
    public func handle(_ action: KeyAction) {
        let classCount = max(1, engine.classIDs.count)
        switch action {
        case .quit: quit = true
        case .help: showHelp.toggle()
        case .dismiss:
            if showHelp { showHelp = false } else { expanded = nil }
        case .nextClass: selectedClass = (selectedClass + 1) % classCount
        case .previousClass: selectedClass = (selectedClass + classCount - 1) % classCount
        case .selectClass(let index): if index < classCount { selectedClass = index }
        case .graphWindow: graphWindowMinutes = DashboardModel.nextGraphWindow(after: graphWindowMinutes)
        case .graphKind: graphKind = graphKind.other
        case .grouping: groupingIndex = (groupingIndex + 1) % groupings.count
        case .expand: expanded = Panel.next(after: expanded, hasAlerts: !activeAlerts.isEmpty)
        case .pause: clock?.togglePause()
        case .faster: clock?.faster()
        case .slower: clock?.slower()
        case .seekForward: seek(by: seekStep)
        case .seekBack: seek(by: -seekStep)
        case .largerRequest: requestScale = min(requestScale + 1, Self.requestScaleRange.upperBound)
        case .smallerRequest: requestScale = max(requestScale - 1, Self.requestScaleRange.lowerBound)
        }
    }

    /// Moves the replay clock. Forward plays the skipped span at once; backward starts again
    /// from the top (the engine cannot run backwards) and plays up to the target. Either way
    /// only the last hour is sampled second by second; the rules are evaluated throughout.
    public func seek(by seconds: Double) {
        guard case .replay(let feed, let speed) = input, var clock, let schedule else { return }
        let target = max(feed.firstTime?.rounded(.down) ?? clock.now, clock.now + seconds)
        if seconds >= 0 {
            let from = clock.now
            clock.seek(to: target)
            self.clock = clock
            let historyFrom = max(from, target - Double(LevelHistory.seconds))
            advance(schedule, to: historyFrom)
            play(schedule, from: historyFrom, to: target)
            return
        }
        let fresh: ReplayFeed
        do {
            fresh = try feed.reopen(diagnostics: Diagnostics(limit: 0))
        } catch {
            diagnostics.malformed(path: "replay", line: 0, reason: "cannot seek back: \(error.description)")
            return
        }
        history.reset()
        use.reset()
        activeAlerts = [:]
        ledger = DrainLedger()
        sampledSecond = .min
        input = .replay(fresh, speed: speed)
        replayDiagnostics = fresh.diagnostics
        startReplay(fresh)
        guard let restarted = self.schedule else { return }
        let start = (fresh.firstTime ?? target).rounded(.down)
        let historyFrom = max(start, target - Double(LevelHistory.seconds))
        advance(restarted, to: historyFrom)
        play(restarted, from: historyFrom, to: target)
        let wasPaused = clock.paused
        clock = VirtualClock(start: target, speed: clock.speed)
        if wasPaused { clock.togglePause() }
        self.clock = clock
    }

    // MARK: The model

    /// The admission line asks about the class's p95 request times 2^`requestScale`.
    private var requestScale = 0
    static let requestScaleRange = -6...6

    /// How long the class's typical request, scaled, would wait now; nil before its first request.
    private func admission(for bucket: BucketState) -> AdmissionLine? {
        guard let typical = engine.typicalRequest(classID: bucket.classID) else { return nil }
        let factor = requestScale >= 0 ? Double(1 << requestScale) : 1 / Double(1 << -requestScale)
        let request = RequestSize(inputTokens: Int((Double(typical.inputTokens) * factor).rounded()),
                                  outputTokens: Int((Double(typical.outputTokens) * factor).rounded()))
        return AdmissionLine(request: request, scale: requestScale, forecast: AdmissionForecast.forecast(for: request, in: bucket))
    }

    /// What the view draws now.
    public func model() -> DashboardModel {
        let time = now
        let state = engine.state(at: time)
        let window = graphWindowMinutes * 60
        if selectedClass >= state.buckets.count { selectedClass = max(0, state.buckets.count - 1) }
        let grouping = groupings[groupingIndex]
        // Only the selected class's graphs and drainers are drawn: the others' are left empty.
        let panels = state.buckets.enumerated().map { index, bucket -> ClassPanel in
            guard index == selectedClass else { return ClassPanel(state: bucket) }
            var series = PerDimension<[Double?]>(repeating: [])
            for dimension in Dimension.allCases {
                series[dimension] = switch graphKind {
                case .level: history.levels(classID: bucket.classID, dimension: dimension, seconds: window)
                case .activity: use.use(classID: bucket.classID, dimension: dimension, through: time, seconds: window)
                }
            }
            let drainers = self.drainers(classID: bucket.classID, now: time, grouping: grouping)
            var panel = graphKind == .level ? ClassPanel(state: bucket, history: series, drainers: drainers)
                : ClassPanel(state: bucket, drainers: drainers, use: series)
            panel.admission = admission(for: bucket)
            return panel
        }
        var mode = DashboardModel.Mode.live
        var lines = 0
        var malformed = diagnostics.malformedLines
        switch input {
        case .live(let sources):
            lines = sources.lines
        case .replay(let feed, _):
            lines = feed.lines
            malformed += replayDiagnostics?.malformedLines ?? 0
            if let clock { mode = .replay(speed: clock.speed, paused: clock.paused, finished: (schedule?.drained ?? true) && clock.paused) }
        }
        var problem = replayDiagnostics?.lastMessage ?? diagnostics.lastMessage
        if case .live(let sources) = input, let change = sources.lastChange { problem = diagnostics.lastMessage ?? change }
        // A failing scraped source is the most urgent thing the status line can say.
        var stale = 0
        var onlyScraping = false
        if case .live(let sources) = input {
            let failing = sources.feedProblems(now: time)
            stale = failing.count
            if let first = failing.first { problem = first }
            onlyScraping = sources.onlyScraping
        }
        var model = DashboardModel(mode: mode, clock: time, sources: sourceNames, classes: panels, selectedClass: selectedClass,
                                   graphWindowMinutes: graphWindowMinutes, grouping: grouping, linesRead: lines,
                                   malformedLines: malformed, lastProblem: problem,
                                   alerts: activeAlerts.values.sorted { ($0.severity == "critical" ? 0 : 1, $0.since) < ($1.severity == "critical" ? 0 : 1, $1.since) },
                                   expanded: expanded,
                                   showHelp: showHelp)
        model.staleSources = stale
        model.sourceLabel = sourceLabel
        model.graphKind = graphKind
        model.onlyScraping = onlyScraping
        return model
    }

    private func drainers(classID: String, now: Double, grouping: String) -> [Drainer] {
        let names = sourceNames
        let groups: ModelCatalog
        switch input {
        case .live(let sources): groups = sources.groups
        case .replay(let feed, _): groups = feed.groups
        }
        let consumers = ledger.top(classID: classID, now: now, limit: 8) { entry -> String? in
            let path: String
            if case .live(let sources) = input {
                path = sources.displayName(entry.source)
                // A scraped endpoint is one consumer, named by its address.
                if entry.source >= LiveSources.feedBase { return path }
            } else {
                path = entry.source >= 0 && Int(entry.source) < names.count ? names[Int(entry.source)] : "?"
            }
            switch grouping {
            case "source": return (path as NSString).lastPathComponent
            case "project": return ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent
            case "session": return ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            default:
                guard entry.field >= 0, Int(entry.field) < groups.count else { return "(no \(grouping))" }
                return groups.names[Int(entry.field)]
            }
        }
        return consumers.map { Drainer(name: $0.name, sharePerDimension: $0.share, perMinute: $0.perMinute) }
    }
}

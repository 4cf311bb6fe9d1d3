import HeapModule

/// The one place where lines become state and alerts: the engine, the alert rules and the
/// sources' activity, driven by events and by time as the caller says. Replay, headless watch
/// and the dashboard are drivers of a Monitor; they differ only in where events come from,
/// which clock they read, and where the output goes.
///
/// Work follows what happened, not the clock. The alert rules are evaluated at whole seconds,
/// but only at the seconds where a rule can change: when a bucket took an event, when a
/// source gave a line, when a hold completes, when a second leaves a rolling window or a
/// minute moves through the half-hour trend, and when a refilling bucket or the time since
/// something crosses a rule's threshold (computed, not waited for). Those instants wait in a
/// priority queue, so a month of quiet costs nothing and an idle source costs nothing. The
/// transitions are exactly those of evaluating every rule at every second (the stepped
/// `AlertEvaluator.evaluate`, kept as the test oracle).
///
/// Pure: no I/O, no clock. `ingest` events, say what the sources did, `advance(through:)` to a
/// time, read `state(at:)`.
public final class Monitor {
    public let engine: UsageEngine
    /// The rules' state; what fired so far.
    public private(set) var alerts: AlertEvaluator
    /// The sources and when each last gave a line (on the driver's clock).
    public private(set) var sources: [SourceActivity] = []
    /// The last whole second the rules were evaluated through.
    public private(set) var evaluatedThrough = -Double.infinity
    /// Lines stamped too far before what was already applied (counted in the totals only).
    public private(set) var lateLines = 0
    /// Buckets and sources evaluated so far: the work done, for tests and benchmarks.
    public private(set) var evaluations = 0
    /// No rule is evaluated before this second (`--from`).
    private let firstInstant: Double
    private var queue = Heap<Due>()
    /// Entries left in `queue` for a second no longer wanted (an item rescheduled earlier keeps
    /// its later entry): when they outnumber the live ones the queue is rebuilt, so it holds
    /// O(buckets + sources) entries however many events arrive.
    private var staleEntries = 0
    /// Per bucket and per source: the second it waits in the queue for (`.infinity`: not
    /// queued), and what changed since it was last evaluated (the rules that can have moved are
    /// read; for a source, every rule).
    private var bucketQueued: [Double] = []
    private var bucketChanged: [BucketChange] = []
    private var sourceQueued: [Double] = []
    private var sourceChanged: [Bool] = []

    /// A second at which a bucket or a source must be evaluated. At the same second buckets
    /// come first, in their order, then sources, as the stepped evaluator orders transitions.
    private struct Due: Comparable {
        var at: Double
        var order: Int

        static func < (lhs: Due, rhs: Due) -> Bool {
            lhs.at < rhs.at || (lhs.at == rhs.at && lhs.order < rhs.order)
        }
    }

    /// Sources sort after every bucket.
    private static let sourceOrder = 1 << 40

    public init(configuration: EngineConfiguration, models: ModelCatalog, rules: [AlertRule] = AlertRule.defaults,
                alertsFrom: Double = -.infinity) {
        engine = UsageEngine(configuration: configuration, models: models)
        alerts = AlertEvaluator(rules: rules)
        firstInstant = alertsFrom.isFinite ? alertsFrom.rounded(.up) : -.infinity
    }

    // MARK: Input

    /// Adds a source (a file, an endpoint); returns its position for `noteLine`.
    @discardableResult
    public func addSource(_ name: String) -> Int {
        sources.append(SourceActivity(name: name))
        sourceQueued.append(.infinity)
        sourceChanged.append(false)
        _ = alerts.addSource()
        return sources.count - 1
    }

    /// Adds the sources of several streams, once per distinct name (files whose lines count
    /// for one source share it); returns each stream's source position.
    public func addSources(_ names: [String]) -> [Int] {
        var positions: [String: Int] = [:]
        return names.map { name in
            if let known = positions[name] { return known }
            let position = addSource(name)
            positions[name] = position
            return position
        }
    }

    /// A source gave a line at `time` (log time in a replay, wall time live).
    public func noteLine(source: Int, at time: Double) {
        guard source >= 0, source < sources.count else { return }
        let before = sources[source].lastLineAt
        sources[source].record(at: time)
        guard sources[source].lastLineAt != before, alerts.hasSourceRules else { return }
        let due = firstDue(after: time)
        // A line to a source whose rules are at rest, and stay so at its second, changes
        // nothing now: it only moves their next crossing later, and the second already queued
        // (the crossing for the line before) comes first and reschedules. A log that writes a
        // line a second is then read once per stale period, not once per line.
        if before != nil, sourceQueued[source].isFinite, !sourceChanged[source],
           alerts.sourceAtRest(source, sources[source], at: due) { return }
        sourceChanged[source] = true
        schedule(order: Self.sourceOrder + source, at: due)
    }

    /// Why a source is failing now, or nil (shown in the state's `source_problems`).
    public func setProblem(source: Int, _ problem: String?) {
        guard source >= 0, source < sources.count else { return }
        sources[source].problem = problem
    }

    /// Applies one event. A line stamped within the tolerance of what was applied goes into the
    /// buckets; one stamped earlier counts in the totals only (`late`).
    @discardableResult
    public func ingest(_ event: Exchange) -> IngestResult {
        let result = engine.ingest(event)
        // A bucket seen for the first time (even through a late line) is read at the next second.
        while bucketQueued.count < engine.bucketCount {
            bucketQueued.append(.infinity)
            bucketChanged.append(.all)
            alerts.addBuckets(upTo: bucketQueued.count)
            schedule(order: bucketQueued.count - 1, at: firstDue(after: event.end))
        }
        guard result == .applied else {
            lateLines += 1
            return result
        }
        guard let position = engine.bucketPosition(of: event) else { return result }
        let due = firstDue(after: event.end)
        var change = engine.lastChange
        // Read at a later minute than its own, the event's minute is already part of the trend.
        if (due / 60).rounded(.down) > (event.end / 60).rounded(.down) { change.insert(.trend) }
        bucketChanged[position].formUnion(change)
        schedule(order: position, at: due)
        return result
    }

    /// New rules (a reloaded configuration): trackers whose rule is unchanged keep their state,
    /// and every bucket and source is read again at the next second.
    public func replaceRules(_ rules: [AlertRule]) {
        alerts.replaceRules(rules)
        let next = firstDue(after: evaluatedThrough + 1)
        for position in bucketQueued.indices {
            bucketChanged[position] = .all
            schedule(order: position, at: next)
        }
        for position in sourceQueued.indices where sources[position].lastLineAt != nil {
            sourceChanged[position] = true
            schedule(order: Self.sourceOrder + position, at: next)
        }
    }

    // MARK: Time

    /// Evaluates the rules at every whole second up to `time` where one can change, in time
    /// order; returns the transitions (each stamped with its second).
    @discardableResult
    public func advance(through time: Double) -> [AlertEvent] {
        var events: [AlertEvent] = []
        advance(through: time, into: &events)
        return events
    }

    /// The same, appending to `events`.
    public func advance(through time: Double, into events: inout [AlertEvent]) {
        let limit = time.rounded(.down)
        while let due = queue.min, due.at <= limit {
            queue.removeMin()
            if staleEntries > 0, !isCurrent(due) {
                staleEntries -= 1
                continue
            }
            if due.order < Self.sourceOrder {
                evaluateBucket(due.order, at: due.at, into: &events)
            } else {
                evaluateSource(due.order - Self.sourceOrder, at: due.at, into: &events)
            }
        }
        if limit > evaluatedThrough { evaluatedThrough = limit }
    }

    /// The next second at which a rule may be evaluated, if any is waiting.
    public var nextInstant: Double? { queue.min?.at }

    private func evaluateBucket(_ position: Int, at time: Double, into events: inout [AlertEvent]) {
        guard bucketQueued[position] == time else { return }  // superseded by an earlier second
        bucketQueued[position] = .infinity
        let changed = bucketChanged[position]
        guard !changed.isEmpty || alerts.nextDue(bucket: position) <= time else {
            schedule(order: position, at: alerts.nextDue(bucket: position))
            return
        }
        bucketChanged[position] = []
        evaluations += 1
        // The numbers only; the whole state (names, tier, advice) only when an alert is worded.
        let reading = engine.bucketReading(position, at: time)
        let future = ClassFuture(tracker: engine.classTracker(position), state: reading)
        let next = alerts.stepBucket(position, reading: reading, at: time, changed: changed, future: future,
                                     state: { [engine] in engine.bucketState(position, at: time) }, into: &events)
        schedule(order: position, at: next)
    }

    private func evaluateSource(_ position: Int, at time: Double, into events: inout [AlertEvent]) {
        guard sourceQueued[position] == time else { return }
        sourceQueued[position] = .infinity
        let all = sourceChanged[position]
        sourceChanged[position] = false
        evaluations += 1
        let next = alerts.stepSource(position, sources[position], at: time, all: all, into: &events)
        schedule(order: Self.sourceOrder + position, at: next)
    }

    /// The first second at which something stamped `time` can be seen: not before it, not in
    /// the past already evaluated, not before `--from`.
    private func firstDue(after time: Double) -> Double {
        max(time.rounded(.up), evaluatedThrough + 1, firstInstant)
    }

    private func schedule(order: Int, at time: Double) {
        // Past 2^53 seconds a second more is the same number: nothing could ever be due again.
        guard time.isFinite, time + 1 > time else { return }
        let queued = order < Self.sourceOrder ? bucketQueued[order] : sourceQueued[order - Self.sourceOrder]
        guard time < queued else { return }
        if order < Self.sourceOrder { bucketQueued[order] = time } else { sourceQueued[order - Self.sourceOrder] = time }
        if queued.isFinite { staleEntries += 1 }
        queue.insert(Due(at: time, order: order))
        if staleEntries > 8 && staleEntries > queue.count / 2 { rebuildQueue() }
    }

    /// True when the entry is the one its bucket or source waits for.
    private func isCurrent(_ due: Due) -> Bool {
        due.order < Self.sourceOrder ? bucketQueued[due.order] == due.at : sourceQueued[due.order - Self.sourceOrder] == due.at
    }

    private func rebuildQueue() {
        var entries: [Due] = []
        for (position, time) in bucketQueued.enumerated() where time.isFinite { entries.append(Due(at: time, order: position)) }
        for (position, time) in sourceQueued.enumerated() where time.isFinite {
            entries.append(Due(at: time, order: Self.sourceOrder + position))
        }
        queue = Heap(entries)
        staleEntries = 0
    }

    // MARK: Output

    /// The state of every bucket at `time`, with the sources that are failing now. O(buckets):
    /// it reads running sums, never the history.
    public func state(at time: Double) -> EngineState {
        var state = engine.state(at: time)
        state.sources = sources.filter { $0.problem != nil }
        return state
    }

    /// Totals, peaks and advice over everything ingested.
    public func summary(from: Double?, to: Double?) -> [BucketSummary] {
        engine.summary(from: from, to: to)
    }
}

/// A bucket's future without events, read from its tracker and its state at the last evaluation.
struct ClassFuture: BucketFuture {
    let tracker: ClassTracker
    /// From the state at the last evaluation: what holds until the next event.
    let limits: PerDimension<Int?>
    let ratePerMinute: PerDimension<Double>
    let limitChangedAt: Double?

    init(tracker: ClassTracker, state: BucketReading) {
        self.tracker = tracker
        limits = state.limits
        ratePerMinute = state.ratePerMinute
        limitChangedAt = state.lastLimitChange?.at
    }

    /// Exactly the expressions of `ClassTracker.state` and `AlertMetric.value`.
    func value(_ metric: AlertMetric, _ dimension: Dimension?, at time: Double) -> Double? {
        switch metric {
        case .headroom:
            guard let dimension, let level = tracker.level(dimension, at: time), let limit = limits[dimension],
                  limit > 0 else { return nil }
            return max(0, level) / Double(limit)
        case .secondsToEmpty:
            // The last minute's consumption holds until the next jump.
            guard let dimension, let level = tracker.level(dimension, at: time) else { return nil }
            return tracker.secondsToEmpty(dimension, level: level, ratePerMinute: ratePerMinute[dimension])
        case .secondsSinceLimitChange:
            return limitChangedAt.map { max(0, time - $0) }
        default:
            return nil  // not continuous: never asked
        }
    }

    func nextJump(_ metric: AlertMetric, after time: Double) -> Double? {
        switch metric {
        case .secondsToEmpty, .throttledPerMinute:
            tracker.nextWindowChange(after: time, span: 60)
        case .rate429, .rate529:
            tracker.nextWindowChange(after: time, span: Int64(RollingWindow.seconds))
        case .cacheHitRatio:
            // Not `[a, b].compactMap { $0 }.min()`: two arrays allocated at every evaluation.
            Self.earliest(tracker.nextWindowChange(after: time, span: Int64(RollingWindow.seconds)), tracker.nextTrendChange(after: time))
        case .limitPressure:
            tracker.nextTrendChange(after: time)
        case .headroom, .secondsSinceLimitChange, .spendCapped, .secondsSinceLastLine:
            nil
        }
    }

    /// The earlier of two instants, either of which may be missing.
    @inline(__always)
    static func earliest(_ a: Double?, _ b: Double?) -> Double? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }
}

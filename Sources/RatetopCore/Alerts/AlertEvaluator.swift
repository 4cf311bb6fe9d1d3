/// One alert transition: the `alert` object of the JSON-lines contract.
public struct AlertEvent: Sendable, Equatable {
    public enum State: String, Sendable {
        case firing
        case resolved
    }

    public var at: Double
    public var rule: String
    public var state: State
    public var severity: AlertSeverity
    /// The model class; nil for alerts about a source (`source_stale`).
    public var bucket: String?
    public var dimension: Dimension?
    public var value: Double?
    public var threshold: Double
    public var summary: String
    /// The rule's labels.
    public var labels: [String: String]
    /// The source an alert is about (`source_stale`), else nil.
    public var source: String?

    public init(at: Double, rule: String, state: State, severity: AlertSeverity, bucket: String?, dimension: Dimension?,
                value: Double?, threshold: Double, summary: String, labels: [String: String] = [:], source: String? = nil) {
        self.at = at
        self.rule = rule
        self.state = state
        self.severity = severity
        self.bucket = bucket
        self.dimension = dimension
        self.value = value
        self.threshold = threshold
        self.summary = summary
        self.labels = labels
        self.source = source
    }

    /// What identifies one alert while it fires: rule, severity, bucket or source, dimension.
    public var key: String {
        "\(rule)|\(severity.rawValue)|\(bucket ?? "")|\(source ?? "")|\(dimension?.jsonKey ?? "")"
    }
}

/// The hysteresis of one rule on one series: a value must stay past the fire threshold for the
/// hold time to fire; once firing it resolves only past the stricter clear threshold. A rule
/// that stays true fires once.
public struct AlertTracker: Sendable {
    public enum Transition: Equatable, Sendable {
        case fired
        case resolved
    }

    public private(set) var firing = false
    private var pendingSince: Double?
    private var clearingSince: Double?

    public init() {}

    /// Feeds the metric's value at `time`; unknown values (`nil`) count as clear for the
    /// metrics where unknown means "nothing happening" (not draining, no traffic).
    public mutating func step(_ rule: AlertRule, value: Double?, at time: Double) -> Transition? {
        step(rule.hysteresis, value: value, at: time)
    }

    /// The same, with just the numbers (no copy of the rule's strings on the per-second path).
    @inline(__always)
    public mutating func step(_ rule: AlertRule.Hysteresis, value: Double?, at time: Double) -> Transition? {
        if !firing {
            let past = value.map { rule.isFiring($0) } ?? false
            guard Self.held(past, since: &pendingSince, at: time, for: rule.holdSeconds) else { return nil }
            firing = true
            return .fired
        }
        let clear = value.map { rule.isClear($0) } ?? !rule.unknownKeepsState
        guard Self.held(clear, since: &clearingSince, at: time, for: rule.clearHoldSeconds) else { return nil }
        firing = false
        pendingSince = nil
        clearingSince = nil
        return .resolved
    }

    /// Neither firing nor holding: a step whose fire condition is not met changes nothing.
    @inline(__always)
    var isAtRest: Bool { !firing && pendingSince == nil }

    /// The condition that can move this tracker now: the fire condition while it is not
    /// firing, the clear condition while it is (an unknown value as `step` reads it).
    @inline(__always)
    func movingCondition(_ rule: AlertRule.Hysteresis, value: Double?) -> Bool {
        Phase.movingCondition(firing: firing, rule, value: value)
    }

    /// What the scheduled path reads of a tracker it just stepped: whether it fires, and when
    /// the hold running now completes. Two scalars, not a copy of the tracker: copying it right
    /// after the step's narrow stores stalled on store forwarding, at every slot of every
    /// evaluation.
    struct Phase {
        var firing: Bool
        var holdCompletes: Double?

        @inline(__always)
        func movingCondition(_ rule: AlertRule.Hysteresis, value: Double?) -> Bool {
            Self.movingCondition(firing: firing, rule, value: value)
        }

        @inline(__always)
        static func movingCondition(firing: Bool, _ rule: AlertRule.Hysteresis, value: Double?) -> Bool {
            if !firing { return value.map { rule.isFiring($0) } ?? false }
            return value.map { rule.isClear($0) } ?? !rule.unknownKeepsState
        }
    }

    @inline(__always)
    func phase(_ rule: AlertRule.Hysteresis) -> Phase {
        Phase(firing: firing, holdCompletes: holdCompletes(rule))
    }

    /// The whole second at which the hold running now completes (the tracker fires or resolves
    /// there if its condition still holds), nil when no hold is running. Evaluation instants
    /// are whole seconds, so the first one at least `hold` after the run began.
    func holdCompletes(_ rule: AlertRule.Hysteresis) -> Double? {
        if !firing { return pendingSince.map { $0 + rule.holdSeconds.rounded(.up) } }
        return clearingSince.map { $0 + rule.clearHoldSeconds.rounded(.up) }
    }

    /// True once `condition` has been true without a break for `hold` seconds; `since` keeps
    /// when the current run started.
    @inline(__always)
    private static func held(_ condition: Bool, since: inout Double?, at time: Double, for hold: Double) -> Bool {
        guard condition else {
            since = nil
            return false
        }
        let start = since ?? time
        since = start
        return time - start >= hold
    }

    /// Runs a rule over one value per second and says whether it fired (for the examples).
    public static func fires(_ rule: AlertRule, on values: [Double?]) -> Bool {
        var tracker = AlertTracker()
        for (second, value) in values.enumerated() where tracker.step(rule, value: value, at: Double(second)) == .fired {
            return true
        }
        return false
    }
}

/// Evaluates every rule on every bucket (and dimension) and every source of successive states,
/// turning them into `firing` and `resolved` events. Pure: it sees only the states it is given.
public struct AlertEvaluator: Sendable {
    public private(set) var rules: [AlertRule]
    /// Per rule: where its metric's values sit in `values`, and the dimensions it watches.
    private(set) var plan: [Plan] = []
    /// The bucket slots the scheduled path steps, in the stepped path's order: every enabled
    /// per-bucket rule with each dimension it watches (or none), listed once per rule set.
    private(set) var bucketSlots: [BucketSlot] = []

    /// One tracker of a bucket: a rule, its dimension (nil for a rule on the whole class), and
    /// the tracker's position (`rule * 3 + dimension`).
    struct BucketSlot: Sendable {
        var rule: Int
        var dimension: Dimension?
        var slot: Int
        var metricIndex: Int
        var hysteresis: AlertRule.Hysteresis
        /// A `below` rule on a metric that only rises between events.
        var risesBelow: Bool
    }

    /// The enabled per-source rules (positions in `plan`), in order: what a source's line and
    /// the scheduled path read, listed once per rule set.
    private(set) var sourceRules: [Int] = []

    static func sourceRules(_ plan: [Plan]) -> [Int] {
        plan.indices.filter { plan[$0].perSource && plan[$0].mask != 0 }
    }

    static func bucketSlots(_ plan: [Plan]) -> [BucketSlot] {
        var slots: [BucketSlot] = []
        for index in plan.indices where !plan[index].perSource && plan[index].mask != 0 {
            let rulePlan = plan[index]
            for dimension in dimensionSlots where rulePlan.perDimension == (dimension != nil) {
                let raw = dimension?.rawValue ?? 0
                if dimension != nil && rulePlan.mask & (1 << UInt8(raw)) == 0 { continue }
                slots.append(BucketSlot(rule: index, dimension: dimension, slot: index * 3 + raw,
                                        metricIndex: rulePlan.metricIndex, hysteresis: rulePlan.hysteresis,
                                        risesBelow: metricList[rulePlan.metricIndex].risesBetweenEvents
                                            && rulePlan.hysteresis.direction == .below))
            }
        }
        return slots
    }
    /// Per `BucketChange` (its raw value): the metrics it can move, a bit per `metricList` index.
    static let movedMetrics: [UInt32] = (0...Int(BucketChange.all.rawValue)).map { raw in
        var bits: UInt32 = 0
        for (index, metric) in metricList.enumerated() where metric.isMoved(by: BucketChange(rawValue: UInt8(raw))) {
            bits |= 1 << index
        }
        return bits
    }

    /// Per bucket (in the engine's order, which only ever grows): a tracker per rule and
    /// dimension slot (`rule * 3 + dimension`), the buckets one after another in one array
    /// (`bucketSlot(position, slot)`): one lookup, not an array of arrays, on the hot path.
    var trackers: [AlertTracker] = []
    /// Trackers per bucket: `rules.count * 3`.
    var slotsPerBucket: Int { rules.count * 3 }

    @inline(__always)
    func bucketSlot(_ position: Int, _ slot: Int) -> Int { position * slotsPerBucket + slot }
    /// Per source (in the order sources were first seen): a tracker per rule (only source
    /// rules use theirs).
    var sourceTrackers: [[AlertTracker]] = []
    /// The position in `sourceTrackers` of each source name `evaluate` has seen.
    private var sourcePositions: [String: Int] = [:]
    /// The scheduled path (`Monitor`): per bucket and slot, and per source and rule, the next
    /// whole second at which that tracker can change without new events (`.infinity`: never).
    var bucketDue: [Double] = []
    /// Per bucket: the earliest of its trackers' due seconds (what `stepBucket` last returned).
    var bucketNextDue: [Double] = []
    var sourceDue: [[Double]] = []
    /// The metric values of the bucket being evaluated (kept to avoid an allocation per tick).
    private var values: [Double?] = []
    /// Firing transitions so far, per rule id.
    public private(set) var firedByRule: [String: Int] = [:]
    /// The worst severity that has fired, if any.
    public private(set) var worstFired: AlertSeverity?

    /// Plain values only: the per-second loop must not retain and release the rule's strings.
    struct Plan: Sendable {
        var metricIndex: Int
        var hysteresis: AlertRule.Hysteresis
        var perSource: Bool
        /// Per-dimension rules: bit `dimension.rawValue` set for each watched dimension.
        /// Other rules: 1 when enabled (one slot, no dimension), 0 when not.
        var mask: UInt8
        var perDimension: Bool
    }

    public init(rules: [AlertRule] = AlertRule.defaults) {
        self.rules = rules
        plan = Self.plan(rules)
        bucketSlots = Self.bucketSlots(plan)
        sourceRules = Self.sourceRules(plan)
        values = [Double?](repeating: nil, count: AlertMetric.allCases.count * 3)
    }

    public var firedCount: Int { firedByRule.values.reduce(0, +) }

    static let dimensionSlots: [Dimension?] = [nil, .requests, .inputTokens, .outputTokens]
    /// `allCases` builds a new array on every call: read it once.
    static let metricList = AlertMetric.allCases

    /// The rules whose metric is read per bucket, and which dimensions each one watches: its own
    /// when it names one, else every dimension no rule of the same id and severity names.
    private static func plan(_ rules: [AlertRule]) -> [Plan] {
        rules.map { rule in
            var plan = Plan(metricIndex: AlertMetric.allCases.firstIndex(of: rule.metric) ?? 0, hysteresis: rule.hysteresis,
                            perSource: rule.metric.perSource, mask: 0, perDimension: rule.metric.perDimension)
            guard rule.enabled else { return plan }
            guard rule.metric.perDimension else {
                plan.mask = 1
                return plan
            }
            let claimed = Set(rules.filter { $0.id == rule.id && $0.severity == rule.severity }.compactMap(\.dimension))
            for dimension in Dimension.allCases where rule.dimension.map({ $0 == dimension }) ?? !claimed.contains(dimension) {
                plan.mask |= 1 << UInt8(dimension.rawValue)
            }
            return plan
        }
    }

    /// Swaps in new rules (a configuration reload), keeping the state — firing, or pending
    /// before its hold — of every rule whose identity (id, severity, dimension filter) is
    /// unchanged. Rules that are gone drop their state silently (no `resolved` is sent).
    public mutating func replaceRules(_ newRules: [AlertRule]) {
        var oldIndex: [AlertRule.Identity: Int] = [:]
        for (index, rule) in rules.enumerated() where oldIndex[rule.identity] == nil { oldIndex[rule.identity] = index }
        let carried = newRules.map { oldIndex[$0.identity] }
        func remap(_ old: [AlertTracker], perRule width: Int) -> [AlertTracker] {
            var fresh = [AlertTracker](repeating: AlertTracker(), count: newRules.count * width)
            for (index, from) in carried.enumerated() {
                guard let from else { continue }
                for slot in 0..<width { fresh[index * width + slot] = old[from * width + slot] }
            }
            return fresh
        }
        let buckets = bucketNextDue.count
        trackers = (0..<buckets).flatMap { position in
            remap(Array(trackers[bucketSlot(position, 0)..<bucketSlot(position + 1, 0)]), perRule: 3)
        }
        sourceTrackers = sourceTrackers.map { remap($0, perRule: 1) }
        // The scheduled path re-reads every tracker at its next instant (the Monitor marks all).
        bucketDue = [Double](repeating: .infinity, count: buckets * newRules.count * 3)
        bucketNextDue = [Double](repeating: .infinity, count: buckets)
        sourceDue = sourceDue.map { _ in [Double](repeating: .infinity, count: newRules.count) }
        rules = newRules
        plan = Self.plan(newRules)
        bucketSlots = Self.bucketSlots(plan)
        sourceRules = Self.sourceRules(plan)
    }

    /// The transitions the state at its time causes.
    public mutating func evaluate(_ state: EngineState) -> [AlertEvent] {
        var events: [AlertEvent] = []
        addBuckets(upTo: state.buckets.count)
        let metrics = Self.metricList
        for position in state.buckets.indices {
            // Read the numbers once per bucket: copying a BucketState per rule is what costs.
            for index in values.indices { values[index] = nil }
            let bucket = state.buckets[position]
            for (metricIndex, metric) in metrics.enumerated() where !metric.perSource {
                if metric.perDimension {
                    for dimension in Dimension.allCases {
                        values[metricIndex * 3 + dimension.rawValue] = metric.value(of: bucket, dimension: dimension, at: state.at)
                    }
                } else {
                    values[metricIndex * 3] = metric.value(of: bucket, dimension: nil, at: state.at)
                }
            }
            for index in plan.indices where !plan[index].perSource && plan[index].mask != 0 {
                let rulePlan = plan[index]
                for dimension in Self.dimensionSlots where rulePlan.perDimension == (dimension != nil) {
                    let raw = dimension?.rawValue ?? 0
                    if dimension != nil && rulePlan.mask & (1 << UInt8(raw)) == 0 { continue }
                    let slot = index * 3 + raw
                    let value = values[rulePlan.metricIndex * 3 + raw]
                    guard let transition = trackers[bucketSlot(position, slot)].step(rulePlan.hysteresis, value: value, at: state.at) else { continue }
                    events.append(event(rules[index], transition, at: state.at, value: value, dimension: dimension,
                                        subject: .bucket(bucket)))
                }
            }
        }
        guard hasSourceRules else { return events }
        for source in state.sources {
            let position: Int
            if let known = sourcePositions[source.name] {
                position = known
            } else {
                position = addSource()
                sourcePositions[source.name] = position
            }
            for index in sourceRules {
                let rule = rules[index]
                let value = rule.metric.value(of: source, at: state.at)
                guard let transition = sourceTrackers[position][index].step(plan[index].hysteresis, value: value, at: state.at)
                else { continue }
                events.append(event(rule, transition, at: state.at, value: value, dimension: nil, subject: .source(source)))
            }
        }
        return events
    }

    /// What an alert is about.
    enum Subject {
        case bucket(BucketState)
        case source(SourceActivity)

        var name: String {
            switch self {
            case .bucket(let bucket): bucket.classID
            case .source(let source): source.name
            }
        }
    }

    /// True when some enabled rule is read per source.
    var hasSourceRules: Bool { !sourceRules.isEmpty }

    /// Room for one more source's trackers; returns its position.
    mutating func addSource() -> Int {
        sourceTrackers.append(Array(repeating: AlertTracker(), count: rules.count))
        sourceDue.append(Array(repeating: .infinity, count: rules.count))
        return sourceTrackers.count - 1
    }

    /// Room for the trackers of every bucket up to `count`.
    mutating func addBuckets(upTo count: Int) {
        while bucketNextDue.count < count {
            trackers.append(contentsOf: repeatElement(AlertTracker(), count: slotsPerBucket))
            bucketDue.append(contentsOf: repeatElement(.infinity, count: slotsPerBucket))
            bucketNextDue.append(.infinity)
        }
    }

    mutating func event(_ rule: AlertRule, _ transition: AlertTracker.Transition, at time: Double, value: Double?,
                                dimension: Dimension?, subject: Subject) -> AlertEvent {
        if transition == .fired {
            firedByRule[rule.id, default: 0] += 1
            if worstFired.map({ $0 < rule.severity }) ?? true { worstFired = rule.severity }
        }
        var bucketID: String?
        var sourceName: String?
        switch subject {
        case .bucket(let bucket): bucketID = bucket.classID
        case .source(let source): sourceName = source.name
        }
        return AlertEvent(
            at: time, rule: rule.id, state: transition == .fired ? .firing : .resolved, severity: rule.severity,
            bucket: bucketID, dimension: dimension, value: value, threshold: transition == .fired ? rule.fire : rule.clear,
            summary: AlertSummary.text(rule, subject: subject, dimension: dimension, value: value, at: time,
                                       resolved: transition == .resolved),
            labels: rule.labels, source: sourceName)
    }
}

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
    public var bucket: String
    public var dimension: Dimension?
    public var value: Double?
    public var threshold: Double
    public var summary: String
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
        if !firing {
            let past = value.map { rule.isFiring($0) } ?? false
            guard Self.held(past, since: &pendingSince, at: time, for: rule.holdSeconds) else { return nil }
            firing = true
            return .fired
        }
        let clear = value.map { rule.isClear($0) } ?? (rule.metric != .headroom)
        guard Self.held(clear, since: &clearingSince, at: time, for: rule.clearHoldSeconds) else { return nil }
        firing = false
        pendingSince = nil
        clearingSince = nil
        return .resolved
    }

    /// True once `condition` has been true without a break for `hold` seconds; `since` keeps
    /// when the current run started.
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

/// Evaluates every rule on every bucket (and dimension) of successive states, turning them into
/// `firing` and `resolved` events. Pure: it sees only the states it is given.
public struct AlertEvaluator: Sendable {
    public let rules: [AlertRule]
    /// Per bucket (in the engine's order, which only ever grows): a tracker per rule and
    /// dimension slot (`rule * 3 + dimension`).
    private var trackers: [[AlertTracker]] = []
    /// Firing transitions so far, per rule id.
    public private(set) var firedByRule: [String: Int] = [:]
    /// The worst severity that has fired, if any.
    public private(set) var worstFired: AlertSeverity?

    public init(rules: [AlertRule] = AlertRule.defaults) {
        self.rules = rules
    }

    public var firedCount: Int { firedByRule.values.reduce(0, +) }

    private static let everyDimension: [Dimension?] = [.requests, .inputTokens, .outputTokens]
    private static let noDimension: [Dimension?] = [nil]

    /// The transitions the state at its time causes.
    public mutating func evaluate(_ state: EngineState) -> [AlertEvent] {
        var events: [AlertEvent] = []
        while trackers.count < state.buckets.count { trackers.append(Array(repeating: AlertTracker(), count: rules.count * 3)) }
        for position in state.buckets.indices {
            // Read the numbers once per bucket: copying a BucketState per rule is what costs.
            var values = [Double?](repeating: nil, count: AlertMetric.allCases.count * 3)
            let bucket = state.buckets[position]
            for (metricIndex, metric) in AlertMetric.allCases.enumerated() {
                if metric.perDimension {
                    for dimension in Dimension.allCases { values[metricIndex * 3 + dimension.rawValue] = metric.value(of: bucket, dimension: dimension) }
                } else {
                    values[metricIndex * 3] = metric.value(of: bucket, dimension: nil)
                }
            }
            for (index, rule) in rules.enumerated() {
                let metricIndex = AlertMetric.allCases.firstIndex(of: rule.metric) ?? 0
                let dimensions = rule.metric.perDimension ? Self.everyDimension : Self.noDimension
                for dimension in dimensions {
                    let slot = index * 3 + (dimension?.rawValue ?? 0)
                    let value = values[metricIndex * 3 + (dimension?.rawValue ?? 0)]
                    guard let transition = trackers[position][slot].step(rule, value: value, at: state.at) else { continue }
                    if transition == .fired {
                        firedByRule[rule.id, default: 0] += 1
                        if worstFired.map({ $0 < rule.severity }) ?? true { worstFired = rule.severity }
                    }
                    events.append(AlertEvent(
                        at: state.at, rule: rule.id, state: transition == .fired ? .firing : .resolved, severity: rule.severity,
                        bucket: bucket.classID, dimension: dimension, value: value, threshold: transition == .fired ? rule.fire : rule.clear,
                        summary: Self.summary(rule, bucket: bucket, dimension: dimension, value: value, resolved: transition == .resolved)))
                }
            }
        }
        return events
    }

    static func summary(_ rule: AlertRule, bucket: BucketState, dimension: Dimension?, value: Double?, resolved: Bool) -> String {
        if resolved {
            let what = dimension.map { "\(rule.id) (\($0.limitName))" } ?? rule.id
            let now: String
            if let value {
                now = format(value, metric: rule.metric)
            } else {
                now = rule.metric == .secondsToEmpty ? "not draining" : rule.metric == .headroom ? "unknown" : "too little traffic to judge"
            }
            return "resolved: \(what) on \(bucket.classID), now \(now)"
        }
        var text = rule.summary
        let replacements = [
            ("{bucket}", bucket.classID),
            ("{dimension}", dimension?.jsonKey ?? ""),
            ("{limit_name}", dimension?.limitName ?? ""),
            ("{value}", value.map { format($0, metric: rule.metric) } ?? "unknown"),
            ("{threshold}", format(rule.fire, metric: rule.metric)),
        ]
        for (placeholder, replacement) in replacements {
            text = text.split(separator: placeholder, omittingEmptySubsequences: false).joined(separator: replacement)
        }
        return text
    }

    static func format(_ value: Double, metric: AlertMetric) -> String {
        switch metric {
        case .headroom, .rate429, .rate529:
            let percent = value * 100
            return percent < 10 && percent != percent.rounded() ? "\(JSONObjectWriter.format(percent, decimals: 1))%"
                : "\(Int(percent.rounded()))%"
        case .secondsToEmpty: return "\(Int(value.rounded())) s"
        case .throttledPerMinute: return "\(Int(value.rounded()))"
        }
    }
}

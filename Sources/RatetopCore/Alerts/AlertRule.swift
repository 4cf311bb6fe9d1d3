/// How bad an alert is.
public enum AlertSeverity: String, Sendable, Comparable, CaseIterable {
    case warning
    case critical

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool {
        lhs == .warning && rhs == .critical
    }
}

/// What an alert rule watches: one number read from a bucket's state (or, for `source_stale`,
/// from a source's activity).
public enum AlertMetric: String, Sendable, CaseIterable {
    /// The share of the bucket left (remaining / limit), per dimension.
    case headroom
    /// Seconds until the bucket is empty at the current rate, per dimension.
    case secondsToEmpty = "seconds_to_empty"
    /// The share of attempts throttled over 5 minutes.
    case rate429 = "rate_429"
    /// Throttled attempts in the last minute.
    case throttledPerMinute = "requests_429_per_min"
    /// The share of attempts that met Anthropic's 529 over 5 minutes.
    case rate529 = "rate_529"
    /// The 5-minute cache hit rate as a share of its norm (minutes 6–30 back); judged only with
    /// a norm of at least 30 % and real input volume.
    case cacheHitRatio = "cache_hit_ratio"
    /// The p95 of per-minute usage over the last 30 minutes as a share of the limit, on the
    /// dimension closest to its limit; at least 1 when 429s from the limits fell in 3 or more of
    /// those minutes (demand met the limit).
    case limitPressure = "limit_pressure"
    /// Seconds since a limit seen in headers changed (a tier change).
    case secondsSinceLimitChange = "seconds_since_limit_change"
    /// 1 while the monthly spend cap's refusal is more recent than the last success, else 0.
    case spendCapped = "spend_capped"
    /// Seconds since a source last gave a line (per source, not per bucket).
    case secondsSinceLastLine = "seconds_since_last_line"

    /// True when the metric is read per dimension (requests, input, output).
    public var perDimension: Bool { self == .headroom || self == .secondsToEmpty }

    /// True when the metric is read per source instead of per bucket.
    public var perSource: Bool { self == .secondsSinceLastLine }

    /// The direction a rule on this metric fires in unless it says otherwise.
    public var defaultDirection: AlertRule.Direction {
        switch self {
        case .headroom, .secondsToEmpty, .cacheHitRatio, .secondsSinceLimitChange: .below
        case .rate429, .throttledPerMinute, .rate529, .limitPressure, .spendCapped, .secondsSinceLastLine: .above
        }
    }

    /// True when an unknown value says nothing (so it does not clear a firing alert): unknown
    /// limits say nothing about headroom. For the others unknown means "nothing happening".
    var unknownKeepsState: Bool { self == .headroom }

    /// The metric's value for a bucket (and dimension) at `time`, or nil when it cannot be told
    /// (unknown limits, not draining, too few attempts to be meaningful).
    public func value(of bucket: BucketState, dimension: Dimension?, at time: Double) -> Double? {
        value(reading: bucket, dimension: dimension, at: time)
    }

    /// The same, from the numbers alone (the Monitor's scheduled path reads a `BucketReading`).
    @inline(__always)
    func value(reading bucket: some AlertInputs, dimension: Dimension?, at time: Double) -> Double? {
        switch self {
        case .headroom:
            guard let dimension, let remaining = bucket.remaining[dimension], let limit = bucket.limits[dimension], limit > 0 else { return nil }
            return remaining / Double(limit)
        case .secondsToEmpty:
            guard let dimension else { return nil }
            return bucket.secondsToEmpty[dimension]
        case .rate429:
            guard bucket.requests5m >= AlertRule.minimumAttempts else { return nil }
            return bucket.rate429
        case .throttledPerMinute:
            return Double(bucket.requests429LastMinute)
        case .rate529:
            guard bucket.requests5m >= AlertRule.minimumAttempts else { return nil }
            return Double(bucket.requests529) / Double(bucket.requests5m)
        case .cacheHitRatio:
            let input = bucket.uncachedInput5m + bucket.cacheRead5m + bucket.cacheCreation5m
            guard input >= AlertRule.cacheMinimumInput, bucket.trend.baselineInput >= AlertRule.cacheMinimumBaselineInput,
                  let baseline = bucket.trend.cacheHitBaseline, baseline >= AlertRule.cacheMinimumBaseline else { return nil }
            return bucket.cacheRead5m / input / baseline
        case .limitPressure:
            return Self.pressure(of: bucket)?.share
        case .secondsSinceLimitChange:
            return bucket.lastLimitChange.map { max(0, time - $0.at) }
        case .spendCapped:
            guard let capped = bucket.lastSpendCapAt else { return bucket.lastSuccessAt == nil ? nil : 0 }
            return capped > bucket.lastSuccessAt ?? -.infinity ? 1 : 0
        case .secondsSinceLastLine:
            return nil
        }
    }

    /// The metric's value for a source at `time`.
    public func value(of source: SourceActivity, at time: Double) -> Double? {
        guard self == .secondsSinceLastLine, let last = source.lastLineAt else { return nil }
        return max(0, time - last)
    }

    /// `limit_pressure` and the dimension it comes from (nil: the p95 alone decided nothing).
    static func pressure(of bucket: some AlertInputs) -> (share: Double, dimension: Dimension?)? {
        var best: (share: Double, dimension: Dimension?)?
        if bucket.trend.activeMinutes >= AlertRule.upgradeMinimumMinutes {
            for dimension in Dimension.allCases {
                guard let limit = bucket.limits[dimension], limit > 0 else { continue }
                let share = bucket.trend.p95PerMinute[dimension] / Double(limit)
                if share > best?.share ?? -1 { best = (share, dimension) }
            }
        }
        if bucket.trend.limitedMinutes >= AlertRule.upgradeLimitedMinutes, best.map({ $0.share < 1 }) ?? true {
            best = (1, nil)
        }
        return best
    }
}

/// One alert rule, as data: a metric, when it fires (crossing `fire` and staying there for
/// `holdSeconds`) and when it clears (crossing the stricter `clear`), so a value hovering around
/// the threshold does not flap.
///
/// Like SwiftLint's rules, every rule carries sequences that must fire and must not fire; one
/// generic test runs them all.
public struct AlertRule: Sendable {
    /// Rates are judged only over at least this many attempts in 5 minutes.
    public static let minimumAttempts = 20
    /// `cache_hit_drop` judges only 5 minutes with at least this much input (every kind)...
    public static let cacheMinimumInput = 50_000.0
    /// ...against a norm of at least this hit rate...
    public static let cacheMinimumBaseline = 0.3
    /// ...over at least this much input.
    public static let cacheMinimumBaselineInput = 100_000.0
    /// `tier_upgrade` reads the p95 only over at least this many active minutes of the last 30...
    public static let upgradeMinimumMinutes = 10
    /// ...and counts 429s from the limits in this many distinct minutes as demand at the limit.
    public static let upgradeLimitedMinutes = 3

    public enum Direction: String, Sendable {
        /// Fires when the value falls below `fire` (headroom, seconds to empty).
        case below
        /// Fires when the value rises above `fire` (429 share).
        case above
    }

    /// A sequence of metric values, one per second (`nil`: unknown), and whether the rule must
    /// fire on it.
    public struct Example: Sendable {
        public var name: String
        public var values: [Double?]
        public var fires: Bool

        public init(_ name: String, _ values: [Double?], fires: Bool) {
            self.name = name
            self.values = values
            self.fires = fires
        }
    }

    public var id: String
    public var severity: AlertSeverity
    public var metric: AlertMetric
    /// Only this dimension (per-dimension metrics); nil: every dimension not claimed by a rule
    /// of the same id and severity that names one.
    public var dimension: Dimension?
    public var direction: Direction
    public var fire: Double
    public var clear: Double
    public var holdSeconds: Double
    /// How long the clear condition must hold before the alert resolves (no flapping when a
    /// value dips past the clear level for a moment).
    public var clearHoldSeconds: Double
    /// `{bucket}`, `{source}`, `{dimension}`, `{limit_name}`, `{value}`, `{threshold}`, `{rule}`
    /// and the metric's own details (`{cache_hit_rate}`, `{baseline}`, `{tier}`, `{pressure}`,
    /// `{advice}`, `{change}`, `{idle}`) are filled in.
    public var summary: String
    /// Extra labels carried by every alert of the rule (routing in Alertmanager, for instance).
    public var labels: [String: String]
    /// False for a rule switched off in the configuration (it still claims its dimension).
    public var enabled = true
    public var examples: [Example]

    public init(id: String, severity: AlertSeverity, metric: AlertMetric, dimension: Dimension? = nil, direction: Direction,
                fire: Double, clear: Double, holdSeconds: Double, clearHoldSeconds: Double = 30, summary: String,
                labels: [String: String] = [:], examples: [Example] = []) {
        self.id = id
        self.severity = severity
        self.metric = metric
        self.dimension = dimension
        self.labels = labels
        self.direction = direction
        self.fire = fire
        self.clear = clear
        self.holdSeconds = holdSeconds
        self.clearHoldSeconds = clearHoldSeconds
        self.summary = summary
        self.examples = examples
    }

    /// True when `value` is past the fire threshold.
    public func isFiring(_ value: Double) -> Bool { hysteresis.isFiring(value) }

    /// True when `value` is back past the (stricter) clear threshold.
    public func isClear(_ value: Double) -> Bool { hysteresis.isClear(value) }

    /// The numbers the hysteresis needs, as a plain value.
    public struct Hysteresis: Sendable, Equatable {
        public var direction: Direction
        public var fire: Double
        public var clear: Double
        public var holdSeconds: Double
        public var clearHoldSeconds: Double
        /// An unknown value keeps the state instead of counting as clear (headroom).
        public var unknownKeepsState: Bool

        @inline(__always)
        public func isFiring(_ value: Double) -> Bool { direction == .below ? value < fire : value > fire }

        @inline(__always)
        public func isClear(_ value: Double) -> Bool { direction == .below ? value > clear : value < clear }
    }

    public var hysteresis: Hysteresis {
        Hysteresis(direction: direction, fire: fire, clear: clear, holdSeconds: holdSeconds, clearHoldSeconds: clearHoldSeconds,
                   unknownKeepsState: metric.unknownKeepsState)
    }

    /// True when the clear level is the fire level or stricter (further from firing).
    public var clearIsStrictEnough: Bool {
        direction == .below ? clear >= fire : clear <= fire
    }

    /// What makes two rules the same rule across a reload: id, severity and dimension filter.
    public struct Identity: Hashable, Sendable {
        public var id: String
        public var severity: AlertSeverity
        public var dimension: Dimension?
    }

    public var identity: Identity { Identity(id: id, severity: severity, dimension: dimension) }
}

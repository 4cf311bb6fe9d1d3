/// How bad an alert is.
public enum AlertSeverity: String, Sendable, Comparable, CaseIterable {
    case warning
    case critical

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool {
        lhs == .warning && rhs == .critical
    }
}

/// What an alert rule watches: one number read from a bucket's state.
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

    /// True when the metric is read per dimension (requests, input, output).
    public var perDimension: Bool { self == .headroom || self == .secondsToEmpty }

    /// The metric's value for a bucket (and dimension), or nil when it cannot be told (unknown
    /// limits, not draining, too few attempts to be meaningful).
    public func value(of bucket: BucketState, dimension: Dimension?) -> Double? {
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
        }
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
    public var direction: Direction
    public var fire: Double
    public var clear: Double
    public var holdSeconds: Double
    /// How long the clear condition must hold before the alert resolves (no flapping when a
    /// value dips past the clear level for a moment).
    public var clearHoldSeconds: Double
    /// `{bucket}`, `{dimension}`, `{limit_name}`, `{value}`, `{threshold}` are filled in.
    public var summary: String
    public var examples: [Example]

    public init(id: String, severity: AlertSeverity, metric: AlertMetric, direction: Direction, fire: Double, clear: Double,
                holdSeconds: Double, clearHoldSeconds: Double = 30, summary: String, examples: [Example] = []) {
        self.id = id
        self.severity = severity
        self.metric = metric
        self.direction = direction
        self.fire = fire
        self.clear = clear
        self.holdSeconds = holdSeconds
        self.clearHoldSeconds = clearHoldSeconds
        self.summary = summary
        self.examples = examples
    }

    /// True when `value` is past the fire threshold.
    public func isFiring(_ value: Double) -> Bool {
        direction == .below ? value < fire : value > fire
    }

    /// True when `value` is back past the (stricter) clear threshold.
    public func isClear(_ value: Double) -> Bool {
        direction == .below ? value > clear : value < clear
    }
}

import RatetopCore

/// One alert that is firing now: a series of `ratetop_alert_firing`.
public struct ActiveAlert: Sendable, Hashable {
    public var rule: String
    public var severity: AlertSeverity
    /// The model class, nil for alerts about the whole process (`source_stale`).
    public var bucket: String?
    public var dimension: Dimension?
    /// The source (file) a per-source alert (`source_stale`) is about.
    public var source: String?

    public init(rule: String, severity: AlertSeverity, bucket: String? = nil, dimension: Dimension? = nil, source: String? = nil) {
        self.rule = rule
        self.severity = severity
        self.bucket = bucket
        self.dimension = dimension
        self.source = source
    }

    /// The alert an event is about (whether it fired or resolved).
    public init(_ event: AlertEvent) {
        self.init(rule: event.rule, severity: event.severity, bucket: event.bucket, dimension: event.dimension, source: event.source)
    }
}

/// One firing alert as the alerts panel shows it.
public struct AlertRow: Sendable, Equatable {
    /// `warning` or `critical` (anything else is drawn as normal text).
    public var severity: String
    public var summary: String
    /// When it started firing, epoch seconds.
    public var since: Double

    public init(severity: String, summary: String, since: Double) {
        self.severity = severity
        self.summary = summary
        self.since = since
    }
}

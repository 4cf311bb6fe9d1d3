/// The plan view (`p`): what the data on screen would have met on every tier of the scheme,
/// as plain text cells. The dashboard fills it from a background computation; the view only
/// lays it out.
public struct PlanOverlay: Sendable, Equatable {
    /// One scenario.
    public struct Row: Sendable, Equatable {
        public var name: String
        /// Share of attempts throttled, e.g. `19.0%`.
        public var throttled: String
        /// The log's own share (baseline row only).
        public var logShare: String
        public var minutes: String
        public var waitP50: String
        public var waitP95: String
        public var failed: String
        /// `ITPM 252%`.
        public var peak: String
        public var cost: String
        public var isBaseline: Bool
        /// Nothing throttled: drawn in the good colour.
        public var isClear: Bool

        public init(name: String, throttled: String, logShare: String = "", minutes: String, waitP50: String,
                    waitP95: String, failed: String, peak: String, cost: String, isBaseline: Bool = false,
                    isClear: Bool = false) {
            self.name = name
            self.throttled = throttled
            self.logShare = logShare
            self.minutes = minutes
            self.waitP50 = waitP50
            self.waitP95 = waitP95
            self.failed = failed
            self.peak = peak
            self.cost = cost
            self.isBaseline = isBaseline
            self.isClear = isClear
        }
    }

    /// What was replayed, e.g. `last 60 min · 3,291 attempts → 2,776 calls · Tier 1-4`.
    public var subtitle: String
    public var rows: [Row]
    /// Lines under the table: the baseline check, spend caps, notes.
    public var notes: [String]
    /// `computing…`, or when the table was computed (`as of 10:42:07, 0.3 s`).
    public var status: String

    public init(subtitle: String, rows: [Row], notes: [String] = [], status: String) {
        self.subtitle = subtitle
        self.rows = rows
        self.notes = notes
        self.status = status
    }
}

/// The state of all buckets at one time.
public struct EngineState: Sendable {
    public var at: Double
    public var buckets: [BucketState]
    /// The sources being read and when each last gave a line, on the engine's clock (log time
    /// in replay, wall time live). The engine does not see sources: the runner fills this in.
    public var sources: [SourceActivity]

    public init(at: Double, buckets: [BucketState], sources: [SourceActivity] = []) {
        self.at = at
        self.buckets = buckets
        self.sources = sources
    }
}

/// One source (a file, stdin, a URL) and when it last gave a line: what `source_stale` watches.
public struct SourceActivity: Sendable, Equatable {
    /// The path or name shown in alerts.
    public var name: String
    /// When its last line arrived, on the same clock as `EngineState.at`; nil while it has not
    /// given one (a source that was never active is not stale).
    public var lastLineAt: Double?
    /// Why the source is failing now (a scraped endpoint that does not answer), nil when fine.
    public var problem: String?

    public init(name: String, lastLineAt: Double? = nil, problem: String? = nil) {
        self.name = name
        self.lastLineAt = lastLineAt
        self.problem = problem
    }

    /// Notes a line at `time` (keeps the latest).
    @inline(__always)
    public mutating func record(at time: Double) {
        if time > lastLineAt ?? -.infinity { lastLineAt = time }
    }
}

/// A change of a bucket's limits seen in response headers (a tier change): `limit_changed`.
public struct LimitChange: Sendable, Equatable {
    /// Changes on lines this close together (seconds) are reported as one.
    public static let mergeWindow = 60.0

    public var at: Double
    /// The limits before and after; -1 where no header gave one.
    public var old: PerDimension<Int>
    public var new: PerDimension<Int>

    public init(at: Double, old: PerDimension<Int>, new: PerDimension<Int>) {
        self.at = at
        self.old = old
        self.new = new
    }

    /// "ITPM 30k → 450k, OTPM 8k → 90k"
    public var text: String {
        Dimension.allCases.compactMap { dimension in
            guard old[dimension] > 0, new[dimension] > 0, old[dimension] != new[dimension] else { return nil }
            return "\(dimension.limitName) \(LimitsReport.compact(old[dimension])) → \(LimitsReport.compact(new[dimension]))"
        }.joined(separator: ", ")
    }
}

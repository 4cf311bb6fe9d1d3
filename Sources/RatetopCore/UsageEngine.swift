/// What the engine needs to know besides the events.
public struct EngineConfiguration: Sendable {
    public var table: LimitsTable
    /// The tier chosen with `--tier`, if any (an id or name from the table).
    public var tierID: String?
    /// How far behind the engine's clock a line may be stamped and still be applied (seconds).
    /// Later lines are skipped and reported as out of order.
    public var outOfOrderTolerance: Double
    /// Events completed before this time warm the buckets up but are left out of the summary
    /// (`--from`).
    public var summaryFrom: Double

    public init(table: LimitsTable, tierID: String? = nil, outOfOrderTolerance: Double = 30,
                summaryFrom: Double = -.infinity) {
        self.table = table
        self.tierID = tierID
        self.outOfOrderTolerance = outOfOrderTolerance
        self.summaryFrom = summaryFrom
    }
}

/// What the engine did with an event.
public enum IngestResult: Equatable, Sendable {
    case applied
    /// The event is stamped this many seconds before the engine's clock, beyond the tolerance.
    case outOfOrder(behind: Double)
}

/// The pure core of ratetop: rebuilds every model class's buckets from events and answers
/// what the state is at a time. It does no I/O and never reads a clock: time is what the
/// events and the caller say. Live, replay and tests all drive this same type.
public final class UsageEngine {
    public let configuration: EngineConfiguration
    public let models: ModelCatalog
    /// The engine's clock: the latest completion time seen.
    public private(set) var now: Double = -.infinity
    /// Per model index: its class tracker index, -1 when not yet resolved.
    private var classOfModel: [Int32] = []
    private var trackers: [ClassTracker] = []
    private let tier: (scheme: TierScheme, tier: Tier)?

    public init(configuration: EngineConfiguration, models: ModelCatalog) {
        self.configuration = configuration
        self.models = models
        self.tier = configuration.tierID.flatMap { configuration.table.tier(named: $0) }
    }

    /// The classes seen so far, in order of first appearance.
    public var classIDs: [String] { trackers.map(\.info.id) }

    /// Applies one event. Events should come in completion order; small disorder (within the
    /// tolerance) is applied retroactively.
    @discardableResult
    public func ingest(_ event: Exchange) -> IngestResult {
        if event.end < now - configuration.outOfOrderTolerance {
            return .outOfOrder(behind: now - event.end)
        }
        if event.end > now { now = event.end }
        let tracker = tracker(for: event.model, at: event.start)
        tracker.apply(event, now: now, table: configuration.table, models: models,
                      countInSummary: event.end >= configuration.summaryFrom)
        return .applied
    }

    /// The state of every bucket at `time` (normally ≥ every event ingested so far).
    public func state(at time: Double) -> EngineState {
        EngineState(at: time, buckets: trackers.map { $0.state(at: time, table: configuration.table, models: models) })
    }

    /// Totals, peaks and advice over everything ingested, with the window `from...to`.
    public func summary(from: Double?, to: Double?) -> [BucketSummary] {
        trackers.map { $0.summary(table: configuration.table, at: to ?? now, models: models) }
    }

    /// The model class an ingested event's model was counted under.
    public func modelClass(of model: ModelRef) -> ModelClassInfo? {
        let index = Int(model.index)
        guard index < classOfModel.count, classOfModel[index] >= 0 else { return nil }
        return trackers[Int(classOfModel[index])].info
    }

    private func tracker(for model: ModelRef, at time: Double) -> ClassTracker {
        let index = Int(model.index)
        if index < classOfModel.count, classOfModel[index] >= 0 {
            let tracker = trackers[Int(classOfModel[index])]
            return tracker
        }
        while classOfModel.count <= index { classOfModel.append(-1) }
        let name = models.names[index]
        // A class id stands for its class (another ratetop's metrics name buckets, not models).
        let info = configuration.table.modelClass(for: name) ?? configuration.table.modelClass(id: name.lowercased())
            ?? ModelClassInfo(id: name.lowercased(), name: name, modelPatterns: [name.lowercased()])
        let trackerIndex: Int
        if let existing = trackers.firstIndex(where: { $0.info.id == info.id }) {
            trackerIndex = existing
        } else {
            trackers.append(ClassTracker(info: info, table: configuration.table, tier: tier, at: time))
            trackerIndex = trackers.count - 1
        }
        classOfModel[index] = Int32(trackerIndex)
        trackers[trackerIndex].addModel(model, name: name)
        return trackers[trackerIndex]
    }
}

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

/// One model class's buckets at a time: the `state` object's bucket entry.
public struct BucketState: Sendable {
    public var classID: String
    public var models: [String]
    /// The tier the limits match, `custom` when they match none, nil when unknown.
    public var tier: String?
    public var limits: PerDimension<Int?>
    public var limitsSource: LimitsSource
    /// Estimated level now (nil when the limit is unknown).
    public var remaining: PerDimension<Double?>
    /// Consumption over the last 60 seconds.
    public var ratePerMinute: PerDimension<Double>
    /// Seconds until the bucket is empty at the current rate; nil when not draining.
    public var secondsToEmpty: PerDimension<Double?>
    /// Cache hit rate over 5 minutes (Anthropic's definition); nil with no input.
    public var cacheHitRate: Double?
    /// Share of attempts throttled (429) over 5 minutes; nil with no attempts.
    public var rate429: Double?
    /// Throttled attempts over 5 minutes.
    public var requests429: Int
    /// Overloaded (529) attempts over 5 minutes.
    public var requests529: Int
    /// Usage the server reported that the logs do not explain, per minute (last 60 s).
    public var untrackedPerMinute: PerDimension<Double>
    /// The `retry-after` of the most recent 429, in seconds.
    public var lastRetryAfter: Double?
    /// Input over the last 5 minutes by kind: uncached, read from the cache, written to it.
    public var uncachedInput5m: Double
    public var cacheRead5m: Double
    public var cacheCreation5m: Double
    /// True when this class's ITPM counts cache reads (they save nothing there).
    public var cacheReadsCount: Bool
    /// Attempts over the last 5 minutes (the denominator of `rate_429`).
    public var requests5m: Int = 0
    /// Throttled attempts over the last minute (429 storms).
    public var requests429LastMinute: Int = 0
    /// The last half hour per minute: p95 usage, minutes with 429s, the cache baseline.
    public var trend = MinuteTrend()
    /// The smallest tier above this one that fits the last half hour's p95 × 1.25.
    public var upgrade: TierRecommendation?
    /// The latest limit change seen in headers.
    public var lastLimitChange: LimitChange?
    /// When the monthly spend cap last refused an attempt, and when an attempt last succeeded.
    public var lastSpendCapAt: Double?
    public var lastSuccessAt: Double?
    /// The combined input + output tokens remaining a LiteLLM proxy last reported (its
    /// `x-ratelimit-remaining-tokens`, the server's `anthropic-ratelimit-tokens-remaining`): it
    /// cannot be split into ITPM and OTPM, so it is shown beside them, as reported.
    public var combinedTokensRemaining: Double?
    /// True when a LiteLLM source fed this class in the last 5 minutes: its input counter holds
    /// cache reads and writes too, so the cache figures cannot be known (`cacheHitRate` is nil).
    public var cacheSplitUnknown = false

    public init(classID: String, models: [String], tier: String?, limits: PerDimension<Int?>, limitsSource: LimitsSource,
                remaining: PerDimension<Double?>, ratePerMinute: PerDimension<Double>, secondsToEmpty: PerDimension<Double?>,
                cacheHitRate: Double?, rate429: Double?, requests429: Int, requests529: Int,
                untrackedPerMinute: PerDimension<Double>, lastRetryAfter: Double?, uncachedInput5m: Double,
                cacheRead5m: Double, cacheCreation5m: Double, cacheReadsCount: Bool) {
        self.classID = classID
        self.models = models
        self.tier = tier
        self.limits = limits
        self.limitsSource = limitsSource
        self.remaining = remaining
        self.ratePerMinute = ratePerMinute
        self.secondsToEmpty = secondsToEmpty
        self.cacheHitRate = cacheHitRate
        self.rate429 = rate429
        self.requests429 = requests429
        self.requests529 = requests529
        self.untrackedPerMinute = untrackedPerMinute
        self.lastRetryAfter = lastRetryAfter
        self.uncachedInput5m = uncachedInput5m
        self.cacheRead5m = cacheRead5m
        self.cacheCreation5m = cacheCreation5m
        self.cacheReadsCount = cacheReadsCount
    }
}

/// One model class's totals over a replay: the `summary` object's bucket entry.
public struct BucketSummary: Sendable {
    public var classID: String
    public var models: [String]
    public var requests: Int
    public var requests429: Int
    public var requests529: Int
    public var inputTokens: Int
    public var cacheCreationTokens: Int
    public var cacheReadTokens: Int
    public var outputTokens: Int
    public var cacheHitRate: Double?
    public var peakPerMinute: PerDimension<Int>
    public var p95PerMinute: PerDimension<Int>
    public var tier: String?
    public var recommendedTier: String?
    public var costUSD: Double
    public var rate429: Double? { requests > 0 ? Double(requests429) / Double(requests) : nil }
}

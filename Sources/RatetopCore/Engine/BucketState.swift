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
    /// The cost of the usage; nil (unknown) when some of it was by a model the price table does
    /// not know (`unpricedModels`): never a zero that is not one.
    public var costUSD: Double?
    /// Models with usage and no price.
    public var unpricedModels: [String] = []
    /// Times a subscription's window was used up (Claude Code on a Pro/Max plan): not 429s of
    /// the API, not in `requests`.
    public var subscriptionLimits = 0
    /// The latest reset those lines named, when they did.
    public var subscriptionResetsAt: Double?
    /// The widest aggregate in the totals, in seconds (a usage report's `1h` or `1d` buckets),
    /// 0 when every event was exact. Above 60 the per-minute peaks are unknown: `peakPerMinute`
    /// and `p95PerMinute` are then over the aggregates' average rates, and the tier advice too.
    public var resolutionSeconds = 0
    /// A total reached the largest number ratetop can hold and stopped there (hostile input).
    public var saturated = false
    public var rate429: Double? { requests > 0 ? Double(requests429) / Double(requests) : nil }
}

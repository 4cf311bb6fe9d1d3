/// The token counts of one API response, as in the API's `usage` object.
public struct Usage: Sendable, Equatable {
    /// Uncached input after the last cache breakpoint.
    public var inputTokens: Int
    public var cacheCreationInputTokens: Int
    /// Of `cacheCreationInputTokens`, the part written with a 1-hour TTL (priced 2x instead of 1.25x).
    public var cacheCreation1hInputTokens: Int
    public var cacheReadInputTokens: Int
    public var outputTokens: Int
    /// `server_tool_use.web_search_requests`: searches, billed per thousand.
    public var webSearchRequests: Int = 0
    /// `speed: "fast"`: fast mode, with its own rate limits and its own price. (Last: the
    /// fields after a `Usage` in `Exchange` pack into the bytes after it.)
    public var isFast: Bool

    public init(inputTokens: Int = 0, cacheCreationInputTokens: Int = 0, cacheCreation1hInputTokens: Int = 0,
                cacheReadInputTokens: Int = 0, outputTokens: Int = 0, isFast: Bool = false) {
        self.inputTokens = inputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.cacheCreation1hInputTokens = cacheCreation1hInputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
        self.outputTokens = outputTokens
        self.isFast = isFast
    }

    public static let zero = Usage()

    /// Input tokens counted toward ITPM: uncached input and cache writes, plus cache reads for
    /// the model classes that count them.
    /// (Saturating: counts are range-checked where they are decoded, but no sum may trap.)
    public func countedInputTokens(cacheReadsCount: Bool) -> Int {
        var total = inputTokens
        total.addSaturating(cacheCreationInputTokens)
        if cacheReadsCount { total.addSaturating(cacheReadInputTokens) }
        return total
    }
}

/// What one response's rate-limit headers said (`anthropic-ratelimit-*`), already parsed.
/// A value of `-1` means the header was absent (kept as plain integers so the hot path does
/// not box optionals).
public struct RateLimitHeaders: Sendable, Equatable {
    public var limit: PerDimension<Int>
    public var remaining: PerDimension<Int>
    /// The combined `anthropic-ratelimit-tokens-*` pair (LiteLLM forwards only this one).
    public var tokensLimit: Int
    public var tokensRemaining: Int

    public init() {
        limit = PerDimension(repeating: -1)
        remaining = PerDimension(repeating: -1)
        tokensLimit = -1
        tokensRemaining = -1
    }

    /// True when no header of interest was present.
    public var isEmpty: Bool {
        limit == PerDimension(repeating: -1) && remaining == PerDimension(repeating: -1)
            && tokensLimit < 0 && tokensRemaining < 0
    }
}

/// The kind of failure an attempt ended in.
public enum ExchangeErrorKind: UInt8, Sendable {
    case none
    /// 429 `rate_limit_error`.
    case rateLimited
    /// 429 with `enforced_spend_limit_reached`: the monthly spend cap.
    case spendLimitReached
    /// 529 `overloaded_error`: Anthropic-wide load, not the team's limit.
    case overloaded
    /// Any other error status.
    case other
    /// A subscription's window is used up (Claude Code on a Pro/Max plan: "You've hit your
    /// session limit", "Claude AI usage limit reached|<epoch>"): not the API's per-minute
    /// limiter. Counted apart, never in `requests`, the 429 share or the buckets;
    /// `retryAfter` holds the seconds to the reset when the line says when.
    case subscriptionLimit
}

/// What kind of source produced an event: a log line, or an interval's aggregate scraped from a
/// Prometheus endpoint. The engine treats scraped header values by their kind.
public enum ExchangeFeed: UInt8, Sendable {
    /// A logged attempt (or a usage report's aggregate): headers are the server's observations.
    case log
    /// A LiteLLM proxy's metrics: `remaining.requests` is an observation (LiteLLM's copy of the
    /// server's header); `tokensRemaining` is the combined input + output header.
    case litellm
    /// Another ratetop's metrics: `limit` is that ratetop's limit, `remaining` its *estimate*,
    /// used only as an upper bound of the level (a host sees only its own usage).
    case ratetop
}

/// Where an event came from, for reporting: the source's index and the 1-based line number.
public struct LineOrigin: Sendable, Equatable {
    public var source: Int32
    public var line: Int
    public init(source: Int32, line: Int) {
        self.source = source
        self.line = line
    }
}

/// One API attempt (or, for aggregated sources, one aggregate of attempts), decoded from any
/// log format. Times are seconds since the Unix epoch.
public struct Exchange: Sendable {
    /// When the response completed (the line's timestamp).
    public var end: Double
    /// When the request started (`end - latency`); equal to `end` when the latency is unknown.
    public var start: Double
    /// When the response headers were produced; by default `end`.
    public var headersAt: Double
    /// The model, interned in the decoding `ModelCatalog`.
    public var model: ModelRef
    /// HTTP status, or 0 when the source does not say.
    public var status: Int
    /// How many API requests this event stands for: 1 for a logged attempt, 0 when the source
    /// aggregates tokens without request counts (usage reports).
    public var requests: Int
    public var usage: Usage
    /// True when `headers` carries at least one value.
    public var hasHeaders: Bool
    public var headers: RateLimitHeaders
    public var errorKind: ExchangeErrorKind
    /// The dimension a 429's message names, when it names one.
    public var limitedDimension: Dimension?
    /// Message Batches traffic (priced at a discount).
    public var isBatch: Bool
    /// `retry-after` in seconds, or -1.
    public var retryAfter: Double
    public var origin: LineOrigin
    /// The value of the `--group-by` field, interned in the decoder's group catalog; -1 if none.
    public var group: Int32 = -1
    /// When this event is one minute of a coarser aggregate (an hour or a day of a usage
    /// report, spread evenly): that aggregate's width in seconds; 0 for an exact event.
    public var coarseSeconds: Int32 = 0
    /// The kind of source: a log, or a scraped Prometheus endpoint.
    public var feed: ExchangeFeed = .log
    /// The key a transcript decoder counted this event under (a message, an API error, a
    /// `claude -p` run; see `TranscriptDedupMemory`), 0 for none: a replay whose files keep
    /// their own memories drops a copy from another file where the files are merged
    /// (`MergedEvents`). Events of one line share it.
    public var dedupKey: UInt64 = 0

    public init(end: Double, start: Double? = nil, headersAt: Double? = nil, model: ModelRef, status: Int = 200,
                requests: Int = 1, usage: Usage = .zero, headers: RateLimitHeaders? = nil,
                errorKind: ExchangeErrorKind = .none, limitedDimension: Dimension? = nil, retryAfter: Double = -1,
                isBatch: Bool = false, origin: LineOrigin = LineOrigin(source: 0, line: 0)) {
        self.end = end
        self.start = start ?? end
        self.headersAt = headersAt ?? end
        self.model = model
        self.status = status
        self.requests = requests
        self.usage = usage
        self.hasHeaders = headers.map { !$0.isEmpty } ?? false
        self.headers = headers ?? RateLimitHeaders()
        self.errorKind = errorKind
        self.limitedDimension = limitedDimension
        self.retryAfter = retryAfter
        self.isBatch = isBatch
        self.origin = origin
    }

    /// The attempt was throttled by the team's own limits (429, spend cap included).
    @inlinable public var isThrottled: Bool {
        (status == 429 && errorKind != .subscriptionLimit) || errorKind == .rateLimited || errorKind == .spendLimitReached
    }
    /// The attempt failed because Anthropic was overloaded (529).
    @inlinable public var isOverloaded: Bool { status == 529 || errorKind == .overloaded }
}

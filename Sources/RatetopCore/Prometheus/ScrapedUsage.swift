/// What one scrape of a Prometheus source says about one model class: the usage between the
/// previous scrape and this one (from counter increments), and what the source reports now.
///
/// It enters the engine as synthetic `Exchange`s (`exchanges(from:to:...)`), so scraped and
/// logged usage run through the same token buckets, windows, totals and alert rules.
public struct ScrapedUsage: Sendable, Equatable {
    /// The model id (or class id) that picks the class in the engine.
    public var model: String
    /// Attempts the limiter admitted in the interval (throttled and overloaded ones excluded).
    public var requests: Double = 0
    /// Attempts refused with 429 in the interval.
    public var throttled: Double = 0
    /// Attempts refused with 529 (Anthropic overloaded) in the interval.
    public var overloaded: Double = 0
    public var usage = Usage()
    /// Levels the source reports now: for LiteLLM an observation of the server's header, for
    /// another ratetop its estimate (an upper bound). Nil where the source says nothing.
    public var remaining = PerDimension<Double?>(repeating: nil)
    /// LiteLLM: the combined input + output tokens remaining.
    public var combinedTokensRemaining: Double?
    /// Another ratetop: its limits, and where it got them.
    public var limits = PerDimension<Int?>(repeating: nil)
    public var limitsSource: LimitsSource?

    public init(model: String) {
        self.model = model
    }

    /// True when the interval saw any attempt or token.
    public var hasActivity: Bool {
        requests > 0 || throttled > 0 || overloaded > 0 || usage.inputTokens > 0 || usage.cacheCreationInputTokens > 0
            || usage.cacheReadInputTokens > 0 || usage.outputTokens > 0
    }

    /// The synthetic events for the engine, in the order they must be applied: the interval's
    /// admitted usage (requests and input at its midpoint, output spread over its second half;
    /// the midpoint keeps it after an observation made at the previous scrape), its refused
    /// attempts, then what the source reports now (stamped `to`); an empty event when there is
    /// none of these, so a class the source names shows from its first scrape.
    public func exchanges(from: Double, to: Double, models: ModelCatalog, origin: LineOrigin, feed: ExchangeFeed) -> [Exchange] {
        let ref = models.intern(model)
        var events: [Exchange] = []
        let middle = from < to ? (from + to) / 2 : to
        // (Conversions saturate; the events are range-checked by the decoder.)
        let admitted = Int(saturating: requests.rounded())
        if admitted > 0 || usage != .zero {
            var event = Exchange(end: to, start: middle, model: ref, status: 200, requests: admitted, usage: usage, origin: origin)
            event.feed = feed
            events.append(event)
        }
        for (count, status, kind) in [(throttled, 429, ExchangeErrorKind.rateLimited), (overloaded, 529, .overloaded)] {
            let attempts = Int(saturating: count.rounded())
            guard attempts > 0 else { continue }
            var event = Exchange(end: to, start: to, model: ref, status: status, requests: attempts, errorKind: kind, origin: origin)
            event.feed = feed
            events.append(event)
        }
        var headers = RateLimitHeaders()
        for dimension in Dimension.allCases {
            if let value = remaining[dimension], value.isFinite { headers.remaining[dimension] = Int(saturating: max(0, value).rounded()) }
            if let limit = limits[dimension], limit > 0 { headers.limit[dimension] = limit }
        }
        if let combined = combinedTokensRemaining, combined.isFinite { headers.tokensRemaining = Int(saturating: max(0, combined).rounded()) }
        if !headers.isEmpty {
            var event = Exchange(end: to, start: to, headersAt: to, model: ref, status: 200, requests: 0, headers: headers, origin: origin)
            event.feed = feed
            events.append(event)
        }
        if events.isEmpty {
            // Nothing happened, but the class exists: an empty event makes its bucket show.
            var event = Exchange(end: to, start: to, model: ref, status: 200, requests: 0, origin: origin)
            event.feed = feed
            events.append(event)
        }
        return events
    }
}

extension ScrapedUsage {
    /// Adds another series' share of the same class: counts add up, levels keep the lowest
    /// (several deployments or model groups on one organization share one bucket).
    mutating func merge(_ other: ScrapedUsage) {
        requests += other.requests
        throttled += other.throttled
        overloaded += other.overloaded
        usage.inputTokens.addSaturating(other.usage.inputTokens)
        usage.cacheCreationInputTokens.addSaturating(other.usage.cacheCreationInputTokens)
        usage.cacheCreation1hInputTokens.addSaturating(other.usage.cacheCreation1hInputTokens)
        usage.cacheReadInputTokens.addSaturating(other.usage.cacheReadInputTokens)
        usage.outputTokens.addSaturating(other.usage.outputTokens)
        for dimension in Dimension.allCases {
            remaining[dimension] = Self.lowest(remaining[dimension], other.remaining[dimension])
            if let limit = other.limits[dimension] { limits[dimension] = max(limits[dimension] ?? 0, limit) }
        }
        combinedTokensRemaining = Self.lowest(combinedTokensRemaining, other.combinedTokensRemaining)
        limitsSource = limitsSource ?? other.limitsSource
    }

    static func lowest(_ a: Double?, _ b: Double?) -> Double? {
        switch (a, b) {
        case let (a?, b?): min(a, b)
        case let (a?, nil): a
        case let (nil, b?): b
        case (nil, nil): nil
        }
    }
}

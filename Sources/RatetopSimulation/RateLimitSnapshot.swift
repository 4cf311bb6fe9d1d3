import RatetopCore

/// The values of one response's `anthropic-ratelimit-*` headers, as a `ReferenceLimiter`
/// computes them. Reset times are seconds since the Unix epoch, on whole seconds.
public struct RateLimitSnapshot: Sendable, Equatable {
    public var limit: PerDimension<Int>
    public var remaining: PerDimension<Int>
    public var reset: PerDimension<Double>
    /// The combined `anthropic-ratelimit-tokens-*` headers (input + output).
    public var tokensLimit: Int
    public var tokensRemaining: Int
    public var tokensReset: Double

    public init(limit: PerDimension<Int>, remaining: PerDimension<Int>, reset: PerDimension<Double>,
                tokensLimit: Int, tokensRemaining: Int, tokensReset: Double) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
        self.tokensLimit = tokensLimit
        self.tokensRemaining = tokensRemaining
        self.tokensReset = tokensReset
    }

    /// The same values as ratetop's decoders would parse them from the headers.
    public var rateLimitHeaders: RateLimitHeaders {
        var headers = RateLimitHeaders()
        headers.limit = limit
        headers.remaining = remaining
        headers.tokensLimit = tokensLimit
        headers.tokensRemaining = tokensRemaining
        return headers
    }
}

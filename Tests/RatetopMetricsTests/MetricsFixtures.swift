@testable import RatetopCore

/// Hand-made engine output: one Sonnet bucket on Tier 1 with known limits, and one Haiku bucket
/// whose limits are unknown.
enum MetricsFixtures {
    static let at = 1_795_165_205.0

    static func sonnet(remainingInput: Double = 12000, secondsToEmptyInput: Double? = 42) -> BucketState {
        BucketState(
            classID: "sonnet-4.x", models: ["claude-sonnet-4-5-20250929"], tier: "tier1",
            limits: PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000), limitsSource: .headers,
            remaining: PerDimension(requests: 41.5, inputTokens: remainingInput, outputTokens: 7400),
            ratePerMinute: PerDimension(requests: 31, inputTokens: 26100, outputTokens: 2900),
            secondsToEmpty: PerDimension(requests: nil, inputTokens: secondsToEmptyInput, outputTokens: nil),
            cacheHitRate: 0.8125, rate429: 0.04, requests429: 3, requests529: 0,
            untrackedPerMinute: PerDimension(requests: 0, inputTokens: 1500, outputTokens: 0), lastRetryAfter: nil,
            uncachedInput5m: 1000, cacheRead5m: 4000, cacheCreation5m: 0, cacheReadsCount: false)
    }

    static func haikuUnknownLimits() -> BucketState {
        BucketState(
            classID: "haiku-4.5", models: ["claude-haiku-4-5-20251001"], tier: nil,
            limits: PerDimension(repeating: nil), limitsSource: .unknown,
            remaining: PerDimension(repeating: nil),
            ratePerMinute: PerDimension(requests: 2, inputTokens: 900, outputTokens: 80),
            secondsToEmpty: PerDimension(repeating: nil),
            cacheHitRate: nil, rate429: nil, requests429: 0, requests529: 0,
            untrackedPerMinute: PerDimension(repeating: 0), lastRetryAfter: nil,
            uncachedInput5m: 0, cacheRead5m: 0, cacheCreation5m: 0, cacheReadsCount: false)
    }

    static func totals(_ classID: String = "sonnet-4.x", requests: Int = 1007, requests429: Int = 408, requests529: Int = 2,
                       input: Int = 865_435, cacheCreation: Int = 1200, cacheRead: Int = 40000, output: Int = 114_212) -> BucketSummary {
        BucketSummary(classID: classID, models: [], requests: requests, requests429: requests429, requests529: requests529,
                      inputTokens: input, cacheCreationTokens: cacheCreation, cacheReadTokens: cacheRead, outputTokens: output,
                      cacheHitRate: nil, peakPerMinute: PerDimension(repeating: 0), p95PerMinute: PerDimension(repeating: 0),
                      tier: nil, recommendedTier: nil, costUSD: 0)
    }

    static var state: EngineState { EngineState(at: at, buckets: [sonnet()]) }
}

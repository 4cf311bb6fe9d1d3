@testable import RatetopCore

let sonnet = "claude-sonnet-4-5-20250929"
let haiku35 = "claude-3-5-haiku-20241022"

/// 2026-01-15T10:00:00Z: the Tier 1–4 scheme is in force.
let creditEra = 1_768_471_200.0
/// 2026-11-20T09:00:00Z: the Start/Build/Scale scheme is in force.
let plansEra = 1_795_165_200.0

/// Builds `Exchange` values and feeds them to a `UsageEngine`.
final class EngineHarness {
    let models = ModelCatalog()
    let engine: UsageEngine

    init(table: LimitsTable, tier: String? = nil, summaryFrom: Double = -.infinity) {
        engine = UsageEngine(configuration: EngineConfiguration(table: table, tierID: tier, summaryFrom: summaryFrom),
                             models: models)
    }

    /// One attempt completing at `end`.
    func event(_ end: Double, model: String = sonnet, status: Int = 200, input: Int = 0, output: Int = 0,
               cacheRead: Int = 0, cacheCreation: Int = 0, cacheCreation1h: Int = 0, latency: Double = 0,
               headers: RateLimitHeaders? = nil, error: ExchangeErrorKind? = nil, limited: Dimension? = nil,
               retryAfter: Double = -1, batch: Bool = false) -> Exchange {
        let kind = error ?? (status == 429 ? .rateLimited : status == 529 ? .overloaded : status >= 400 ? .other : .none)
        return Exchange(end: end, start: end - latency, model: models.intern(model), status: status,
                        usage: Usage(inputTokens: input, cacheCreationInputTokens: cacheCreation,
                                     cacheCreation1hInputTokens: cacheCreation1h, cacheReadInputTokens: cacheRead,
                                     outputTokens: output),
                        headers: headers, errorKind: kind, limitedDimension: limited, retryAfter: retryAfter, isBatch: batch)
    }

    @discardableResult
    func ingest(_ events: [Exchange]) -> [IngestResult] { events.map { engine.ingest($0) } }

    func bucket(at time: Double, _ classID: String = "sonnet-4.x") -> BucketState? {
        engine.state(at: time).buckets.first { $0.classID == classID }
    }

    func summary(_ classID: String = "sonnet-4.x") -> BucketSummary? {
        engine.summary(from: nil, to: nil).first { $0.classID == classID }
    }
}

/// Rate-limit headers with the given limits and remainders (-1 = absent).
func headers(limit: (Int, Int, Int) = (-1, -1, -1), remaining: (Int, Int, Int) = (-1, -1, -1)) -> RateLimitHeaders {
    var headers = RateLimitHeaders()
    headers.limit = PerDimension(requests: limit.0, inputTokens: limit.1, outputTokens: limit.2)
    headers.remaining = PerDimension(requests: remaining.0, inputTokens: remaining.1, outputTokens: remaining.2)
    return headers
}

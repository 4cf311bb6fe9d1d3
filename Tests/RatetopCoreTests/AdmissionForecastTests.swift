@testable import RatetopCore
import RatetopTestSupport
import Testing

/// The admission forecast as scenario tables: one class's state in, the wait out.
@Suite(.tags(.unit)) struct AdmissionForecastTests {
    /// Sonnet on Tier 1 (50 RPM, 30k ITPM, 8k OTPM) with the levels and last-minute rates given.
    static func bucket(remaining: PerDimension<Double?> = PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000),
                       rate: PerDimension<Double> = PerDimension(repeating: 0),
                       limits: PerDimension<Int?> = PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000),
                       source: LimitsSource = .tier, untracked: PerDimension<Double> = PerDimension(repeating: 0)) -> BucketState {
        BucketState(classID: "sonnet-4.x", models: [], tier: "tier1", limits: limits, limitsSource: source, remaining: remaining,
                    ratePerMinute: rate, secondsToEmpty: PerDimension(repeating: nil), cacheHitRate: nil, rate429: nil,
                    requests429: 0, requests529: 0, untrackedPerMinute: untracked, lastRetryAfter: nil,
                    uncachedInput5m: 0, cacheRead5m: 0, cacheCreation5m: 0, cacheReadsCount: false)
    }

    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var bucket: BucketState
        var request: RequestSize
        var wait: Double?
        var alone: Double?
        var binding: Dimension?
        var testDescription: String { name }
    }

    static let scenarios: [Scenario] = [
        Scenario(name: "full buckets: admitted now", bucket: bucket(), request: RequestSize(inputTokens: 5000, outputTokens: 900),
                 wait: 0, alone: 0, binding: nil),
        Scenario(name: "input short, nobody else: the refill alone (4,000 / 500 per s)",
                 bucket: bucket(remaining: PerDimension(requests: 50, inputTokens: 1000, outputTokens: 8000)),
                 request: RequestSize(inputTokens: 5000, outputTokens: 900), wait: 8, alone: 8, binding: .inputTokens),
        Scenario(name: "input short, the rest consuming half the refill: twice as long",
                 bucket: bucket(remaining: PerDimension(requests: 50, inputTokens: 1000, outputTokens: 8000),
                                rate: PerDimension(requests: 10, inputTokens: 15000, outputTokens: 1000)),
                 request: RequestSize(inputTokens: 5000, outputTokens: 900), wait: 16, alone: 8, binding: .inputTokens),
        Scenario(name: "consumed as fast as it refills: no wait is enough, the lower bound stays",
                 bucket: bucket(remaining: PerDimension(requests: 50, inputTokens: 1000, outputTokens: 8000),
                                rate: PerDimension(requests: 10, inputTokens: 31000, outputTokens: 1000)),
                 request: RequestSize(inputTokens: 5000, outputTokens: 900), wait: nil, alone: 8, binding: .inputTokens),
        Scenario(name: "more input than the bucket holds: never",
                 bucket: bucket(), request: RequestSize(inputTokens: 40000, outputTokens: 10), wait: nil, alone: nil,
                 binding: .inputTokens),
        Scenario(name: "requests bucket below one: RPM binds (0.5 / (50/60))",
                 bucket: bucket(remaining: PerDimension(requests: 0.5, inputTokens: 30000, outputTokens: 8000)),
                 request: RequestSize(inputTokens: 100, outputTokens: 10), wait: 0.6, alone: 0.6, binding: .requests),
        Scenario(name: "output empty: admitted once it holds a token, whatever M is",
                 bucket: bucket(remaining: PerDimension(requests: 50, inputTokens: 30000, outputTokens: 0)),
                 request: RequestSize(inputTokens: 100, outputTokens: 4000), wait: 60.0 / 8000, alone: 60.0 / 8000,
                 binding: .outputTokens),
        Scenario(name: "the longest dimension binds",
                 bucket: bucket(remaining: PerDimension(requests: 0, inputTokens: 0, outputTokens: 8000)),
                 request: RequestSize(inputTokens: 3000, outputTokens: 10), wait: 6, alone: 6, binding: .inputTokens),
    ]

    @Test(arguments: scenarios) func waits(_ scenario: Scenario) {
        let forecast = AdmissionForecast.forecast(for: scenario.request, in: scenario.bucket)
        if let wait = scenario.wait {
            let got = try? #require(forecast.waitSeconds)
            #expect(abs((got ?? -1) - wait) < 1e-9, "\(forecast)")
        } else {
            #expect(forecast.waitSeconds == nil, "\(forecast)")
            #expect(forecast.note != nil)
        }
        if let alone = scenario.alone {
            #expect(abs((forecast.waitIfAloneSeconds ?? -1) - alone) < 1e-9, "\(forecast)")
        } else {
            #expect(forecast.waitIfAloneSeconds == nil, "\(forecast)")
        }
        #expect(forecast.binding == scenario.binding, "\(forecast)")
    }

    @Test func confidenceFollowsWhereTheLimitsAndLevelsComeFrom() {
        let request = RequestSize(inputTokens: 100, outputTokens: 10)
        #expect(AdmissionForecast.forecast(for: request, in: Self.bucket(source: .headers)).confidence == .high)
        #expect(AdmissionForecast.forecast(for: request, in: Self.bucket(source: .tier)).confidence == .medium)
        // Another consumer the logs miss: 4,000 input tokens a minute is over 10 % of 30,000.
        let shared = Self.bucket(source: .headers, untracked: PerDimension(requests: 0, inputTokens: 4000, outputTokens: 0))
        #expect(AdmissionForecast.forecast(for: request, in: shared).confidence == .low)
        let unknown = AdmissionForecast.forecast(
            for: request, in: Self.bucket(remaining: PerDimension(repeating: nil), limits: PerDimension(repeating: nil), source: .unknown))
        #expect(unknown.confidence == .low && unknown.waitSeconds == nil && unknown.note?.contains("limits unknown") == true)
    }

    @Test func theTypicalRequestIsTheP95OfTheLastRequests() {
        var sizes = RecentRequestSizes()
        #expect(sizes.p95 == nil)
        for size in 1...100 { sizes.record(input: Double(size * 10), output: Double(size)) }
        #expect(sizes.p95 == RequestSize(inputTokens: 950, outputTokens: 95))
        // Only the last 256 count: after 256 big requests the small ones are gone.
        for _ in 0..<RecentRequestSizes.capacity { sizes.record(input: 70000, output: 9000) }
        #expect(sizes.p95 == RequestSize(inputTokens: 70000, outputTokens: 9000))
    }

    @Test func theEngineKeepsTheTypicalRequestOfEachClass() throws {
        let table = try #require(bundledTable)
        let models = ModelCatalog()
        let engine = UsageEngine(configuration: EngineConfiguration(table: table, tierID: "tier1"), models: models)
        for second in 0..<40 {
            var event = Exchange(end: 1_800_000_000 + Double(second), model: models.intern("claude-sonnet-4-5-20250929"), status: 200)
            event.usage.inputTokens = 1000 + second
            event.usage.outputTokens = 100
            engine.ingest(event)
        }
        #expect(engine.typicalRequest(classID: "sonnet-4.x") == RequestSize(inputTokens: 1037, outputTokens: 100))
        #expect(engine.typicalRequest(classID: "haiku-4.5") == nil)
    }
}

import RatetopTestSupport
import Testing
@testable import RatetopCore

@Suite(.tags(.unit)) struct UsageEngineTests {
    static func table() throws -> LimitsTable { try #require(bundledTable, "the bundled limits table did not load") }

    static func near(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-6) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= tolerance
    }

    // MARK: Where limits come from

    struct LimitsCase: Sendable, CustomTestStringConvertible {
        var name: String
        var headerLimits: (Int, Int, Int)?
        var fileLimits: String?
        var tier: String?
        var at: Double = creditEra
        var source: String
        var tierID: String?
        var limits: PerDimension<Int?>
        var testDescription: String { name }
    }

    static let limitsCases: [LimitsCase] = [
        LimitsCase(name: "headers win over a file and a tier", headerLimits: (50, 30000, 8000),
                   fileLimits: "[1000, 450000, 90000]", tier: "start", source: "headers", tierID: "tier1",
                   limits: PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000)),
        LimitsCase(name: "headers matching no tier are custom", headerLimits: (77, 30000, 8000), source: "headers",
                   tierID: "custom", limits: PerDimension(requests: 77, inputTokens: 30000, outputTokens: 8000)),
        LimitsCase(name: "headers under the plans scheme", headerLimits: (1000, 2_000_000, 400_000), at: plansEra,
                   source: "headers", tierID: "start",
                   limits: PerDimension(requests: 1000, inputTokens: 2_000_000, outputTokens: 400_000)),
        LimitsCase(name: "partial headers complete the tier", headerLimits: (1000, -1, -1), tier: "tier2", source: "headers",
                   tierID: "tier2", limits: PerDimension(requests: 1000, inputTokens: 450_000, outputTokens: 90000)),
        LimitsCase(name: "a file wins over a tier", fileLimits: "[1000, 450000, 90000]", tier: "start", source: "file",
                   tierID: "tier2", limits: PerDimension(requests: 1000, inputTokens: 450_000, outputTokens: 90000)),
        LimitsCase(name: "a file matching no tier is custom", fileLimits: "[123, 4567, 890]", source: "file",
                   tierID: "custom", limits: PerDimension(requests: 123, inputTokens: 4567, outputTokens: 890)),
        LimitsCase(name: "a tier", tier: "tier1", source: "tier", tierID: "tier1",
                   limits: PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000)),
        LimitsCase(name: "a tier by name", tier: "Build", at: plansEra, source: "tier", tierID: "build",
                   limits: PerDimension(requests: 5000, inputTokens: 5_000_000, outputTokens: 1_000_000)),
        LimitsCase(name: "nothing known", source: "unknown", tierID: nil,
                   limits: PerDimension(requests: nil, inputTokens: nil, outputTokens: nil)),
    ]

    @Test(arguments: limitsCases)
    func limitsSourcePrecedence(scenario: LimitsCase) throws {
        var table = try Self.table()
        if let file = scenario.fileLimits {
            table = try LimitsTable.decode("limits:\n  sonnet-4.x: \(file)\n", base: table)
        }
        let h = EngineHarness(table: table, tier: scenario.tier)
        let hdrs = scenario.headerLimits.map { headers(limit: $0) }
        h.ingest([h.event(scenario.at, input: 100, output: 10, headers: hdrs)])
        let bucket = try #require(h.bucket(at: scenario.at + 1))
        #expect(bucket.limitsSource.rawValue == scenario.source)
        #expect(bucket.tier == scenario.tierID)
        #expect(bucket.limits == scenario.limits)
        for dimension in Dimension.allCases {
            #expect((bucket.remaining[dimension] == nil) == (scenario.limits[dimension] == nil))
        }
        #expect(h.summary()?.tier == scenario.tierID)
    }

    // MARK: Causality

    static func mixedEvents(_ h: EngineHarness) -> [Exchange] {
        [
            h.event(creditEra + 0.5, input: 5000, output: 300, latency: 2),
            h.event(creditEra + 3, input: 8000, output: 900, cacheRead: 4000, latency: 6,
                    headers: headers(limit: (50, 30000, 8000), remaining: (47, 17000, 7000))),
            h.event(creditEra + 4.2, status: 429, limited: .inputTokens, retryAfter: 3),
            h.event(creditEra + 12, input: 6000, output: 2000, cacheCreation: 1000, latency: 20),
            h.event(creditEra + 11, input: 100, output: 10, latency: 1),  // slightly out of order
            h.event(creditEra + 59.9, model: "claude-haiku-4-5", input: 700, output: 70),
            h.event(creditEra + 61, input: 9000, output: 100, latency: 3,
                    headers: headers(remaining: (40, 5000, 6000))),
            h.event(creditEra + 125, status: 529),
            h.event(creditEra + 190, input: 20000, output: 4000, latency: 30),
        ]
    }

    /// The state at T built while replaying (events after T not yet ingested) is exactly the
    /// state of an engine that only ever saw the events up to T.
    @Test(arguments: [0.5, 3.0, 5.0, 11.5, 12.0, 60.0, 61.0, 100.0, 190.0, 250.0])
    func stateAtTUsesOnlyEventsUpToT(offset: Double) throws {
        let table = try Self.table()
        let t = creditEra + offset
        let live = EngineHarness(table: table, tier: "tier1")
        var snapshot: String?
        for event in Self.mixedEvents(live) {
            if snapshot == nil && event.end > t && live.engine.now <= t {
                snapshot = JSONLines.state(live.engine.state(at: t), malformedLines: 0, lateLines: 0)
            }
            live.engine.ingest(event)
        }
        if snapshot == nil { snapshot = JSONLines.state(live.engine.state(at: t), malformedLines: 0, lateLines: 0) }

        let fresh = EngineHarness(table: table, tier: "tier1")
        var seen = false
        for event in Self.mixedEvents(fresh) {
            // Stop at the first event stamped after T, as a live run would not have seen it yet.
            if event.end > t { seen = true }
            if !seen { fresh.engine.ingest(event) }
        }
        #expect(snapshot == JSONLines.state(fresh.engine.state(at: t), malformedLines: 0, lateLines: 0))
    }

    // MARK: Rates and headroom

    @Test func ratePerMinuteCoversTheLast60SecondsOnly() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier2")
        h.ingest([
            h.event(creditEra + 1, input: 100, output: 10),
            h.event(creditEra + 2, input: 200, output: 20),
            h.event(creditEra + 30, input: 400, output: 40),
            h.event(creditEra + 61, input: 800, output: 80),
        ])
        let at61 = try #require(h.bucket(at: creditEra + 61))
        #expect(at61.ratePerMinute == PerDimension(requests: 3, inputTokens: 1400, outputTokens: 140))
        let at89 = try #require(h.bucket(at: creditEra + 89))
        #expect(at89.ratePerMinute == PerDimension(requests: 2, inputTokens: 1200, outputTokens: 120))
        let at90 = try #require(h.bucket(at: creditEra + 90))
        #expect(at90.ratePerMinute == PerDimension(requests: 1, inputTokens: 800, outputTokens: 80))
        let at200 = try #require(h.bucket(at: creditEra + 200))
        #expect(at200.ratePerMinute == PerDimension(requests: 0, inputTokens: 0, outputTokens: 0))
    }

    @Test func cacheReadsCountTowardInputOnlyForClassesThatCountThem() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest([
            h.event(creditEra, model: sonnet, input: 100, cacheRead: 1000, cacheCreation: 10),
            h.event(creditEra, model: haiku35, input: 100, cacheRead: 1000, cacheCreation: 10),
        ])
        #expect(h.bucket(at: creditEra)?.ratePerMinute.inputTokens == 110)
        #expect(h.bucket(at: creditEra, "haiku-3.5")?.ratePerMinute.inputTokens == 1110)
        #expect(Self.near(h.bucket(at: creditEra)?.remaining.inputTokens, 30000 - 110))
        #expect(Self.near(h.bucket(at: creditEra, "haiku-3.5")?.remaining.inputTokens, 50000 - 1110))
    }

    @Test func secondsToEmpty() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        // 36,000 input tokens a minute against 30,000 ITPM: draining at 100 tokens/s.
        h.ingest(stride(from: 0.0, through: 45, by: 15).map { h.event(creditEra + $0, input: 9000, output: 100) })
        let bucket = try #require(h.bucket(at: creditEra + 45))
        #expect(Self.near(bucket.remaining.inputTokens, 16500))
        #expect(Self.near(bucket.secondsToEmpty.inputTokens, 165))
        #expect(bucket.secondsToEmpty.requests == nil)
        #expect(bucket.secondsToEmpty.outputTokens == nil)
        // A minute later nothing is draining.
        let later = try #require(h.bucket(at: creditEra + 120))
        #expect(later.secondsToEmpty == PerDimension(requests: nil, inputTokens: nil, outputTokens: nil))
        #expect(later.remaining.inputTokens == 30000)
    }

    @Test func secondsToEmptyIsNilWhenTheLimitIsUnknown() throws {
        let h = EngineHarness(table: try Self.table())
        h.ingest((0..<10).map { h.event(creditEra + Double($0), input: 90000) })
        let bucket = try #require(h.bucket(at: creditEra + 10))
        #expect(bucket.secondsToEmpty == PerDimension(requests: nil, inputTokens: nil, outputTokens: nil))
        #expect(bucket.ratePerMinute.inputTokens == 900_000)
    }

    @Test func headersCorrectTheEstimate() throws {
        let h = EngineHarness(table: try Self.table())
        h.ingest([
            h.event(creditEra, input: 1000, output: 100, headers: headers(limit: (50, 30000, 8000), remaining: (49, 29000, 8000))),
            h.event(creditEra + 1, input: 1000, output: 100, headers: headers(remaining: (40, 10000, 7000))),
        ])
        let bucket = try #require(h.bucket(at: creditEra + 1))
        #expect(bucket.limitsSource == .headers)
        // Requests are exact (the true level is in 40..<41); tokens snap to the header.
        #expect(bucket.remaining.requests == 40.5)
        #expect(bucket.remaining.inputTokens == 10000)
        #expect(bucket.remaining.outputTokens == 7000)
        // Other consumers used what the logs do not explain: the estimate (28,500) was 18,000
        // above the header's range (up to 10,500). It is held for a minute (a request of ours
        // still in flight could explain it) and then shown.
        #expect(bucket.untrackedPerMinute.inputTokens == 0)
        h.ingest([h.event(creditEra + 62, input: 1, output: 1)])
        let later = try #require(h.bucket(at: creditEra + 62))
        #expect(Self.near(later.untrackedPerMinute.inputTokens, 18000))
        #expect(Self.near(later.untrackedPerMinute.outputTokens, 400))
    }

    // MARK: Cache and 429s

    @Test func fiveMinuteCacheHitRateUsesAnthropicsDefinition() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier4")
        h.ingest([
            h.event(creditEra, input: 10000),
            h.event(creditEra + 400, input: 1000, cacheRead: 8000, cacheCreation: 1000),
            h.event(creditEra + 450, input: 0, output: 5),
        ])
        // read / (read + creation + input) over the last 5 minutes, not read / (read + input).
        #expect(Self.near(h.bucket(at: creditEra + 450)?.cacheHitRate, 0.8))
        #expect(Self.near(h.bucket(at: creditEra + 10)?.cacheHitRate, 0))
        #expect(h.bucket(at: creditEra + 1000)?.cacheHitRate == nil)
        // The summary covers everything: 8,000 / 20,000.
        #expect(Self.near(h.summary()?.cacheHitRate, 0.4))
    }

    @Test func share429CountsRetriesAsAttempts() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest([
            h.event(creditEra + 1, status: 429, limited: .inputTokens, retryAfter: 2),
            h.event(creditEra + 3, status: 429, limited: .inputTokens, retryAfter: 4),
            h.event(creditEra + 4, input: 100, output: 10),
            h.event(creditEra + 5, status: 529),
        ])
        let bucket = try #require(h.bucket(at: creditEra + 5))
        #expect(bucket.requests429 == 2)
        #expect(bucket.requests529 == 1)
        #expect(Self.near(bucket.rate429, 0.5))
        #expect(bucket.lastRetryAfter == 4)
        #expect(bucket.ratePerMinute.requests == 4)
        // Throttled and overloaded attempts take no capacity: one request left the bucket.
        #expect(Self.near(bucket.remaining.requests, 49 + 50.0 / 60, 1e-6))
        let summary = try #require(h.summary())
        #expect(summary.requests == 4)
        #expect(summary.requests429 == 2)
        #expect(summary.requests529 == 1)
        #expect(summary.rate429 == 0.5)
        // After five minutes the share is gone.
        #expect(h.bucket(at: creditEra + 400)?.rate429 == nil)
        #expect(h.bucket(at: creditEra + 400)?.requests429 == 0)
    }

    @Test func spendCapAttemptsCountAsThrottled() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest([h.event(creditEra, status: 429, error: .spendLimitReached), h.event(creditEra + 1, input: 1)])
        #expect(h.summary()?.requests429 == 1)
        #expect(h.bucket(at: creditEra + 1)?.requests429 == 1)
    }

    @Test func a429NamingInputCapsTheInputEstimate() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest([
            h.event(creditEra, input: 4000),
            h.event(creditEra + 0.1, status: 429, limited: .inputTokens),
        ])
        // The refused request was at most as large as the largest recent one (4,000): the level
        // was below that, not the 26,000 the model alone would say.
        let bucket = try #require(h.bucket(at: creditEra + 0.1))
        #expect((bucket.remaining.inputTokens).map { $0 <= 4000 + 1 } == true)
        #expect((bucket.remaining.inputTokens).map { $0 >= 3000 } == true)
    }

    // MARK: Ordering

    @Test func linesLateBeyond30SecondsCountInTheTotalsButNotInTheBuckets() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        let results = h.ingest([
            h.event(creditEra + 100, input: 1),
            h.event(creditEra + 69, input: 10, output: 5),
            h.event(creditEra + 70, input: 100),
            h.event(creditEra + 99, input: 1000),
        ])
        #expect(results == [.applied, .late(behind: 31), .applied, .applied])
        #expect(h.engine.now == creditEra + 100)
        // Every total counts the late line...
        #expect(h.summary()?.requests == 4)
        #expect(h.summary()?.inputTokens == 1111)
        #expect(h.summary()?.outputTokens == 5)
        // ...the buckets and the last minute do not: its past was already written.
        let bucket = try #require(h.bucket(at: creditEra + 100))
        #expect(bucket.ratePerMinute.inputTokens == 1101)
        #expect(bucket.ratePerMinute.outputTokens == 0)
        #expect(abs((bucket.remaining.inputTokens ?? 0) - (30_000 - 1101)) < 0.01)
    }

    @Test func summaryFromLeavesEarlierEventsOutOfTheSummaryButInTheBuckets() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1", summaryFrom: creditEra + 10)
        h.ingest([h.event(creditEra, input: 20000), h.event(creditEra + 10, input: 1000)])
        #expect(h.summary()?.requests == 1)
        #expect(h.summary()?.inputTokens == 1000)
        #expect(Self.near(h.bucket(at: creditEra + 10)?.remaining.inputTokens, 30000 - 20000 + 5000 - 1000))
    }

    // MARK: Summary

    @Test func summaryTotalsAreExact() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest([
            h.event(creditEra, input: 1622, output: 102, cacheRead: 12000, cacheCreation: 0),
            h.event(creditEra + 1, input: 7, output: 3, cacheRead: 0, cacheCreation: 500),
            h.event(creditEra + 2, status: 429),
            h.event(creditEra + 3, model: "claude-sonnet-4-6", input: 1, output: 1, cacheRead: 1, cacheCreation: 1),
            h.event(creditEra + 4, model: "claude-haiku-4-5", input: 99, output: 9),
        ])
        let summary = try #require(h.summary())
        #expect(summary.models == [sonnet, "claude-sonnet-4-6"])
        #expect(summary.requests == 4)
        #expect(summary.requests429 == 1)
        #expect(summary.inputTokens == 1630)
        #expect(summary.outputTokens == 106)
        #expect(summary.cacheReadTokens == 12001)
        #expect(summary.cacheCreationTokens == 501)
        let haiku = try #require(h.summary("haiku-4.5"))
        #expect(haiku.requests == 1)
        #expect(haiku.inputTokens == 99)
        #expect(h.engine.classIDs == ["sonnet-4.x", "haiku-4.5"])
    }

    @Test func peakAndP95PerMinute() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier4")
        var events: [Exchange] = []
        for minute in 0..<20 {
            let count = minute == 7 ? 100 : 10
            for k in 0..<count {
                events.append(h.event(creditEra + Double(minute * 60) + Double(k) * 0.5, input: 100, output: minute == 7 ? 50 : 5))
            }
        }
        h.ingest(events)
        let summary = try #require(h.summary())
        #expect(summary.peakPerMinute == PerDimension(requests: 100, inputTokens: 10000, outputTokens: 5000))
        #expect(summary.p95PerMinute == PerDimension(requests: 10, inputTokens: 1000, outputTokens: 50))
    }

    @Test func p95WithTwoBusyMinutesOutOfTwenty() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier4")
        var events: [Exchange] = []
        for minute in 0..<20 {
            let count = minute == 3 || minute == 15 ? 100 : 10
            for k in 0..<count { events.append(h.event(creditEra + Double(minute * 60) + Double(k) * 0.5, input: 10)) }
        }
        h.ingest(events)
        let summary = try #require(h.summary())
        #expect(summary.p95PerMinute.requests == 100)
        #expect(summary.p95PerMinute.inputTokens == 1000)
    }

    static let advice: [(String?, Double, Int, String?, String?)] = [
        // (tier, era, requests per minute, tier reported, recommended)
        ("tier1", creditEra, 61, "tier1", "tier2"),
        ("tier1", creditEra, 40, "tier1", "tier1"),
        ("tier1", creditEra, 41, "tier1", "tier2"),
        ("tier2", creditEra, 5, "tier2", "tier1"),
        ("start", plansEra, 61, "start", "start"),
        (nil, creditEra, 61, nil, "tier2"),
        (nil, plansEra, 900, nil, "build"),
    ]

    @Test(arguments: advice)
    func recommendedTierIsTheSmallestFittingP95TimesOneAndAQuarter(tier: String?, era: Double, rpm: Int,
                                                                    reported: String?, recommended: String?) throws {
        let h = EngineHarness(table: try Self.table(), tier: tier)
        var events: [Exchange] = []
        for minute in 0..<20 {
            for k in 0..<rpm { events.append(h.event(era + Double(minute * 60) + Double(k) * 50 / Double(rpm), input: 10, output: 1)) }
        }
        h.ingest(events)
        let summary = try #require(h.summary())
        #expect(summary.p95PerMinute.requests == rpm)
        #expect(summary.tier == reported)
        #expect(summary.recommendedTier == recommended)
    }

    @Test func recommendedTierIsCustomWhenNoTierFits() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest((0..<20).map { h.event(creditEra + Double($0 * 60), input: 3_000_000) })
        #expect(h.summary()?.recommendedTier == "custom")
    }

    @Test func costFromTheBundledPrices() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest([
            // 1,000 × 3 + 1,500 × 3 × 1.25 + 500 × 3 × 2 + 10,000 × 3 × 0.1 + 100 × 15 = 16,125 µ$
            h.event(creditEra, input: 1000, output: 100, cacheRead: 10000, cacheCreation: 2000, cacheCreation1h: 500),
            // Batch: half of 200,000 × 3 (at the long-context threshold, not past it).
            h.event(creditEra + 1, input: 200_000, batch: true),
            // Throttled, no usage: free.
            h.event(creditEra + 2, status: 429),
        ])
        #expect(Self.near(h.summary()?.costUSD, 0.016125 + 0.3, 1e-9))
    }

    @Test(arguments: [(haiku35, 0.8, 4.0), ("claude-opus-4-1-20250805", 15.0, 75.0), ("claude-opus-4-6", 5.0, 25.0),
                      ("claude-haiku-4-5", 1.0, 5.0), ("claude-3-5-sonnet-20241022", 3.0, 15.0),
                      ("anthropic/claude-3.5-sonnet", 3.0, 15.0), ("claude-3-sonnet-20240229", 3.0, 15.0),
                      ("claude-2.1", 8.0, 24.0), ("claude-instant-1.2", 0.8, 2.4)])
    func costPerModel(model: String, input: Double, output: Double) throws {
        let h = EngineHarness(table: try Self.table())
        // A million of each in five requests (none past the long-context threshold).
        h.ingest((0..<5).map { h.event(plansEra + Double($0), model: model, input: 200_000, output: 200_000) })
        let classID = try #require(h.engine.classIDs.first)
        #expect(Self.near(h.summary(classID)?.costUSD, input + output, 1e-9))
    }

    /// The bill's details: past 200k input tokens the whole request is priced at the long-context
    /// rates; web searches cost $10 per thousand; 1-hour cache writes 2x.
    @Test func longContextWebSearchAndOneHourCacheWritesArePricedLikeTheBill() throws {
        let h = EngineHarness(table: try Self.table())
        var long = h.event(plansEra, input: 100_000, output: 1000, cacheRead: 150_000)
        #expect(long.usage.countedInputTokens(cacheReadsCount: true) == 250_000)
        var searched = h.event(plansEra + 1, input: 1000, output: 100)
        searched.usage.webSearchRequests = 3
        long.requests = 1
        h.ingest([long, searched, h.event(plansEra + 2, input: 200_000, output: 1000),
                  h.event(plansEra + 3, cacheCreation: 200_000, cacheCreation1h: 200_000)])
        // 100k × $6 + 150k × $6 × 0.1 + 1k × $22.50; then 1k × $3 + 100 × $15 + 3 searches × $0.01;
        // then exactly 200k: standard rates, 200k × $3 + 1k × $15; then 200k 1-hour writes × $3 × 2.
        let expected = (0.6 + 0.09 + 0.0225) + (0.003 + 0.0015 + 0.03) + (0.6 + 0.015) + 1.2
        #expect(Self.near(h.summary()?.costUSD, expected, 1e-9))
        let decoded = decodeExchangeLine(#"{"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-6","status":200,"usage":{"input_tokens":5,"output_tokens":1,"server_tool_use":{"web_search_requests":2,"web_fetch_requests":1}}}"#)
        #expect(decoded?.usage.webSearchRequests == 2)
    }

    @Test func subscriptionLimitsAreCountedApartFromRequestsAnd429s() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest([
            h.event(creditEra, input: 1000, output: 10),
            Exchange(end: creditEra + 5, model: h.models.intern(sonnet), status: 429, requests: 0, usage: .zero,
                     errorKind: .subscriptionLimit, retryAfter: 3600),
            Exchange(end: creditEra + 9, model: h.models.intern(sonnet), status: 429, requests: 0, usage: .zero,
                     errorKind: .subscriptionLimit),
        ])
        let summary = try #require(h.summary())
        #expect(summary.requests == 1)
        #expect(summary.requests429 == 0)
        #expect(summary.subscriptionLimits == 2)
        #expect(summary.subscriptionResetsAt == creditEra + 3605)
        #expect(h.bucket(at: creditEra + 10)?.requests429 == 0)
        let line = JSONLines.summary([summary], from: nil, to: nil,
                                     counts: JSONLines.InputCounts(lines: 3, malformedLines: 0, duplicatesSkipped: 0), alerts: (0, [:]))
        #expect(line.contains(#""subscription_limits":2,"subscription_resets_at":""# + RFC3339.format(creditEra + 3605, fractionDigits: 0) + "\""))
    }

    @Test func aModelWithoutAPriceHasAnUnknownCostAndOneNotice() throws {
        let h = EngineHarness(table: try Self.table())
        var notices: [String] = []
        h.engine.onNotice = { notices.append($0) }
        h.ingest([
            h.event(plansEra, model: "claude-mythos-5-2", input: 1000, output: 10),
            h.event(plansEra + 1, model: "claude-mythos-5-2", input: 1000, output: 10),
            h.event(plansEra + 2, model: "gpt-4o", input: 1000, output: 10),
            h.event(plansEra + 3, input: 200_000),
        ])
        let mythos = try #require(h.summary("claude-mythos-5-2"))
        #expect(mythos.costUSD == nil)
        #expect(mythos.unpricedModels == ["claude-mythos-5-2"])
        #expect(h.summary("gpt-4o")?.costUSD == nil)
        #expect(Self.near(h.summary("sonnet-4.x")?.costUSD, 0.6, 1e-9))
        #expect(notices == [
            "model claude-mythos-5-2: no price in the limits table: the cost of its class is unknown (cost_usd null)",
            "model gpt-4o: no price in the limits table: the cost of its class is unknown (cost_usd null)",
        ])
        let line = JSONLines.summary([mythos], from: nil, to: nil,
                                     counts: JSONLines.InputCounts(lines: 2, malformedLines: 0, duplicatesSkipped: 0),
                                     alerts: (0, [:]))
        #expect(line.contains(#""cost_usd":null,"unpriced_models":["claude-mythos-5-2"]"#))
    }

    @Test func sonnet5PriceChangesOnSeptember1() throws {
        let h = EngineHarness(table: try Self.table())
        h.ingest([
            h.event(1_788_177_600, model: "claude-sonnet-5", input: 1_000_000),  // 2026-08-31T12:00Z: $2
            h.event(1_788_264_000, model: "claude-sonnet-5", input: 1_000_000),  // 2026-09-01T12:00Z: $3
        ])
        #expect(Self.near(h.summary("sonnet-5")?.costUSD, 5, 1e-9))
    }

    @Test func sonnet5PriceAtTheFirstInstantOfSeptember() throws {
        let h = EngineHarness(table: try Self.table())
        h.ingest([
            h.event(1_788_177_600, model: "claude-sonnet-5", input: 1_000_000),  // 2026-08-31T12:00Z: $2
            h.event(1_788_220_800, model: "claude-sonnet-5", input: 1_000_000),  // 2026-09-01T00:00:00Z: $3
        ])
        #expect(Self.near(h.summary("sonnet-5")?.costUSD, 5, 1e-9))
    }

    @Test func unknownModelsGetTheirOwnBucketWithUnknownLimits() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        h.ingest([h.event(creditEra, model: "gpt-4o", input: 10)])
        let bucket = try #require(h.bucket(at: creditEra, "gpt-4o"))
        #expect(bucket.limitsSource == .unknown)
        #expect(bucket.tier == nil)
        #expect(bucket.remaining == PerDimension(requests: nil, inputTokens: nil, outputTokens: nil))
        #expect(h.summary("gpt-4o")?.recommendedTier == nil)
    }

    /// Output is generated over the response: a 30 s response with 2,000 output tokens on an
    /// idle 8,000 OTPM bucket leaves it full; the same response on a drained bucket does not.
    @Test func longResponsesOnIdleAndBusyBuckets() throws {
        let idle = EngineHarness(table: try Self.table(), tier: "tier1")
        idle.ingest([idle.event(creditEra, input: 10, output: 1),
                     idle.event(creditEra + 130, input: 10, output: 2000, latency: 30)])
        #expect(idle.bucket(at: creditEra + 130)?.remaining.outputTokens == 8000)
        #expect(idle.bucket(at: creditEra + 130)?.ratePerMinute.outputTokens == 2000)

        let busy = EngineHarness(table: try Self.table(), tier: "tier1")
        busy.ingest([busy.event(creditEra, input: 10, output: 8000),
                     busy.event(creditEra + 30, input: 10, output: 2000, latency: 30)])
        // 8,000 at creditEra leaves 0; 30 s refill 4,000; the response took 2,000 of it.
        #expect(Self.near(busy.bucket(at: creditEra + 30)?.remaining.outputTokens, 2000, 1e-6))
    }
}

/// One exchange line decoded, or nil.
func decodeExchangeLine(_ line: String) -> Exchange? {
    var decoder = ExchangeLogDecoder(models: ModelCatalog())
    var events: [Exchange] = []
    var bytes = Array(line.utf8)
    _ = bytes.withUnsafeMutableBytes { decoder.decode(line: UnsafeRawBufferPointer($0), origin: LineOrigin(source: 0, line: 1), into: &events) }
    return events.first
}

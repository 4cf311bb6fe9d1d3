import RatetopCore
import RatetopSimulation
import Testing
import RatetopTestSupport

@Suite("ReferenceLimiter", .tags(.unit))
struct ReferenceLimiterTests {
    /// Tier 1 Sonnet 4.x: 50 RPM, 30,000 ITPM, 8,000 OTPM.
    static let limits = PerDimension(requests: 50, inputTokens: 30_000, outputTokens: 8_000)
    static let t0 = 1_776_160_800.0 // 2026-04-14T10:00:00Z

    func fresh() -> ReferenceLimiter {
        ReferenceLimiter(classID: "sonnet-4.x", limits: Self.limits, start: Self.t0)
    }

    @Test func startsFull() {
        let limiter = fresh()
        let level = limiter.level(at: Self.t0)
        #expect(level == PerDimension(requests: 50, inputTokens: 30_000, outputTokens: 8_000))
    }

    @Test func drainedBucketRefillsAtLimitOverSixtyPerSecond() {
        var limiter = fresh()
        #expect(limiter.admit(at: Self.t0, countedInput: 30_000, outputTokens: 0, end: Self.t0) == .admitted)
        let t0 = Self.t0
        #expect(limiter.level(.inputTokens, at: t0) == 0)
        #expect(abs(limiter.level(.inputTokens, at: t0 + 1) - 500) < 1e-6)
        #expect(abs(limiter.level(.inputTokens, at: t0 + 10) - 5_000) < 1e-6)
        #expect(abs(limiter.level(.inputTokens, at: t0 + 59) - 29_500) < 1e-6)
        #expect(limiter.level(.inputTokens, at: t0 + 60) == 30_000)
        #expect(limiter.level(.inputTokens, at: t0 + 600) == 30_000, "never above capacity")
        // Epoch times near 1.8e9 carry about 2.4e-7 s of precision.
        #expect(abs(limiter.level(.requests, at: t0) - 49) < 1e-6)
        #expect(abs(limiter.level(.requests, at: t0 + 0.6) - 49.5) < 1e-6)
        #expect(limiter.level(.requests, at: t0 + 5) == 50)
    }

    @Test func rejectsWhenShortAndNamesTheDimension() {
        let t0 = Self.t0
        // Input.
        var input = fresh()
        #expect(input.admit(at: t0, countedInput: 29_000, outputTokens: 0, end: t0) == .admitted)
        // 1,000 left; 1,500 needs 500 more = 1 s of refill.
        #expect(input.admit(at: t0, countedInput: 1_500, outputTokens: 0, end: t0) == .rejected(.inputTokens, waitSeconds: 1))
        #expect(input.level(.inputTokens, at: t0) == 1_000, "a refused request takes nothing")
        #expect(input.admit(at: t0 + 1, countedInput: 1_500, outputTokens: 0, end: t0 + 1) == .admitted)
        // Larger than the bucket: never.
        var huge = fresh()
        #expect(huge.admit(at: t0, countedInput: 30_001, outputTokens: 0, end: t0) == .rejected(.inputTokens, waitSeconds: .infinity))

        // Requests: 50 at once, the 51st waits 1.2 s for one token.
        var requests = fresh()
        for _ in 0..<50 { #expect(requests.admit(at: t0, countedInput: 10, outputTokens: 0, end: t0) == .admitted) }
        guard case .rejected(let dimension, let wait) = requests.admit(at: t0, countedInput: 10, outputTokens: 0, end: t0) else {
            Issue.record("the 51st request in the same instant was admitted")
            return
        }
        #expect(dimension == .requests)
        #expect(abs(wait - 1.2) < 1e-9)

        // Output: 10,000 tokens over 2 s leaves 8,000 - 10,000 + 2 × 133.33 = -1,733.33 (debt).
        var output = fresh()
        #expect(output.admit(at: t0, countedInput: 100, outputTokens: 10_000, end: t0 + 2) == .admitted)
        #expect(abs(output.level(.outputTokens, at: t0 + 2) - (-1_733.333_333)) < 1e-3)
        guard case .rejected(let outDimension, let outWait) = output.admit(at: t0 + 2, countedInput: 100, outputTokens: 10, end: t0 + 3) else {
            Issue.record("a request was admitted with the output bucket in debt")
            return
        }
        #expect(outDimension == .outputTokens)
        #expect(abs(outWait - 13) < 1e-6, "1,733.33 of debt at 133.33/s")

        // All three short: requests is named first.
        var all = fresh()
        for _ in 0..<49 { #expect(all.admit(at: t0, countedInput: 0, outputTokens: 0, end: t0) == .admitted) }
        #expect(all.admit(at: t0, countedInput: 30_000, outputTokens: 20_000, end: t0 + 1) == .admitted)
        if case .rejected(let first, _) = all.admit(at: t0 + 1, countedInput: 5_000, outputTokens: 1, end: t0 + 2) {
            #expect(first == .requests)
        } else {
            Issue.record("expected a refusal")
        }
    }

    @Test func outputDrainsUniformlyOverGeneration() {
        let t0 = Self.t0
        var limiter = fresh()
        // 6,000 output tokens over 10 s: 600/s drained against 133.33/s refill.
        #expect(limiter.admit(at: t0, countedInput: 0, outputTokens: 6_000, end: t0 + 10) == .admitted)
        let net = 8_000.0 / 60 - 600
        for second in stride(from: 0.0, through: 10, by: 0.5) {
            #expect(abs(limiter.level(.outputTokens, at: t0 + second) - (8_000 + net * second)) < 1e-6)
        }
        let afterGeneration = 8_000 + net * 10
        #expect(abs(limiter.level(.outputTokens, at: t0 + 25) - (afterGeneration + 15 * 8_000 / 60)) < 1e-6)
        #expect(limiter.level(.outputTokens, at: t0 + 100) == 8_000)

        // A slow drain below the refill rate never shows on a full bucket.
        var slow = fresh()
        #expect(slow.admit(at: t0, countedInput: 0, outputTokens: 600, end: t0 + 60) == .admitted)
        #expect(slow.level(.outputTokens, at: t0 + 30) == 8_000)

        // Overlapping drains: piecewise linear, slope changes where one ends.
        var two = fresh()
        #expect(two.admit(at: t0, countedInput: 0, outputTokens: 3_000, end: t0 + 10) == .admitted) // 300/s
        #expect(two.admit(at: t0 + 5, countedInput: 0, outputTokens: 4_000, end: t0 + 15) == .admitted) // 400/s
        let refill = 8_000.0 / 60
        let at5 = 8_000 + (refill - 300) * 5
        let at10 = at5 + (refill - 700) * 5
        let at15 = at10 + (refill - 400) * 5
        #expect(abs(two.level(.outputTokens, at: t0 + 5) - at5) < 1e-6)
        #expect(abs(two.level(.outputTokens, at: t0 + 10) - at10) < 1e-6)
        #expect(abs(two.level(.outputTokens, at: t0 + 12) - (at10 + (refill - 400) * 2)) < 1e-6)
        #expect(abs(two.level(.outputTokens, at: t0 + 15) - at15) < 1e-6)
        #expect(two.inFlight == 2, "reading levels does not move the clock")
        two.advance(to: t0 + 12)
        #expect(two.inFlight == 1)
        #expect(abs(two.level(.outputTokens, at: t0 + 12) - (at10 + (refill - 400) * 2)) < 1e-6)
    }

    @Test func levelReadsDoNotChangeTheLimiter() {
        var limiter = fresh()
        #expect(limiter.admit(at: Self.t0, countedInput: 10_000, outputTokens: 4_000, end: Self.t0 + 20) == .admitted)
        let before = limiter.level(at: Self.t0 + 30)
        _ = limiter.level(at: Self.t0 + 100)
        _ = limiter.headers(at: Self.t0 + 5)
        #expect(limiter.level(at: Self.t0 + 30) == before)
        #expect(limiter.now == Self.t0)
    }

    @Test func headersRoundLikeAnthropics() {
        let t0 = Self.t0
        var limiter = fresh()
        #expect(limiter.admit(at: t0, countedInput: 14_772, outputTokens: 6_000, end: t0 + 10) == .admitted)
        #expect(limiter.admit(at: t0, countedInput: 0, outputTokens: 0, end: t0) == .admitted)
        #expect(limiter.admit(at: t0, countedInput: 0, outputTokens: 0, end: t0) == .admitted)
        let headers = limiter.headers(at: t0)
        // 47 requests left exactly; 15,228 input -> 15,000; output still 8,000 at the start.
        #expect(headers.remaining.requests == 47)
        #expect(headers.remaining.inputTokens == 15_000)
        #expect(headers.remaining.outputTokens == 8_000)
        #expect(headers.limit == Self.limits)
        #expect(headers.tokensLimit == 38_000)
        #expect(headers.tokensRemaining == 23_000)
        // Requests full after 3 / (50/60) = 3.6 s -> the next whole second; input after
        // 14,772 / 500 = 29.544 s -> 30 s.
        #expect(headers.reset.requests == t0 + 4)
        #expect(headers.reset.inputTokens == t0 + 30)
        // Output: 8,000 - 4,666.67 = 3,333.33 at t0 + 10, then 35 s to refill 4,666.67.
        #expect(headers.reset.outputTokens == t0 + 45)
        #expect(headers.tokensReset == t0 + 45)

        let later = limiter.headers(at: t0 + 0.6) // requests 47.5 -> 47 (floor); input 15,528 -> 16,000
        #expect(later.remaining.requests == 47)
        #expect(later.remaining.inputTokens == 16_000)
        let mid = limiter.headers(at: t0 + 5) // output 8,000 - 2,333.33 = 5,666.67 -> 6,000
        #expect(mid.remaining.outputTokens == 6_000)

        // Debt shows as 0, never negative.
        var debt = fresh()
        #expect(debt.admit(at: t0, countedInput: 0, outputTokens: 20_000, end: t0 + 2) == .admitted)
        #expect(debt.headers(at: t0 + 2).remaining.outputTokens == 0)
        // Halves round up: 500 left -> 1,000.
        var half = fresh()
        #expect(half.admit(at: t0, countedInput: 29_500, outputTokens: 0, end: t0) == .admitted)
        #expect(half.headers(at: t0).remaining.inputTokens == 1_000)
        #expect(half.headers(at: t0 + 0.002).remaining.inputTokens == 1_000)
        #expect(half.admit(at: t0, countedInput: 1, outputTokens: 0, end: t0) == .admitted)
        #expect(half.headers(at: t0).remaining.inputTokens == 0)
    }

    @Test func snapshotConvertsToParsedHeaders() {
        let snapshot = fresh().headers(at: Self.t0)
        let parsed = snapshot.rateLimitHeaders
        #expect(parsed.limit == Self.limits)
        #expect(parsed.remaining == Self.limits)
        #expect(parsed.tokensLimit == 38_000)
        #expect(!parsed.isEmpty)
    }
}

import RatetopCore
import RatetopIO
import RatetopPlanner
import RatetopTestSupport
import Testing

/// Demand series through the limiter with known answers.
@Suite("Planner scenarios", .tags(.unit))
struct PlannerScenarioTests {
    /// Tier 1 Sonnet 4.x: 50 RPM, 30,000 ITPM, 8,000 OTPM.
    static let tier1 = PerDimension(requests: 50, inputTokens: 30_000, outputTokens: 8_000)
    static let t0 = 1_776_160_800.0 // 2026-04-14T10:00:00Z
    static let table: LimitsTable = try! BundledLimitsTable.load()

    /// A steady series: one call every `every` seconds for `minutes`, each with `input`
    /// uncached tokens and `output` generated over one second.
    static func steady(every: Double, minutes: Double, input: Int = 500, cacheRead: Int = 0, output: Int = 100,
                       source: Int32 = 0, from: Double = t0) -> [DemandCall] {
        let count = Int(minutes * 60 / every)
        return (0..<count).map { index in
            DemandCall(arrival: from + Double(index) * every, duration: 1,
                       usage: Usage(inputTokens: input, cacheReadInputTokens: cacheRead, outputTokens: output), source: source)
        }
    }

    static func demand(_ calls: [DemandCall], sources: [String] = ["app.jsonl"]) -> Demand {
        Demand(calls: calls.sorted { $0.arrival < $1.arrival },
               classes: [PlanClass(id: "sonnet-4.x", tableClassID: "sonnet-4.x", headerLimits: tier1)],
               modelNames: ["claude-sonnet-4-5-20250929"], sourceNames: sources)
    }

    static func run(_ demand: Demand, limits: PerDimension<Int>? = tier1, assumptions: PlanAssumptions = PlanAssumptions(),
                    retry: PlanRetryPolicy = .none) throws -> PlanResult {
        let scenario = PlanScenario(name: "s", tierID: nil, limits: [limits], assumptions: assumptions, retry: retry)
        return try #require(try Planner.run(demand, scenarios: [scenario], table: table, rejectLatency: 0.2).first)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Seconds between calls, input and output per call.
        var every: Double
        var input: Int
        var output: Int
        /// The expected share of attempts throttled without retries.
        var share: ClosedRange<Double>
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "steady under every limit", every: 2, input: 500, output: 100, share: 0...0),
        Case(name: "just under the RPM limit", every: 1.25, input: 100, output: 10, share: 0...0),
        Case(name: "twice the refill rate of RPM", every: 0.6, input: 100, output: 10, share: 0.45...0.52),
        Case(name: "twice the refill rate of ITPM", every: 3, input: 3_000, output: 10, share: 0.45...0.52),
        Case(name: "four times the RPM refill", every: 0.3, input: 10, output: 1, share: 0.72...0.77),
    ]

    @Test(arguments: cases)
    func aSteadySeriesThrottlesWhatExceedsTheRefill(_ c: Case) throws {
        let result = try Self.run(Self.demand(Self.steady(every: c.every, minutes: 60, input: c.input, output: c.output)))
        #expect(c.share.contains(result.throttledShare), "\(c.name): \(result.throttledShare)")
        #expect(result.failed == result.throttled, "without retries every refusal is a failed call")
        if c.share.upperBound == 0 {
            #expect(result.throttledMinutes == 0)
            #expect(result.waitP95 == 0)
        } else {
            // The bucket starts full: the first minute passes, every later one throttles.
            #expect(result.throttledMinutes >= 58, "\(result.throttledMinutes)")
        }
    }

    @Test func aCacheHitRateThatBringsUncachedInputUnderTheLimitRemovesTheThrottling() throws {
        // 30 calls a minute × 2,000 uncached = 60,000 ITPM against 30,000.
        let demand = Self.demand(Self.steady(every: 2, minutes: 30, input: 2_000, output: 50))
        let logged = try Self.run(demand)
        #expect(logged.throttledShare > 0.4, "\(logged.throttledShare)")
        #expect(logged.binding?.dimension == .inputTokens)
        // 80 % reads: 400 counted per call, 12,000 a minute.
        let cached = try Self.run(demand, assumptions: PlanAssumptions(cacheHit: 0.8))
        #expect(cached.throttled == 0)
        #expect(cached.throttledMinutes == 0)
        let input = try #require(cached.peaks.first { $0.dimension == .inputTokens })
        #expect(abs((input.share ?? 1) - 0.4) < 0.01, "\(input)")
        // Reads cost a tenth: 80 % of the input at 0.1× is cheaper than all of it at 1×.
        #expect(cached.costUSD < logged.costUSD)
    }

    @Test func cacheReadsCountForTheClassesWhoseITPMCountsThem() {
        let usage = Usage(inputTokens: 1_000, cacheCreationInputTokens: 1_000, outputTokens: 10)
        let cached = RatetopPlanner.usage(usage, atCacheHitRate: 0.5)
        #expect(cached.cacheReadInputTokens == 1_000)
        #expect(cached.inputTokens + cached.cacheCreationInputTokens == 1_000)
        #expect(cached.countedInputTokens(cacheReadsCount: false) == 1_000)
        #expect(cached.countedInputTokens(cacheReadsCount: true) == 2_000)
    }

    @Test func movingAJobToBatchRemovesItsMinutesFromTheBuckets() throws {
        // The app alone fits (20 a minute); a job on top of it (60 a minute for 20 minutes) does not.
        let app = Self.steady(every: 3, minutes: 60, input: 400, output: 50, source: 0)
        let job = Self.steady(every: 1, minutes: 20, input: 400, output: 50, source: 1, from: Self.t0 + 1_200)
        let demand = Self.demand(app + job, sources: ["app.jsonl", "logs/nightly.jsonl"])
        let together = try Self.run(demand)
        #expect(together.throttledMinutes >= 15, "\(together.throttledMinutes)")
        let batched = try Self.run(demand, assumptions: PlanAssumptions(batch: [.name("nightly.jsonl")]))
        #expect(batched.throttled == 0)
        #expect(batched.batchCalls == job.count)
        #expect(batched.attempts == app.count, "batch calls never meet the per-minute buckets")
        #expect(batched.binding?.perMinute == 20, "the job's minutes are out of the peak: \(String(describing: batched.binding))")
        // Batch prices are half: the job's share of the bill halves.
        let appOnly = try Self.run(Self.demand(app))
        let jobFull = together.costUSD - appOnly.costUSD
        let noThrottle = try Self.run(demand, limits: nil)
        #expect(abs(batched.costUSD - (appOnly.costUSD + (noThrottle.costUSD - appOnly.costUSD) / 2)) < 1e-6)
        #expect(jobFull <= noThrottle.costUSD - appOnly.costUSD + 1e-9, "throttled calls that failed are not billed")
    }

    @Test func shiftMovesDemandInTime() throws {
        let app = Self.steady(every: 3, minutes: 60, input: 400, output: 50, source: 0)
        let job = Self.steady(every: 1, minutes: 20, input: 400, output: 50, source: 1, from: Self.t0 + 1_200)
        let demand = Self.demand(app + job, sources: ["app.jsonl", "nightly.jsonl"])
        let shift = try #require(PlanShift(parsing: "nightly.jsonl=+2h"))
        #expect(shift.seconds == 7_200)
        let prepared = try Planner.prepare(demand, assumptions: PlanAssumptions(shifts: [shift]), table: Self.table)
        #expect(prepared.arrival == prepared.arrival.sorted(), "shifted calls are merged back in order")
        #expect(prepared.arrival.last == job.last!.arrival + 7_200)
        // Two hours later the app is idle: the job runs alone at 60 a minute, over 50.
        let shifted = try Self.run(demand, assumptions: PlanAssumptions(shifts: [shift]))
        let together = try Self.run(demand)
        #expect(shifted.binding?.perMinute == 60)
        #expect(shifted.throttled < together.throttled)
        // Into the app's quiet tail instead: an hour later there is nothing else.
        let early = try #require(PlanShift(parsing: "nightly.jsonl=-20m"))
        #expect(early.seconds == -1_200)
    }

    @Test func theSDKRetryPolicyAddsWaitsAndReducesFailures() throws {
        // Bursts of 55 calls at once every 5 minutes: 5 over the RPM bucket each time.
        var calls: [DemandCall] = []
        for burst in 0..<6 {
            for index in 0..<55 {
                calls.append(DemandCall(arrival: Self.t0 + Double(burst) * 300 + Double(index) * 0.01, duration: 1,
                                        usage: Usage(inputTokens: 10, outputTokens: 1)))
            }
        }
        let demand = Self.demand(calls)
        let none = try Self.run(demand, retry: .none)
        let sdk = try Self.run(demand, retry: .sdkDefault)
        #expect(none.failed == 6 * 5, "\(none.failed)")
        #expect(none.waitP95 == 0)
        #expect(sdk.failed < none.failed, "\(sdk.failed) vs \(none.failed)")
        #expect(sdk.waitMax >= 2, "a retry waits retry-after (2 s) at least: \(sdk.waitMax)")
        // Twice the ITPM bucket at once: 10 calls fit, 2 more on retries (about 6 s and 12 s
        // later, as the bucket refills 3,000 tokens at a time), 8 fail; 2 of 12 admitted waited.
        let burst = (0..<20).map { DemandCall(arrival: Self.t0 + Double($0) * 0.01, duration: 1, usage: Usage(inputTokens: 3_000, outputTokens: 1)) }
        let itpm = try Self.run(Self.demand(burst), retry: .sdkDefault)
        #expect(itpm.failed == 8, "\(itpm.failed)")
        #expect(itpm.waitP50 == 0)
        #expect(itpm.waitP95 > 10, "\(itpm.waitP95)")
        #expect(sdk.attempts > none.attempts, "retries are attempts too")
        let more = try Self.run(demand, retry: .sdk(maxRetries: 10))
        #expect(more.failed == 0)
    }

    @Test func parsing() {
        #expect(PlanRetryPolicy(parsing: "sdk") == .sdk(maxRetries: 2))
        #expect(PlanRetryPolicy(parsing: "SDK:5") == .sdk(maxRetries: 5))
        #expect(PlanRetryPolicy(parsing: "none") == PlanRetryPolicy.none)
        #expect(PlanRetryPolicy(parsing: "sdk:99") == nil)
        #expect(PlanRetryPolicy(parsing: "always") == nil)
        #expect(PlanSelector(parsing: "team=backfill") == .field("team", "backfill"))
        #expect(PlanSelector(parsing: "haiku-4.5") == .name("haiku-4.5"))
        #expect(PlanSelector(parsing: "=x") == nil)
        #expect(PlanShift(parsing: "team=backfill=+2h") == PlanShift(selector: .field("team", "backfill"), seconds: 7_200))
        #expect(PlanShift(parsing: "nightly=+1.5h")?.seconds == 5_400)
        #expect(PlanShift(parsing: "nightly=2h") == nil, "a sign is required")
        #expect(PlanShift(parsing: "nightly=+2d") == nil)
        #expect(PlanShift(parsing: "=+2h") == nil)
    }

    @Test func aSelectorThatMatchesNothingSaysWhatTheLogHas() throws {
        let demand = Self.demand(Self.steady(every: 2, minutes: 1))
        #expect(throws: PlanError.self) { try Planner.prepare(demand, assumptions: PlanAssumptions(batch: [.name("opus-5")]), table: Self.table) }
        #expect(try Planner.prepare(demand, assumptions: PlanAssumptions(batch: [.name("claude-sonnet-4-5*")]), table: Self.table)
            .isBatch.allSatisfy { $0 })
        #expect(try Planner.prepare(demand, assumptions: PlanAssumptions(batch: [.name("sonnet-4.x")]), table: Self.table)
            .isBatch.allSatisfy { $0 })
    }

    @Test func theSpendCapSaysWhen() throws {
        // 1,000 calls of 100k input at $3/MTok: $0.30 each, $100 after 334 calls.
        let calls = (0..<1_000).map {
            DemandCall(arrival: Self.t0 + Double($0), duration: 1, usage: Usage(inputTokens: 100_000))
        }
        var scenario = PlanScenario(name: "Tier 1", tierID: "tier1", limits: [nil], spendCapUSD: 100, retry: .none)
        let result = try #require(try Planner.run(Self.demand(calls), scenarios: [scenario], table: Self.table).first)
        #expect(abs(result.costUSD - 300) < 1e-6)
        #expect(result.spendCapReachedAt == calls[333].arrival, "\(String(describing: result.spendCapReachedAt))")
        scenario.spendCapUSD = 500
        let under = try #require(try Planner.run(Self.demand(calls), scenarios: [scenario], table: Self.table).first)
        #expect(under.spendCapReachedAt == nil)
    }
}

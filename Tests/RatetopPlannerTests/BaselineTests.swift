import RatetopCore
import RatetopIO
import RatetopPlanner
import RatetopSimulation
import RatetopTestSupport
import Testing

/// The baseline row (the log's own limits, the SDK's retries) reproduces the 429 share the log
/// shows: on the bundled sample and on simulated logs whose truth is known.
@Suite("Plan baseline", .tags(.unit))
struct BaselineTests {
    static let table: LimitsTable = try! BundledLimitsTable.load()

    /// The bundled sample day (samples/day.jsonl), read through the file path every command uses.
    static let samplePath: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/samples/day.jsonl"
    }()

    static func demand(path: String) throws -> Demand {
        let models = ModelCatalog()
        let sources = try SourceOpener.open(paths: [path], format: nil, models: models, diagnostics: Diagnostics())
        var builder = DemandBuilder(table: table, models: models)
        for source in sources {
            while let event = source.next() { builder.add(event) }
        }
        return builder.build(sourceNames: sources.map(\.displayName))
    }

    static func demand(simulated attempts: [SimulatedAttempt]) -> Demand {
        let models = ModelCatalog()
        var builder = DemandBuilder(table: table, models: models)
        for attempt in attempts.sorted(by: { $0.end < $1.end }) { builder.add(attempt.exchange(models: models)) }
        return builder.build(sourceNames: ["simulated"])
    }

    static func baseline(_ demand: Demand, tiers: [String] = []) throws -> (PlanSetup, [PlanResult]) {
        let setup = try PlanRequest(tiers: tiers).setup(for: demand, table: table)
        return (setup, try Planner.run(demand, scenarios: setup.scenarios, table: table))
    }

    @Test func theSampleDaysBaselineReproducesItsObservedShare() throws {
        let demand = try Self.demand(path: Self.samplePath)
        #expect(demand.observed.attempts == 3_291)
        #expect(demand.observed.throttled > 100, "the sample has 429 storms")
        let (setup, results) = try Self.baseline(demand, tiers: ["all"])
        #expect(setup.baselineTier?.id == "tier1")
        #expect(results.map(\.scenario.tierID) == ["tier1", "tier2", "tier3", "tier4"])
        let baseline = try #require(results.first)
        #expect(baseline.scenario.isBaseline)
        let observed = demand.observed.throttledShare
        #expect(Planner.reproduces(replayed: baseline.throttledShare, observed: observed),
                "replayed \(baseline.throttledShare), observed \(observed)")
        // The next tier up absorbs the day.
        #expect(results[1].throttled == 0, "\(results[1].throttled)")
        #expect(results[1].binding.map { ($0.share ?? 1) < 1 } == true)
        // Every call counted once: calls + matched retries = attempts.
        #expect(demand.calls.count + demand.observed.retriesMatched == demand.observed.attempts)
    }

    struct Simulated: Sendable, CustomTestStringConvertible {
        var name: String
        var model: @Sendable () -> TrafficModel
        var seed: UInt64
        var testDescription: String { "\(name) seed \(seed)" }
    }

    static let simulated: [Simulated] = [
        Simulated(name: "sample day", model: { TrafficModel.sampleDay() }, seed: 7),
        Simulated(name: "sample day", model: { TrafficModel.sampleDay() }, seed: 2026),
        Simulated(name: "bursty hour", model: { TrafficModel.burstyHour() }, seed: 11),
        Simulated(name: "bursty hour", model: { TrafficModel.burstyHour() }, seed: 42),
    ]

    @Test(arguments: simulated)
    func simulatedLogsWithKnownTruth(_ c: Simulated) throws {
        let attempts = TrafficSimulation.run(c.model(), seed: c.seed)
        let truthCalls = Set(attempts.map(\.callID)).count
        let reached = attempts.filter { $0.status != 529 }
        let truthShare = Double(reached.filter { $0.status == 429 }.count) / Double(reached.count)
        let demand = Self.demand(simulated: attempts)
        #expect(abs(demand.observed.throttledShare - truthShare) < 1e-12)
        // The retry matching finds the logical calls.
        let callError = abs(Double(demand.calls.count - truthCalls)) / Double(truthCalls)
        #expect(callError < 0.02, "\(c.testDescription): \(demand.calls.count) calls built, \(truthCalls) made")
        let (_, results) = try Self.baseline(demand)
        let baseline = try #require(results.first)
        #expect(Planner.reproduces(replayed: baseline.throttledShare, observed: truthShare),
                "\(c.testDescription): replayed \(baseline.throttledShare), truth \(truthShare)")
    }

    @Test func retriesAreMatchedByRetryAfterAndBackoff() {
        let models = ModelCatalog()
        let model = models.intern("claude-sonnet-4-5-20250929")
        var builder = DemandBuilder(table: Self.table, models: models)
        let t0 = 1_776_160_800.0
        // Call A: 429 with retry-after 3 at t0+0.2, retried at t0+3.25, succeeds.
        builder.add(Exchange(end: t0 + 0.2, start: t0, model: model, status: 429, errorKind: .rateLimited, retryAfter: 3))
        builder.add(Exchange(end: t0 + 5, start: t0 + 3.25, model: model, usage: Usage(inputTokens: 900, outputTokens: 80)))
        // Call B: a fresh call in between, not a retry (too early for A's window).
        builder.add(Exchange(end: t0 + 2, start: t0 + 1, model: model, usage: Usage(inputTokens: 100, outputTokens: 10)))
        // Call C: 529 without retry-after; backoff 0.375–0.5 s; retried at +0.45, 429, retry-after 2, then success.
        builder.add(Exchange(end: t0 + 10.3, start: t0 + 10, model: model, status: 529, errorKind: .overloaded))
        builder.add(Exchange(end: t0 + 10.9, start: t0 + 10.75, model: model, status: 429, errorKind: .rateLimited, retryAfter: 2))
        builder.add(Exchange(end: t0 + 14, start: t0 + 12.95, model: model, usage: Usage(inputTokens: 500, outputTokens: 50)))
        // Call D: 429 never retried (the client gave up): its usage is the model's mean.
        builder.add(Exchange(end: t0 + 100.1, start: t0 + 100, model: model, status: 429, errorKind: .rateLimited, retryAfter: 9))
        let demand = builder.build()
        #expect(demand.calls.count == 4)
        #expect(demand.calls.map(\.attempts) == [2, 1, 3, 1])
        #expect(demand.calls.map(\.succeeded) == [true, true, true, false])
        #expect(demand.calls[0].arrival == t0)
        #expect(demand.calls[0].usage.inputTokens == 900)
        #expect(demand.calls[3].imputed)
        #expect(demand.calls[3].usage.inputTokens == 500, "(900 + 100 + 500) / 3")
        #expect(demand.observed.retriesMatched == 3)
        #expect(demand.observed.throttled == 3)
        #expect(demand.observed.overloaded == 1)
        #expect(demand.observed.failedCalls == 1)
        #expect(demand.observed.throttledShare == 3.0 / 6.0)
    }
}

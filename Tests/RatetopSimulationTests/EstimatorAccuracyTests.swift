import RatetopCore
import RatetopIO
import RatetopSimulation
import Testing
import RatetopTestSupport

/// How close ratetop's engine gets to the true buckets.
///
/// The reference limiter is driven with four seeded hours of bursty Tier 1 traffic
/// (`TrafficModel.burstyHour()`: 429 storms on all three dimensions, retries, cache writes and
/// reads, 529s). Its attempts are fed to `UsageEngine` in completion order, exactly as a log
/// would deliver them, and every simulated second the engine's estimate of each bucket is
/// compared with the true level (both clamped to `0...capacity`, as a header would show them).
/// The error is the mean absolute difference in % of capacity, per dimension over all buckets
/// and per bucket; the figures are printed with the log-only floor beside them.
@Suite("Estimator accuracy", .tags(.unit))
struct EstimatorAccuracyTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var includeHeaders: Bool
        var tierID: String?
        /// The target: mean absolute error in % of capacity, per dimension.
        var targetPercent: Double
        var testDescription: String { name }
    }

    static let scenarios = [
        Scenario(name: "with headers", includeHeaders: true, tierID: nil, targetPercent: 3),
        Scenario(name: "without headers, --tier tier1", includeHeaders: false, tierID: "tier1", targetPercent: 5),
    ]

    /// Per dimension: summed absolute error (fraction of capacity) and the number of samples.
    struct ErrorTally {
        var sum = PerDimension(repeating: 0.0)
        var count = 0
        var missing = 0
        var worst = PerDimension(repeating: 0.0)

        mutating func add(_ errors: PerDimension<Double>) {
            for dimension in Dimension.allCases {
                sum[dimension] += errors[dimension]
                worst[dimension] = max(worst[dimension], errors[dimension])
            }
            count += 1
        }

        func meanPercent(_ dimension: Dimension) -> Double {
            count > 0 ? 100 * sum[dimension] / Double(count) : .nan
        }
    }

    @Test func scenarioLimitsAreTheBundledTier1() throws {
        let table = try BundledLimitsTable.load()
        let tier = try #require(table.tier(named: "tier1")?.tier)
        for limits in TrafficModel.burstyHour().classes {
            #expect(tier.limits[limits.classID] == limits.limits, "\(limits.classID)")
        }
    }

    /// Four independent hours (seeds), so the figures do not hang on one draw of the traffic.
    static let seeds: [UInt64] = [2026, 1, 7, 99]

    /// How far above the log-only floor a bucket's error may be where the floor itself is above
    /// the target (percentage points). See `CompletedUsageOracle`.
    static let allowanceOverFloor = 1.5

    /// The tallies of one scenario over all seeds.
    struct Measurement {
        var overall = ErrorTally()
        var perClass: [String: ErrorTally] = [:]
        var floor: [String: ErrorTally] = [:]
        var attempts = 0
        var throttled = 0
        var minutes = 0.0
    }

    @Test(arguments: scenarios)
    func engineTracksTheTrueBuckets(_ scenario: Scenario) throws {
        let table = try BundledLimitsTable.load()
        let traffic = TrafficModel.burstyHour()
        var measurement = Measurement()
        for seed in Self.seeds {
            try measure(scenario, traffic: traffic, table: table, seed: seed, into: &measurement)
        }

        func line(_ label: String, _ tally: ErrorTally) -> String {
            let figures = Dimension.allCases.map { dimension in
                "\(dimension.limitName) \(fixed(tally.meanPercent(dimension), 2))% (worst \(fixed(100 * tally.worst[dimension], 0))%)"
            }.joined(separator: ", ")
            return "  \(label): \(figures); \(tally.count) samples\(tally.missing > 0 ? ", \(tally.missing) with no estimate" : "")"
        }
        var report = ["Estimator accuracy [\(scenario.name)]: mean |estimate - true| in % of capacity, sampled every simulated second; "
            + "\(Self.seeds.count) bursty Tier 1 hours (\(Int(measurement.minutes)) min, \(measurement.attempts) attempts, "
            + "\(measurement.throttled) throttled); target <= \(fixed(scenario.targetPercent, 0))%"]
        for limits in traffic.classes {
            report.append(line(limits.classID, measurement.perClass[limits.classID] ?? ErrorTally()))
        }
        report.append(line("all classes", measurement.overall))
        for limits in traffic.classes {
            report.append(line("floor \(limits.classID) (exact completed usage, nothing in flight, no headers)",
                               measurement.floor[limits.classID] ?? ErrorTally()))
        }
        print(report.joined(separator: "\n"))

        #expect(measurement.overall.count > 20_000, "both classes measured for most of every hour")
        // The target, per dimension over all buckets.
        for dimension in Dimension.allCases {
            let error = measurement.overall.meanPercent(dimension)
            #expect(error <= scenario.targetPercent,
                    "\(scenario.name): \(dimension.limitName) mean error \(fixed(error, 2))% of capacity, target \(fixed(scenario.targetPercent, 0))%")
        }
        // Per bucket: the target too. Without headers, where no estimator that sees only
        // completed requests could reach it (the floor is above it), stay close to the floor.
        for limits in traffic.classes {
            let tally = measurement.perClass[limits.classID] ?? ErrorTally()
            let floor = measurement.floor[limits.classID] ?? ErrorTally()
            for dimension in Dimension.allCases {
                let error = tally.meanPercent(dimension)
                let bound = scenario.includeHeaders
                    ? scenario.targetPercent
                    : max(scenario.targetPercent, floor.meanPercent(dimension) + Self.allowanceOverFloor)
                #expect(error <= bound,
                        "\(scenario.name): \(limits.classID) \(dimension.limitName) mean error \(fixed(error, 2))%, bound \(fixed(bound, 2))%")
            }
        }
    }

    /// Runs one hour of traffic through the reference limiter and the engine, scoring every second.
    func measure(_ scenario: Scenario, traffic: TrafficModel, table: LimitsTable, seed: UInt64,
                 into measurement: inout Measurement) throws {
        let models = ModelCatalog()
        let engine = UsageEngine(configuration: EngineConfiguration(table: table, tierID: scenario.tierID), models: models)
        var simulation = TrafficSimulation(model: traffic, seed: seed)
        var oracles = Dictionary(uniqueKeysWithValues: traffic.classes.map {
            ($0.classID, CompletedUsageOracle(limits: $0, start: traffic.start))
        })
        measurement.minutes += (traffic.end - traffic.start) / 60
        var time = traffic.start
        while time < traffic.end {
            time += 1
            for attempt in simulation.advance(to: time) {
                measurement.attempts += 1
                if attempt.status == 429 { measurement.throttled += 1 }
                if attempt.status == 200 { oracles[attempt.classID]?.add(attempt) }
                engine.ingest(attempt.exchange(models: models, includeHeaders: scenario.includeHeaders))
            }
            let state = engine.state(at: time)
            for limits in traffic.classes {
                // Measured once the engine has seen the class: it cannot know of it before.
                guard let bucket = state.buckets.first(where: { $0.classID == limits.classID }) else { continue }
                let truth = try #require(simulation.trueLevel(classID: limits.classID, at: time))
                let floorLevel = oracles[limits.classID]?.level(at: time) ?? truth
                var errors = PerDimension(repeating: 0.0)
                var floorErrors = PerDimension(repeating: 0.0)
                var missing = false
                for dimension in Dimension.allCases {
                    let capacity = Double(limits.limits[dimension])
                    func clamped(_ level: Double) -> Double { min(max(level, 0), capacity) }
                    let actual = clamped(truth[dimension])
                    // An unknown estimate is scored as if the bucket were taken to be full.
                    if bucket.remaining[dimension] == nil { missing = true }
                    let estimate = bucket.remaining[dimension].map(clamped) ?? capacity
                    errors[dimension] = abs(estimate - actual) / capacity
                    floorErrors[dimension] = abs(clamped(floorLevel[dimension]) - actual) / capacity
                }
                measurement.overall.add(errors)
                measurement.perClass[limits.classID, default: ErrorTally()].add(errors)
                measurement.floor[limits.classID, default: ErrorTally()].add(floorErrors)
                if missing {
                    measurement.overall.missing += 1
                    measurement.perClass[limits.classID, default: ErrorTally()].missing += 1
                }
            }
        }
    }
}

/// `value` with `digits` decimals (no Foundation here: its `Dimension` clashes with ratetop's).
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((abs(value) * scale).rounded())
    let whole = scaled / Int(scale)
    let sign = value < 0 && scaled > 0 ? "-" : ""
    guard digits > 0 else { return sign + String(whole) }
    let fraction = String(scaled % Int(scale))
    return sign + String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
}

/// Replays every completed request of one class, exactly, into a fresh reference limiter: the
/// level an estimator would compute if it knew all completed usage perfectly but saw nothing
/// still in flight (and no headers).
struct CompletedUsageOracle {
    let limits: ModelClassLimits
    let start: Double
    private var completed: [SimulatedAttempt] = []
    private var limiter: ReferenceLimiter
    private var stale = false

    init(limits: ModelClassLimits, start: Double) {
        self.limits = limits
        self.start = start
        limiter = ReferenceLimiter(classID: limits.classID, limits: limits.limits, cacheReadsCount: limits.cacheReadsCount, start: start)
    }

    mutating func add(_ attempt: SimulatedAttempt) {
        let index = completed.firstIndex { $0.start > attempt.start } ?? completed.count
        completed.insert(attempt, at: index)
        stale = true
    }

    mutating func level(at time: Double) -> PerDimension<Double> {
        if stale {
            limiter = ReferenceLimiter(classID: limits.classID, limits: limits.limits, cacheReadsCount: limits.cacheReadsCount, start: start)
            for attempt in completed {
                limiter.charge(at: attempt.start, countedInput: attempt.usage.countedInputTokens(cacheReadsCount: limits.cacheReadsCount),
                               outputTokens: attempt.usage.outputTokens, end: attempt.end)
            }
            stale = false
        }
        return limiter.level(at: time)
    }
}

import RatetopCore
import RatetopIO
import RatetopSimulation
import Testing

/// How close ratetop's engine gets to the true buckets.
///
/// The reference limiter is driven with an hour of bursty Tier 1 traffic (429 storms on all
/// three dimensions, retries, cache writes and reads, 529s). Its attempts are fed to
/// `UsageEngine` in completion order, exactly as a log would deliver them, and every simulated
/// second the engine's estimate of each bucket is compared with the true level (both clamped
/// to `0...capacity`, as a header would show them). The error is the mean absolute difference
/// in % of capacity, per dimension, over both model classes.
@Suite("Estimator accuracy")
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

    @Test(arguments: scenarios)
    func engineTracksTheTrueBuckets(_ scenario: Scenario) throws {
        let table = try BundledLimitsTable.load()
        let traffic = TrafficModel.burstyHour()
        let models = ModelCatalog()
        let engine = UsageEngine(configuration: EngineConfiguration(table: table, tierID: scenario.tierID), models: models)
        var simulation = TrafficSimulation(model: traffic, seed: 2026)

        var overall = ErrorTally()
        var perClass: [String: ErrorTally] = [:]
        var attempts = 0
        var throttled = 0
        var time = traffic.start
        while time < traffic.end {
            time += 1
            for attempt in simulation.advance(to: time) {
                attempts += 1
                if attempt.status == 429 { throttled += 1 }
                engine.ingest(attempt.exchange(models: models, includeHeaders: scenario.includeHeaders))
            }
            let state = engine.state(at: time)
            for limits in traffic.classes {
                // Measure once the engine has seen the class (it cannot know of it before).
                guard let bucket = state.buckets.first(where: { $0.classID == limits.classID }) else { continue }
                guard let truth = simulation.trueLevel(classID: limits.classID, at: time) else {
                    Issue.record("the simulation has no limiter for \(limits.classID)")
                    return
                }
                var errors = PerDimension(repeating: 0.0)
                var missing = false
                for dimension in Dimension.allCases {
                    let capacity = Double(limits.limits[dimension])
                    let actual = min(max(truth[dimension], 0), capacity)
                    // An unknown estimate is scored as if the bucket were taken to be full.
                    let estimate = bucket.remaining[dimension].map { min(max($0, 0), capacity) } ?? capacity
                    if bucket.remaining[dimension] == nil { missing = true }
                    errors[dimension] = abs(estimate - actual) / capacity
                }
                overall.add(errors)
                perClass[limits.classID, default: ErrorTally()].add(errors)
                if missing {
                    overall.missing += 1
                    perClass[limits.classID, default: ErrorTally()].missing += 1
                }
            }
        }

        func line(_ label: String, _ tally: ErrorTally) -> String {
            let figures = Dimension.allCases.map { dimension in
                "\(dimension.limitName) \(fixed(tally.meanPercent(dimension), 2))% (worst \(fixed(100 * tally.worst[dimension], 0))%)"
            }.joined(separator: ", ")
            return "  \(label): \(figures); \(tally.count) samples\(tally.missing > 0 ? ", \(tally.missing) with no estimate" : "")"
        }
        var report = ["Estimator accuracy [\(scenario.name)], mean |estimate - true| in % of capacity, "
            + "\(Int((traffic.end - traffic.start) / 60)) simulated minutes, \(attempts) attempts, \(throttled) throttled, target <= \(Int(scenario.targetPercent))%:"]
        for limits in traffic.classes {
            report.append(line(limits.classID, perClass[limits.classID] ?? ErrorTally()))
        }
        report.append(line("all classes", overall))
        print(report.joined(separator: "\n"))

        #expect(overall.count > 3_000, "both classes measured for most of the hour")
        for dimension in Dimension.allCases {
            #expect(overall.meanPercent(dimension) <= scenario.targetPercent,
                    "\(scenario.name): \(dimension.limitName) mean error \(fixed(overall.meanPercent(dimension), 2))% of capacity exceeds the \(scenario.targetPercent)% target")
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

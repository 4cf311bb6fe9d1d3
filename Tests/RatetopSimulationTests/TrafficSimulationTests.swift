import RatetopCore
import RatetopSimulation
import Testing
import RatetopTestSupport

@Suite("TrafficSimulation", .tags(.unit))
struct TrafficSimulationTests {
    /// The morning batch job: 45 minutes around it.
    static let window = TrafficModel.sampleDay(from: 10.25, until: 11)

    @Test func sameSeedSameAttempts() {
        let first = TrafficSimulation.run(Self.window, seed: 42)
        let second = TrafficSimulation.run(Self.window, seed: 42)
        #expect(!first.isEmpty)
        #expect(first == second)
        let other = TrafficSimulation.run(Self.window, seed: 43)
        #expect(other != first)
    }

    @Test func seededGeneratorIsStable() {
        var rng = SplitMix64(seed: 0)
        // Reference values of SplitMix64 seeded with 0.
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        var unit = SplitMix64(seed: 9)
        for _ in 0..<1_000 {
            let value = unit.unit()
            #expect(value >= 0 && value < 1)
        }
    }

    @Test func attemptsComeInCompletionOrder() {
        let attempts = TrafficSimulation.run(Self.window, seed: 1)
        for (earlier, later) in zip(attempts, attempts.dropFirst()) {
            #expect(earlier.end <= later.end)
        }
        for attempt in attempts {
            #expect(attempt.start <= attempt.end)
        }
    }

    @Test func retriesFollowTheSDKs() {
        let attempts = TrafficSimulation.run(Self.window, seed: 1)
        var byCall: [Int: [SimulatedAttempt]] = [:]
        for attempt in attempts { byCall[attempt.callID, default: []].append(attempt) }
        var retriesAfterA429 = 0
        for (_, tries) in byCall {
            let ordered = tries.sorted { $0.retryNumber < $1.retryNumber }
            #expect(ordered.count <= 3, "at most two retries")
            #expect(ordered.map(\.retryNumber) == Array(0..<ordered.count))
            #expect(ordered.dropLast().allSatisfy { $0.status != 200 }, "only failures are retried")
            for (previous, next) in zip(ordered, ordered.dropFirst()) {
                if previous.status == 429, let retryAfter = previous.retryAfter {
                    retriesAfterA429 += 1
                    #expect(next.start >= previous.end + Double(retryAfter), "retry-after honoured")
                }
            }
        }
        #expect(retriesAfterA429 > 0, "the window has retries after a 429 for retry-after to be checked on")
    }

    @Test func throttledAttemptsMatchTheLimiter() {
        let attempts = TrafficSimulation.run(Self.window, seed: 1)
        let throttled = attempts.filter { $0.status == 429 }
        #expect(!throttled.isEmpty, "the batch job overruns 30k ITPM")
        for attempt in throttled {
            #expect(attempt.limitedDimension != nil)
            #expect((attempt.retryAfter ?? 0) >= 1)
            #expect(attempt.usage == .zero)
            #expect(attempt.headers != nil)
        }
        for attempt in attempts where attempt.status == 200 {
            #expect(attempt.usage.outputTokens > 0)
            #expect(attempt.headers != nil)
        }
        for attempt in attempts where attempt.status == 529 {
            #expect(attempt.headers == nil)
        }
    }

    @Test func advanceHandsOutWhatCompletedAndTrueLevelsStayInRange() {
        var simulation = TrafficSimulation(model: Self.window, seed: 3)
        var collected: [SimulatedAttempt] = []
        var time = Self.window.start
        while time < Self.window.end + 120 {
            time += 1
            let done = simulation.advance(to: time)
            #expect(done.allSatisfy { $0.end <= time })
            collected += done
            for limits in Self.window.classes {
                guard let level = simulation.trueLevel(classID: limits.classID, at: time) else {
                    Issue.record("no limiter for \(limits.classID)")
                    return
                }
                for dimension in Dimension.allCases {
                    #expect(level[dimension] <= Double(limits.limits[dimension]) + 1e-6)
                }
                #expect(level.requests >= -1e-9 && level.inputTokens >= -1e-6)
            }
        }
        #expect(collected == TrafficSimulation.run(Self.window, seed: 3), "advance and nextAttempt agree")
    }

    @Test func sampleDayHasTheStoriesItPromises() {
        let attempts = TrafficSimulation.run(.sampleDay(), seed: 20_260_414)
        #expect((3_000...6_000).contains(attempts.count))
        let limited = Set(attempts.compactMap { $0.status == 429 ? $0.limitedDimension : nil })
        #expect(limited == Set(Dimension.allCases), "429s on requests, input and output")
        #expect(attempts.contains { $0.status == 529 })
        #expect(attempts.contains { $0.usage.cacheReadInputTokens > 0 })
        #expect(attempts.contains { $0.usage.cacheCreationInputTokens > 0 })
        #expect(attempts.contains { $0.status == 200 && $0.usage.cacheReadInputTokens == 0 && $0.usage.cacheCreationInputTokens == 0 })
        #expect(Set(attempts.map(\.model)) == ["claude-sonnet-4-5-20250929", "claude-sonnet-4-6", "claude-haiku-4-5-20251001"])
        let first = attempts.first?.end ?? 0, last = attempts.last?.end ?? 0
        #expect(first >= TrafficModel.sampleDayMidnight + 8 * 3600)
        #expect(last <= TrafficModel.sampleDayMidnight + 18.6 * 3600)
    }

    @Test func rateProfileInterpolates() {
        let profile = RateProfile(perMinute: 60, shape: [.init(hour: 8, factor: 0), .init(hour: 10, factor: 1)])
        let midnight = TrafficModel.sampleDayMidnight
        #expect(profile.ratePerSecond(at: midnight + 7 * 3600) == 0)
        #expect(abs(profile.ratePerSecond(at: midnight + 9 * 3600) - 0.5) < 1e-12)
        #expect(profile.ratePerSecond(at: midnight + 11 * 3600) == 1)
        #expect(profile.maximumRatePerSecond == 1)
    }
}

import PropertyBased
import Testing
@testable import RatetopCore

@Suite(.tags(.unit))
struct MinuteRingTests {
    /// The percentile by sorting, as it was computed before the one-pass selection.
    static func sortedP95(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((0.95 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count, rank) - 1)]
    }

    @Test("p95 by nearest rank: the one-pass path (up to 39 values) and the sorted one give the sorted answer")
    func p95MatchesSorting() async {
        // Few distinct values, so ties at the top are common.
        await propertyCheck(count: 500, input: Gen.int(in: 0...6).array(of: 0...60)) { raw in
            let values = raw.map { Double($0) * 1_000 }
            var copy = values
            let p95 = copy.withUnsafeMutableBufferPointer { MinuteRing.p95($0) }
            #expect(p95 == Self.sortedP95(values), "\(values)")
        }
    }

    @Test("p95 examples: 19 values give the largest, 20 to 39 the second largest, ties counted")
    func p95Examples() {
        func p95(_ values: [Double]) -> Double {
            var copy = values
            return copy.withUnsafeMutableBufferPointer { MinuteRing.p95($0) }
        }
        #expect(p95([]) == 0)
        #expect(p95([7]) == 7)
        #expect(p95((1...19).map(Double.init)) == 19)
        #expect(p95((1...20).map(Double.init)) == 19)
        #expect(p95((1...21).map(Double.init)) == 20)
        #expect(p95([9, 9] + Array(repeating: 1, count: 28)) == 9)
        #expect(p95((1...40).map(Double.init)) == 38)
    }

    @Test("extremes bound every trend the held minutes can still give, and are the held minutes' own")
    func extremesBoundEveryLaterTrend() async {
        // Minutes at offsets 0...45 from a base; each with usage, cache reads, a 429 or nothing.
        let minute = zip(Gen.int(in: 0...45), Gen.int(in: 0...40), Gen.int(in: 0...10), Gen.int(in: 0...5))
        await propertyCheck(count: 400, input: minute.array(of: 0...40), Gen.int(in: 0...50)) { minutes, now in
            let base = 29_000_000.0 * 60
            var ring = MinuteRing()
            for (offset, size, read, limited) in minutes {
                ring.withMinute(base + Double(offset) * 60 + 7) { totals in
                    totals.requests += Double(size % 7)
                    totals.countedInput += Double(size * 1_000)
                    totals.output += Double(size * 37)
                    totals.allInput += Double(size * 1_000 + read * 900)
                    totals.cacheRead += Double(read * 900)
                    if limited == 0 { totals.limited += 1 }
                }
            }
            let time = base + Double(now) * 60 + 30
            let extremes = ring.extremes(from: time)
            for later in 0...40 {
                let trend = ring.trend(at: time + Double(later) * 60)
                for dimension in RatetopCore.Dimension.allCases {
                    #expect(trend.p95PerMinute[dimension] <= extremes.perMinute[dimension], "\(dimension) at +\(later) min")
                }
                #expect(trend.cacheHitBaseline.map { $0 <= extremes.cacheHitRate } ?? true)
                #expect(trend.activeMinutes <= extremes.activeMinutes)
                #expect(trend.limitedMinutes <= extremes.limitedMinutes)
            }
        }
    }

    @Test("extremes read the minutes a later trend can cover, not older ones")
    func extremesExample() {
        let base = 29_000_000.0 * 60
        var ring = MinuteRing()
        func add(_ minute: Int, requests: Double, read: Double, limited: Bool = false) {
            ring.withMinute(base + Double(minute) * 60) { totals in
                totals.requests += requests
                totals.allInput += 1_000
                totals.cacheRead += read
                if limited { totals.limited += 1 }
            }
        }
        add(0, requests: 100, read: 1_000, limited: true)  // 31 minutes before: no later trend covers it
        add(20, requests: 5, read: 200, limited: true)
        add(30, requests: 9, read: 600)
        add(31, requests: 3, read: 0)
        let extremes = ring.extremes(from: base + 31 * 60 + 59)
        #expect(extremes.perMinute.requests == 9)
        #expect(extremes.cacheHitRate == 0.6)
        #expect(extremes.activeMinutes == 3)
        #expect(extremes.limitedMinutes == 1)
    }
}

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
}

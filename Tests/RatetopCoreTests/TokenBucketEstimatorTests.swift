import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct TokenBucketEstimatorTests {
    static func bucket(_ capacity: Double, at time: Double = 0) -> TokenBucketEstimator {
        var bucket = TokenBucketEstimator()
        bucket.setCapacity(capacity, at: time)
        return bucket
    }

    static func near(_ a: Double, _ b: Double, _ tolerance: Double = 1e-6) -> Bool { abs(a - b) <= tolerance }

    @Test func unknownUntilACapacityIsSet() {
        var bucket = TokenBucketEstimator()
        #expect(!bucket.isKnown)
        bucket.consume(100, at: 1)
        bucket.advance(to: 10)
        #expect(bucket.observe(remaining: 5, at: 10, below: 0, above: 1) == 0)
        #expect(bucket.level == 0)
        #expect(bucket.remaining == 0)
        bucket.setCapacity(0, at: 10)
        #expect(!bucket.isKnown)
    }

    @Test func aNewBucketStartsFull() {
        let bucket = Self.bucket(8000, at: 100)
        #expect(bucket.isKnown)
        #expect(bucket.capacity == 8000)
        #expect(bucket.level == 8000)
        #expect(bucket.time == 100)
    }

    /// (capacity, cost at 0, advance to, expected level)
    static let refills: [(Double, Double, Double, Double)] = [
        (6000, 6000, 0, 0),
        (6000, 6000, 1, 100),
        (6000, 6000, 30, 3000),
        (6000, 6000, 60, 6000),
        (6000, 6000, 600, 6000),
        (6000, 1000, 5, 5500),
        (6000, 1000, 10, 6000),
        (50, 50, 1.2, 1),
        (50, 10, 0, 40),
        (30000, 45000, 60, 15000),  // debt refills too
    ]

    @Test(arguments: refills)
    func refillsAtCapacityPerMinuteCappedAtCapacity(capacity: Double, cost: Double, at time: Double, expected: Double) {
        var bucket = Self.bucket(capacity)
        bucket.consume(cost, at: 0)
        bucket.advance(to: time)
        #expect(Self.near(bucket.level, expected), "level \(bucket.level)")
        #expect(bucket.level <= capacity)
    }

    @Test func remainingIsClampedToTheBucket() {
        var bucket = Self.bucket(1000)
        bucket.consume(1500, at: 0)
        #expect(bucket.level == -500)
        #expect(bucket.remaining == 0)
    }

    @Test func advancingBackwardsDoesNothing() {
        var bucket = Self.bucket(6000)
        bucket.consume(6000, at: 0)
        bucket.advance(to: 30)
        bucket.advance(to: 10)
        #expect(bucket.level == 3000)
        #expect(bucket.time == 30)
    }

    @Test func pointConsumption() {
        var bucket = Self.bucket(50)
        for second in 0..<5 {
            bucket.advance(to: Double(second) * 0.01)
            bucket.consume(1, at: Double(second) * 0.01)
        }
        #expect(Self.near(bucket.level, 45 + 0.04 * 50 / 60), "level \(bucket.level)")
        bucket.consume(0, at: 1)
        bucket.consume(-3, at: 1)
        #expect(Self.near(bucket.level, 45 + 0.04 * 50 / 60))
    }

    /// The DECISIONS example: a 30 s response producing 2,000 output tokens on an idle 8,000
    /// OTPM bucket. The bucket sat full the whole time, so the refill it lost at the cap covers
    /// the cost: at the end it is still full.
    @Test func retroactiveConsumptionOnAFullBucketIsCredited() {
        var bucket = Self.bucket(8000, at: 0)
        bucket.advance(to: 70)
        bucket.advance(to: 100)
        bucket.consume(2000, from: 70, to: 100)
        #expect(bucket.level == 8000)
        #expect(bucket.remaining == 8000)
    }

    @Test func retroactiveInputOnAFullBucketIsCredited() {
        var bucket = Self.bucket(30000, at: 0)
        for t in stride(from: 1.0, through: 120, by: 1) { bucket.advance(to: t) }
        // 10,000 input at t = 100, learned at t = 120: 20 s at the cap refilled 10,000.
        bucket.consume(10000, at: 100)
        #expect(Self.near(bucket.level, 30000), "level \(bucket.level)")
        // A second cost at the same start can use only what was not already credited.
        bucket.consume(10000, at: 100)
        #expect(Self.near(bucket.level, 20000), "level \(bucket.level)")
    }

    @Test func partlyFullBucketIsCreditedOnlyForTheTimeAtTheCap() {
        var bucket = Self.bucket(6000, at: 0)
        bucket.consume(3000, at: 0)  // refills to the cap at t = 30
        for t in stride(from: 1.0, through: 40, by: 1) { bucket.advance(to: t) }
        #expect(bucket.level == 6000)
        // 2,000 that happened at t = 20 (bucket at 5,000 then): it would have been at 3,000 +
        // refill, reaching the cap at t = 50 instead of 30. So 10 s × 100 = 1,000 of the lost
        // refill (t 30...40) is credited and the level ends at 5,000.
        bucket.consume(2000, at: 20)
        #expect(Self.near(bucket.level, 5000, 1), "level \(bucket.level)")
    }

    /// On a busy bucket (never at the cap) nothing was wasted: the full cost lands.
    @Test func retroactiveConsumptionOnABusyBucketIsNotCredited() {
        var bucket = Self.bucket(8000, at: 0)
        bucket.consume(8000, at: 0)
        bucket.advance(to: 30)
        #expect(Self.near(bucket.level, 4000))
        bucket.consume(2000, from: 0, to: 30)
        #expect(Self.near(bucket.level, 2000), "level \(bucket.level)")
    }

    /// (estimate before, header remaining, expected level after, expected unexplained)
    static let observations: [(Double, Double, Double, Double)] = [
        (20000, 20000, 20000, 0),
        (20000, 19600, 20000, 0),    // within ±500: the estimate is finer, kept
        (20000, 20400, 20000, 0),
        (20000, 19500, 20000, 0),
        (20000, 20500, 20000, 0),
        (20000, 19000, 19000, 500),  // estimate above the header's range: snapped, gap reported
        (20000, 15000, 15000, 4500),
        (20000, 25000, 25000, 0),    // below the range: snapped up, nothing unexplained
        (20000, 0, 0, 19500),
    ]

    @Test(arguments: observations)
    func headerObservationKeepsOrSnaps(estimate: Double, header: Double, expected: Double, unexplained: Double) {
        var bucket = Self.bucket(30000, at: 0)
        bucket.consume(30000 - estimate, at: 0)
        #expect(bucket.level == estimate)
        let gap = bucket.observe(remaining: header, at: 0, below: 500, above: 500)
        #expect(Self.near(bucket.level, expected), "level \(bucket.level)")
        #expect(Self.near(gap, unexplained), "gap \(gap)")
        #expect(bucket.observedAt == 0)
    }

    @Test func exactRequestHeaders() {
        var bucket = Self.bucket(50, at: 0)
        bucket.consume(3, at: 0)
        #expect(bucket.observe(remaining: 47, at: 0, below: 0, above: 1) == 0)
        #expect(bucket.level == 47)
        #expect(bucket.observe(remaining: 45, at: 0, below: 0, above: 1) == 1)
        #expect(bucket.level == 45.5)
    }

    @Test func anOlderObservationIsBroughtForwardByTheRefill() {
        var bucket = Self.bucket(6000, at: 0)
        bucket.consume(6000, at: 0)
        bucket.advance(to: 20)  // estimate 2,000
        // The header says 0 at t = 10: by t = 20 that is 1,000; the estimate is 1,000 too high.
        let gap = bucket.observe(remaining: 0, at: 10, below: 0, above: 0)
        #expect(Self.near(gap, 1000))
        #expect(Self.near(bucket.level, 1000))
        #expect(bucket.time == 20)
        #expect(bucket.observedAt == 10)
    }

    @Test func costsBeforeTheObservationAreNotAppliedTwice() {
        var bucket = Self.bucket(30000, at: 0)
        bucket.advance(to: 10)
        bucket.observe(remaining: 12000, at: 10, below: 500, above: 500)
        #expect(bucket.level == 12000)
        bucket.consume(5000, at: 5)   // already in the header value
        bucket.consume(5000, at: 10)  // at the observation: already in it
        #expect(bucket.level == 12000)
        bucket.advance(to: 12)
        bucket.consume(1000, at: 11)  // after: applied
        #expect(Self.near(bucket.level, 12000 + 2 * 500 - 1000))
    }

    @Test func outputSpreadAcrossTheObservationCountsOnlyTheLaterPart() {
        var bucket = Self.bucket(8000, at: 0)
        bucket.consume(8000, at: 0)
        bucket.advance(to: 10)
        bucket.observe(remaining: 1000, at: 10, below: 0, above: 0)
        bucket.advance(to: 15)
        #expect(Self.near(bucket.level, 1000 + 5 * 8000 / 60))
        // 3,000 tokens generated evenly over 5...15: half of them after the observation.
        bucket.consume(3000, from: 5, to: 15)
        #expect(Self.near(bucket.level, 1000 + 5 * 8000 / 60 - 1500), "level \(bucket.level)")
        // Generated entirely before the observation: nothing.
        let before = bucket.level
        bucket.consume(3000, from: 2, to: 9)
        #expect(bucket.level == before)
    }

    @Test func capLowersButNeverRaises() {
        var bucket = Self.bucket(30000, at: 0)
        bucket.consume(10000, at: 0)
        bucket.cap(at: 50000)
        #expect(bucket.level == 20000)
        bucket.cap(at: 100)
        #expect(bucket.level == 100)
        bucket.cap(at: 0)
        #expect(bucket.level == 0)
        bucket.advance(to: 6)
        #expect(Self.near(bucket.level, 3000))
    }

    @Test func changingTheCapacityKeepsTheUsedPart() {
        var bucket = Self.bucket(50, at: 0)
        bucket.consume(10, at: 0)
        bucket.setCapacity(1000, at: 0)
        #expect(bucket.capacity == 1000)
        #expect(bucket.level == 990)
        bucket.setCapacity(100, at: 0)
        #expect(bucket.level == 90)
        bucket.setCapacity(100, at: 0)  // unchanged
        #expect(bucket.level == 90)
    }
}

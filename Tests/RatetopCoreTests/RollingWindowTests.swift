@testable import RatetopCore
import Testing
import RatetopTestSupport

/// The incremental sums must always equal a full scan, whatever order slots are written and
/// read in (late events into past seconds, gaps, jumps, slot reuse).
@Suite(.tags(.unit)) struct RollingWindowTests {
    /// A small deterministic generator.
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test("the next change of the window's sums: the held seconds searched from the newest back equal a brute-force scan",
          arguments: [11, 12, 13, 14, 15] as [UInt64])
    func nextChangeEqualsABruteForceScan(seed: UInt64) {
        var window = RollingWindow()
        var random = Random(state: seed)
        // What each ring slot holds: the latest second written to it (an older one is dropped).
        var slots: [Int: Int64] = [:]
        var now: Int64 = 2_000_000
        for _ in 0..<3_000 {
            // Sparse and dense stretches, late seconds, an occasional second ahead of `now`.
            now += Int64([0, 1, 7, 45, 400][random.next(5)])
            let second = now - Int64(random.next(4) == 0 ? random.next(40) : 0) + Int64(random.next(20) == 0 ? 90 : 0)
            window.withSlot(second: second) { $0.requests += 1 }
            let index = Int(UInt64(bitPattern: second) % UInt64(RollingWindow.seconds))
            if (slots[index] ?? .min) <= second { slots[index] = second }
            let asked = now - Int64(random.next(3) == 0 ? random.next(120) : 0)
            for span in [60, 300] as [Int64] {
                let held = slots.values
                let leaving = held.filter { $0 > asked - span && $0 <= asked }.map { $0 + span }.min()
                let entering = held.filter { $0 > asked }.min()
                let expected = [leaving, entering].compactMap { $0 }.min()
                #expect(window.nextChange(after: asked, span: span) == expected, "after \(asked), span \(span)")
            }
        }
    }

    @Test("with fractions (unexplained usage) the slid sums stay within rounding of a full scan",
          arguments: [21, 22, 23] as [UInt64])
    func fractionalSumsStayCloseToAFullScan(seed: UInt64) {
        var window = RollingWindow()
        var random = Random(state: seed)
        var now: Int64 = 3_000_000
        for _ in 0..<5_000 {
            now += Int64([0, 0, 1, 3, 20, 61, 400][random.next(7)])
            let second = now - Int64(random.next(5) == 0 ? random.next(30) : 0)
            let amount = Double(random.next(100_000)) / 7
            window.withSlot(second: second) { slot in
                slot.requests += 1
                slot.untracked.inputTokens += amount
            }
            guard random.next(2) == 0 else { continue }
            let (minute, five) = window.sums(endingAt: now)
            let (scannedMinute, scannedFive) = window.scan(endingAt: now)
            #expect(minute.requests == scannedMinute.requests && five.requests == scannedFive.requests)
            #expect(abs(minute.untracked.inputTokens - scannedMinute.untracked.inputTokens) < 1e-6)
            #expect(abs(five.untracked.inputTokens - scannedFive.untracked.inputTokens) < 1e-6)
        }
    }

    /// `scan` visits only the seconds the window holds, in the order of their slots: bit for bit
    /// the sums of a scan of all 300 slots (a reference ring kept beside it), fractions included,
    /// on dense, sparse and late seconds.
    @Test(arguments: [31, 32, 33] as [UInt64])
    func aScanOfTheHeldSecondsIsTheScanOfAllSlotsBitForBit(seed: UInt64) {
        var window = RollingWindow()
        var random = Random(state: seed)
        var referenceSecond = [Int64](repeating: .min, count: RollingWindow.seconds)
        var referenceAmount = [Double](repeating: 0, count: RollingWindow.seconds)
        var now: Int64 = 5_000_000
        for _ in 0..<5_000 {
            now += Int64([0, 0, 1, 2, 7, 59, 61, 299, 301, 5_000][random.next(10)])
            let second = now - Int64(random.next(4) == 0 ? random.next(400) : 0)
            let amount = Double(random.next(1_000_000)) / 7
            window.withSlot(second: second) { $0.untracked.inputTokens += amount }
            let index = Int(second % Int64(RollingWindow.seconds))
            if referenceSecond[index] < second {
                referenceSecond[index] = second
                referenceAmount[index] = 0
            }
            if referenceSecond[index] == second { referenceAmount[index] += amount }
            guard random.next(2) == 0 else { continue }
            var minute = 0.0, five = 0.0
            for index in 0..<RollingWindow.seconds where referenceSecond[index] > now - Int64(RollingWindow.seconds) && referenceSecond[index] <= now {
                five += referenceAmount[index]
                if referenceSecond[index] > now - 60 { minute += referenceAmount[index] }
            }
            let (scannedMinute, scannedFive) = window.scan(endingAt: now)
            #expect(scannedMinute.untracked.inputTokens == minute && scannedFive.untracked.inputTokens == five)
            if scannedMinute.untracked.inputTokens != minute || scannedFive.untracked.inputTokens != five { return }
        }
    }

    /// Sliding over the held seconds adds and removes the same totals in the same order as
    /// stepping every second: the same sums bit for bit, fractions included.
    @Test(arguments: [41, 42, 43] as [UInt64])
    func slidingOverHeldSecondsIsSteppingEverySecondBitForBit(seed: UInt64) {
        var stepping = RollingWindow()
        stepping.stepwiseSlide = .max
        var skipping = RollingWindow()
        skipping.stepwiseSlide = 0
        var random = Random(state: seed)
        var now: Int64 = 7_000_000
        for _ in 0..<5_000 {
            now += Int64([0, 0, 1, 2, 5, 9, 30, 59, 60, 61, 299, 301][random.next(12)])
            let second = now - Int64(random.next(4) == 0 ? random.next(400) : 0)
            let amount = Double(random.next(1_000_000)) / 7
            for index in 0..<2 {
                func add(_ slot: inout SecondTotals) {
                    slot.requests += 1
                    slot.untracked.inputTokens += amount
                }
                if index == 0 { stepping.withSlot(second: second, add) } else { skipping.withSlot(second: second, add) }
            }
            guard random.next(2) == 0 else { continue }
            let (minute, five) = stepping.sums(endingAt: now)
            let (skippedMinute, skippedFive) = skipping.sums(endingAt: now)
            #expect(minute == skippedMinute && five == skippedFive)
            if minute != skippedMinute || five != skippedFive { return }
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func incrementalSumsEqualAFullScan(seed: UInt64) {
        var window = RollingWindow()
        var random = Random(state: seed)
        var now: Int64 = 1_000_000
        for _ in 0..<5_000 {
            switch random.next(10) {
            case 0..<6:
                // An event in the current second or up to 30 s late.
                let second = now - Int64(random.next(4) == 0 ? random.next(30) : 0)
                let tokens = Double(random.next(5000))
                window.withSlot(second: second) { slot in
                    slot.requests += 1
                    slot.countedInput += tokens
                    if tokens > 4000 { slot.throttled += 1 }
                }
            case 6..<9:
                now += Int64(random.next(3))
            default:
                now += Int64(random.next(400))  // idle: past the whole window
            }
            if random.next(3) == 0 {
                let (minute, five) = window.sums(endingAt: now)
                let (scannedMinute, scannedFive) = window.scan(endingAt: now)
                #expect(minute == scannedMinute)
                #expect(five == scannedFive)
                if minute != scannedMinute || five != scannedFive { return }
            }
        }
    }
}

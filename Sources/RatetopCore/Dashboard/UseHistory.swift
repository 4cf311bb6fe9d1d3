/// What each bucket took, second by second, over the last hour: what the dashboard's activity
/// graph draws (use per second against the refill rate), beside `LevelHistory`'s levels.
///
/// Use is timed the way `TokenBucketEstimator` consumes it: an attempt's request and counted
/// input at its start second, its output spread evenly over the seconds from its start to its
/// end. What an attempt counts is the caller's (the dashboard counts every attempt, as the
/// `use/min` column does; a 429 carries no tokens). Recording is O(1) per event: each class keeps a ring of one slot per
/// second holding the *change* of the per-second use at that second (a request adds at its
/// second and removes at the next; output adds its rate at the start and removes it after the
/// end), so spreading a ten-minute generation costs two writes, not six hundred. Reading sums the
/// ring once (O(window)), which the dashboard does for the selected class only, at most once a
/// frame. Memory is fixed by the window: about 86 kB per class, whatever the log.
public struct UseHistory: Sendable {
    public static let seconds = LevelHistory.seconds
    /// Slots per ring: the window, the second after the newest (where its changes end) and one spare.
    static let slots = seconds + 2

    struct Ring: Sendable {
        /// The change of the use per second at each second, slot `second % slots`.
        var deltas: [PerDimension<Double>]
        /// The oldest second the ring holds.
        var start: Int64
        /// The use per second just before `start` (changes that left the ring, summed).
        var base: PerDimension<Double>
        /// The first second with any use: earlier seconds are unknown (nil), not idle.
        var first: Int64

        /// A ring whose first use is at `second`: it covers the hour before too (an attempt
        /// that arrives late fills the seconds it took).
        init(second: Int64) {
            deltas = Array(repeating: PerDimension(repeating: 0), count: UseHistory.slots)
            start = second - Int64(UseHistory.slots) + 2
            base = PerDimension(repeating: 0)
            first = second
        }

        static func slot(_ second: Int64) -> Int {
            Int(((second % Int64(UseHistory.slots)) + Int64(UseHistory.slots)) % Int64(UseHistory.slots))
        }

        /// Moves the ring's start forward to `newStart`, folding what leaves it into `base`.
        mutating func advance(to newStart: Int64) {
            guard newStart > start else { return }
            let count = newStart - start
            if count >= Int64(UseHistory.slots) {
                for slot in deltas.indices { fold(slot) }
            } else {
                var second = start
                while second < newStart {
                    fold(Self.slot(second))
                    second += 1
                }
            }
            start = newStart
            // What is left of sums of +x and -x is rounding, not use.
            for dimension in Dimension.allCases where abs(base[dimension]) < 1e-9 { base[dimension] = 0 }
        }

        private mutating func fold(_ slot: Int) {
            for dimension in Dimension.allCases { base[dimension] += deltas[slot][dimension] }
            deltas[slot] = PerDimension(repeating: 0)
        }

        /// Adds `change` to the use per second from `second` on.
        mutating func add(_ change: Double, _ dimension: Dimension, at second: Int64) {
            guard change != 0, change.isFinite else { return }
            if second < start {
                base[dimension] += change
                return
            }
            if second >= start + Int64(UseHistory.slots) { advance(to: second - Int64(UseHistory.slots) + 1) }
            deltas[Self.slot(second)][dimension] += change
        }
    }

    /// Times beyond this (about 30 million years) are ignored rather than turned into seconds.
    static let timeBound = 1e15

    private var rings: [String: Ring] = [:]

    public init() {}

    /// Records an attempt's use: `requests` and `input` at its start, `output` spread
    /// over `start...end` (whole seconds). Times are epoch seconds; an end before the start is
    /// read as the start.
    public mutating func record(classID: String, requests: Double, input: Double, output: Double,
                                start: Double, end: Double) {
        guard start.isFinite, end.isFinite, abs(start) < Self.timeBound, abs(end) < Self.timeBound else { return }
        let first = Int64(start.rounded(.down))
        let last = max(first, Int64(end.rounded(.down)))
        var ring = rings.removeValue(forKey: classID) ?? Ring(second: first)
        ring.first = min(ring.first, first)
        // The newest second first, so the ring moves forward before the earlier writes.
        ring.add(-requests, .requests, at: first + 1)
        ring.add(requests, .requests, at: first)
        ring.add(-input, .inputTokens, at: first + 1)
        ring.add(input, .inputTokens, at: first)
        let rate = output / Double(last - first + 1)
        ring.add(-rate, .outputTokens, at: last + 1)
        ring.add(rate, .outputTokens, at: first)
        rings[classID] = ring
    }

    /// The use per second of a class's dimension over the `seconds` whole seconds that end with
    /// the one containing `now`, oldest first; nil before the class's first use.
    public func use(classID: String, dimension: Dimension, through now: Double, seconds: Int) -> [Double?] {
        guard seconds > 0 else { return [] }
        guard now.isFinite, abs(now) < Self.timeBound, let ring = rings[classID] else {
            return Array(repeating: nil, count: seconds)
        }
        let last = Int64(now.rounded(.down))
        let from = last - Int64(seconds) + 1
        var result: [Double?] = []
        result.reserveCapacity(seconds)
        var running = ring.base[dimension]
        var second = ring.start
        // Seconds before the window: only their changes matter.
        let ringEnd = ring.start + Int64(Self.slots)
        while second < min(from, ringEnd) {
            running += ring.deltas[Ring.slot(second)][dimension]
            second += 1
        }
        for target in from...last {
            if target < ring.start || target < ring.first {
                result.append(nil)
                continue
            }
            while second <= target && second < ringEnd {
                running += ring.deltas[Ring.slot(second)][dimension]
                second += 1
            }
            result.append(running < 1e-6 ? 0 : running)
        }
        return result
    }

    /// Forgets everything (a seek backwards replays from the start).
    public mutating func reset() {
        rings = [:]
    }
}

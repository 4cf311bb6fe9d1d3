/// What happened in one second of one model class.
public struct SecondTotals: Sendable, Equatable {
    /// Attempts, 429s and 529s included.
    public var requests: Double = 0
    /// Input tokens counted toward ITPM.
    public var countedInput: Double = 0
    public var output: Double = 0
    public var uncachedInput: Double = 0
    public var cacheRead: Double = 0
    public var cacheCreation: Double = 0
    public var throttled: Double = 0
    public var overloaded: Double = 0
    /// Usage the server reported but the logs do not explain, per dimension.
    public var untracked = PerDimension<Double>(repeating: 0)

    public init() {}

    mutating func add(_ other: SecondTotals, times sign: Double) {
        requests += sign * other.requests
        countedInput += sign * other.countedInput
        output += sign * other.output
        uncachedInput += sign * other.uncachedInput
        cacheRead += sign * other.cacheRead
        cacheCreation += sign * other.cacheCreation
        throttled += sign * other.throttled
        overloaded += sign * other.overloaded
        untracked.requests += sign * other.untracked.requests
        untracked.inputTokens += sign * other.untracked.inputTokens
        untracked.outputTokens += sign * other.untracked.outputTokens
    }

    mutating func add(_ other: SecondTotals) {
        requests += other.requests
        countedInput += other.countedInput
        output += other.output
        uncachedInput += other.uncachedInput
        cacheRead += other.cacheRead
        cacheCreation += other.cacheCreation
        throttled += other.throttled
        overloaded += other.overloaded
        untracked.requests += other.untracked.requests
        untracked.inputTokens += other.untracked.inputTokens
        untracked.outputTokens += other.untracked.outputTokens
    }
}

/// Per-second totals over the last five minutes, in a fixed ring: O(1) to add, bounded memory.
public struct RollingWindow: Sendable {
    public static let seconds = 300
    private var slots = [SecondTotals](repeating: SecondTotals(), count: RollingWindow.seconds)
    private var slotSecond = [Int64](repeating: .min, count: RollingWindow.seconds)
    /// The seconds the ring holds, ascending (what `nextChange` searches).
    private var held: [Int64] = []
    /// The sums of the window ending at `cachedEnd`, kept up to date as slots change, so a state
    /// every second costs a few slot additions instead of a scan of all 300.
    private var cachedEnd: Int64 = -(1 << 40)  // far in the past: nothing cached (and no overflow)
    private var hasCache = false
    private var cachedMinute = SecondTotals()
    private var cachedFive = SecondTotals()
    /// Incremental steps since the last full scan (bounds floating-point drift).
    private var steps = 0

    public init() {}

    /// The slot for an epoch second, cleared if it held an older second; a second older than
    /// what the slot already holds is dropped.
    @inline(__always)
    public mutating func withSlot(second: Int64, _ body: (inout SecondTotals) -> Void) {
        let index = Self.index(second)
        if slotSecond[index] != second {
            guard slotSecond[index] < second else { return }  // too old to keep
            // The second leaving the slot leaves the cached sums too.
            uncache(slots[index], second: slotSecond[index], sign: -1)
            if slotSecond[index] != .min { forget(slotSecond[index]) }
            slotSecond[index] = second
            slots[index] = SecondTotals()
            remember(second)
        }
        let before = slots[index]
        body(&slots[index])
        if hasCache && second <= cachedEnd && second > cachedEnd - Int64(Self.seconds) {
            uncache(before, second: second, sign: -1)
            uncache(slots[index], second: second, sign: 1)
        }
    }

    /// Adds (`sign` 1) or removes (-1) a second's totals from the cached sums when it lies in them.
    @inline(__always)
    private mutating func uncache(_ totals: SecondTotals, second: Int64, sign: Double) {
        guard hasCache, second <= cachedEnd, second > cachedEnd - Int64(Self.seconds) else { return }
        cachedFive.add(totals, times: sign)
        if second > cachedEnd - 60 { cachedMinute.add(totals, times: sign) }
    }

    /// The totals of the last minute and of the last five minutes ending at `end`.
    public mutating func sums(endingAt end: Int64) -> (lastMinute: SecondTotals, lastFive: SecondTotals) {
        if hasCache, end == cachedEnd { return (cachedMinute, cachedFive) }
        if hasCache, end > cachedEnd, end - cachedEnd <= 60, steps < 600 {
            if end - cachedEnd <= stepwiseSlide {
                // Slide forward second by second: what enters, and what leaves each window.
                var second = cachedEnd
                while second < end {
                    second += 1
                    if let entering = slot(at: second) {
                        cachedFive.add(entering)
                        cachedMinute.add(entering)
                    }
                    if let leaving = slot(at: second - Int64(Self.seconds)) { cachedFive.add(leaving, times: -1) }
                    if let leaving = slot(at: second - 60) { cachedMinute.add(leaving, times: -1) }
                }
            } else {
                slideOverHeldSeconds(to: end)
            }
            cachedEnd = end
            steps += 1
            return (cachedMinute, cachedFive)
        }
        let (minute, five) = scan(endingAt: end)
        cachedEnd = end
        cachedMinute = minute
        cachedFive = five
        hasCache = true
        steps = 0
        return (minute, five)
    }

    /// Up to this many seconds the sums slide second by second; further, over the held seconds
    /// entering and leaving (on a sparse log most of the seconds stepped over hold nothing).
    /// Both give the same sums, bit for bit (a test sets it to compare them).
    var stepwiseSlide: Int64 = 8

    /// The same additions as sliding second by second from `cachedEnd` to `end`, in the same
    /// order (so fractional sums come out the same), visiting only the seconds that hold
    /// something: the held seconds entering, and those leaving each window, merged by the
    /// second of the slide at which they do.
    private mutating func slideOverHeldSeconds(to end: Int64) {
        let span = Int64(Self.seconds)
        var entering = firstHeld(after: cachedEnd)
        var leavingFive = firstHeld(after: cachedEnd - span)
        var leavingMinute = firstHeld(after: cachedEnd - 60)
        while true {
            let enters = entering < held.count && held[entering] <= end ? held[entering] : .max
            let leavesFive = leavingFive < held.count && held[leavingFive] <= end - span ? held[leavingFive] + span : .max
            let leavesMinute = leavingMinute < held.count && held[leavingMinute] <= end - 60 ? held[leavingMinute] + 60 : .max
            let second = min(enters, leavesFive, leavesMinute)
            guard second != .max else { return }
            if enters == second {
                let totals = slots[Self.index(held[entering])]
                cachedFive.add(totals)
                cachedMinute.add(totals)
                entering += 1
            }
            if leavesFive == second {
                cachedFive.add(slots[Self.index(held[leavingFive])], times: -1)
                leavingFive += 1
            }
            if leavesMinute == second {
                cachedMinute.add(slots[Self.index(held[leavingMinute])], times: -1)
                leavingMinute += 1
            }
        }
    }

    @inline(__always)
    static func index(_ second: Int64) -> Int {
        Int(UInt64(bitPattern: second) % UInt64(Self.seconds))
    }

    @inline(__always)
    private func slot(at second: Int64) -> SecondTotals? {
        let index = Self.index(second)
        return slotSecond[index] == second ? slots[index] : nil
    }

    /// The first whole second after `second` at which the sums of the last `span` seconds
    /// (60 or 300) can differ from their value at `second` with no new totals added: a
    /// second with totals leaving the window, or one stamped later than `second` entering it.
    /// Nil when the window will hold nothing but what it holds now, for ever. O(log 300).
    public func nextChange(after second: Int64, span: Int64) -> Int64? {
        var next = Int64.max
        // The oldest second still in the window leaves first...
        let inWindow = firstHeld(after: second - span)
        if inWindow < held.count, held[inWindow] <= second { next = held[inWindow] + span }
        // ...unless a second stamped later enters before.
        let ahead = firstHeld(after: second)
        if ahead < held.count { next = min(next, held[ahead]) }
        return next == .max ? nil : next
    }

    /// The position in `held` of the first second after `second`. Galloping back from the newest
    /// first: the seconds asked about are near it (the window's start, the present), while on a
    /// sparse log `held` reaches back far beyond the window.
    @inline(__always)
    func firstHeld(after second: Int64) -> Int {
        // Invariant: every held second from `high` on is after `second`.
        var high = held.count
        var probe = high - 1
        var step = 1
        while probe >= 0, held[probe] > second {
            high = probe
            probe -= step
            step *= 2
        }
        var low = max(probe + 1, 0)
        while low < high {
            let middle = (low + high) / 2
            if held[middle] <= second { low = middle + 1 } else { high = middle }
        }
        return low
    }

    @inline(__always)
    private mutating func remember(_ second: Int64) {
        if let last = held.last, last > second {
            held.insert(second, at: firstHeld(after: second))  // a late line: rare
        } else {
            held.append(second)
        }
    }

    @inline(__always)
    private mutating func forget(_ second: Int64) {
        if held.first == second {
            held.removeFirst()  // the usual case: the oldest leaves (at most 300 to move)
        } else {
            // Anywhere in the list (on a sparse log, seconds far apart share slots): a plain bisection.
            var low = 0
            var high = held.count
            while low < high {
                let middle = (low + high) / 2
                if held[middle] < second { low = middle + 1 } else { high = middle }
            }
            if low < held.count, held[low] == second { held.remove(at: low) }
        }
    }

    /// The sums of the seconds the window holds, in the order of their slots (as a scan of all
    /// 300 would add them, so fractional sums come out the same), found in `held`: on a sparse
    /// log a few seconds, not 300 slots.
    func scan(endingAt end: Int64) -> (lastMinute: SecondTotals, lastFive: SecondTotals) {
        var minute = SecondTotals()
        var five = SecondTotals()
        let firstOfMinute = end - 59
        let firstOfFive = end - Int64(Self.seconds) + 1
        // Slot order: the seconds from the last multiple of 300 up to `end` come first (slots 0
        // and on), then those from the window's start up to it.
        let pivot = end - Int64(Self.index(end))
        func add(from: Int64, through: Int64) {
            var position = firstHeld(after: from - 1)
            while position < held.count, held[position] <= through {
                let second = held[position]
                let totals = slots[Self.index(second)]
                five.add(totals)
                if second >= firstOfMinute { minute.add(totals) }
                position += 1
            }
        }
        add(from: pivot, through: end)
        add(from: firstOfFive, through: pivot - 1)
        return (minute, five)
    }
}

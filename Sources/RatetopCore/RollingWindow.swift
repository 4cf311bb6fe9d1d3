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

    /// The consumption of a dimension.
    public subscript(consumption dimension: Dimension) -> Double {
        switch dimension {
        case .requests: requests
        case .inputTokens: countedInput
        case .outputTokens: output
        }
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

    public init() {}

    /// The slot for an epoch second, cleared if it held an older second. Returns nil when the
    /// second is already outside the window relative to newer data in the slot.
    @inline(__always)
    public mutating func withSlot(second: Int64, _ body: (inout SecondTotals) -> Void) {
        let index = Int(UInt64(bitPattern: second) % UInt64(Self.seconds))
        if slotSecond[index] != second {
            guard slotSecond[index] < second else { return }  // too old to keep
            slotSecond[index] = second
            slots[index] = SecondTotals()
        }
        body(&slots[index])
    }

    /// The totals of the seconds in `(end - span, end]`.
    public func sum(endingAt end: Int64, span: Int) -> SecondTotals {
        var total = SecondTotals()
        let first = end - Int64(span) + 1
        for index in 0..<Self.seconds {
            let second = slotSecond[index]
            if second >= first && second <= end { total.add(slots[index]) }
        }
        return total
    }
}

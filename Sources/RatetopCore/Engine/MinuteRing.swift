/// What happened in one calendar minute of one model class (for the 30-minute rules).
public struct MinuteTotals: Sendable, Equatable {
    /// Attempts, 429s and 529s included.
    public var requests: Double = 0
    /// Input counted toward ITPM.
    public var countedInput: Double = 0
    public var output: Double = 0
    /// Every input token: uncached, cache reads and cache writes (the cache hit rate's denominator).
    public var allInput: Double = 0
    public var cacheRead: Double = 0
    /// 429s caused by the team's rate limits (not the spend cap).
    public var limited: Double = 0

    public init() {}
}

/// The last half hour of one class, a slot per calendar minute (UTC) in a fixed ring: O(1) to
/// add, bounded memory, and the aggregates the 30-minute rules read, recomputed at most once per
/// minute (or when a late line changes a past minute).
public struct MinuteRing: Sendable {
    /// Minutes kept: the 30 completed minutes before the current one, and the current one.
    public static let minutes = 32
    /// Minutes the `tier_upgrade` statistics cover (completed minutes before the current one).
    public static let trendMinutes = 30
    /// The cache baseline covers the completed minutes before the last five (so a drop does not
    /// pull its own baseline down).
    public static let baselineSkip = 5

    private var slots = [MinuteTotals](repeating: MinuteTotals(), count: MinuteRing.minutes)
    private var slotMinute = [Int64](repeating: .min, count: MinuteRing.minutes)
    /// Bumped whenever a minute that is already complete changes.
    private var version = 0
    private var latestMinute: Int64 = .min
    private var cached: (minute: Int64, version: Int, trend: MinuteTrend)?
    /// Bumped whenever a slot starts holding another minute (what `nextChange` depends on).
    private var layout = 0
    private var cachedChange: (minute: Int64, layout: Int, next: Double?)?

    public init() {}

    /// Adds to the minute holding `time` (epoch seconds); a minute older than the ring is dropped.
    @inline(__always)
    public mutating func withMinute(_ time: Double, _ body: (inout MinuteTotals) -> Void) {
        let minute = Int64((time / 60).rounded(.down))
        let index = Int(UInt64(bitPattern: minute) % UInt64(Self.minutes))
        if slotMinute[index] != minute {
            guard slotMinute[index] < minute else { return }
            slotMinute[index] = minute
            slots[index] = MinuteTotals()
            layout &+= 1
        }
        if minute < latestMinute { version &+= 1 } else { latestMinute = minute }
        body(&slots[index])
    }

    /// Changes whenever the trend at some time can change: a slot starts holding another minute,
    /// or a minute already complete changes.
    public struct Revision: Equatable, Sendable {
        var layout: Int
        var version: Int
    }

    public var revision: Revision { Revision(layout: layout, version: version) }

    /// The totals of one minute, or nil when the ring holds nothing for it.
    public func totals(minute: Int64) -> MinuteTotals? {
        let index = Int(UInt64(bitPattern: minute) % UInt64(Self.minutes))
        return slotMinute[index] == minute ? slots[index] : nil
    }

    /// The start of the first minute after the one holding `time` whose trend can differ from
    /// the trend at `time` with nothing added: a minute with totals completing (entering the
    /// 30), passing five minutes back (entering the cache baseline) or passing 30 back
    /// (leaving). Nil when no held minute will ever change the trend again.
    public mutating func nextChange(after time: Double) -> Double? {
        let current = Int64((time / 60).rounded(.down))
        if let cachedChange, cachedChange.minute == current, cachedChange.layout == layout { return cachedChange.next }
        let next = computeNextChange(current: current)
        cachedChange = (current, layout, next)
        return next
    }

    private func computeNextChange(current: Int64) -> Double? {
        var next = Int64.max
        for held in slotMinute where held != .min {
            // The current minutes at which `held` enters the 30, the baseline, and leaves.
            let enters = held + 1, joinsBaseline = held + 1 + Int64(Self.baselineSkip)
            let leaves = held + 1 + Int64(Self.trendMinutes)
            if enters > current {
                next = min(next, enters)
            } else if joinsBaseline > current {
                next = min(next, joinsBaseline)
            } else if leaves > current {
                next = min(next, leaves)
            }
        }
        return next == .max ? nil : Double(next) * 60
    }

    /// The trend of the 30 completed minutes before the one holding `time`.
    public mutating func trend(at time: Double) -> MinuteTrend {
        let current = Int64((time / 60).rounded(.down))
        if let cached, cached.minute == current, cached.version == version { return cached.trend }
        var trend = MinuteTrend()
        // Three columns of at most 30 values, on the stack: this runs about once a minute per
        // class, and on a sparse log that is once an event.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * Self.trendMinutes) { columns in
            var count = 0
            var baselineRead = 0.0
            for back in 1...Int64(Self.trendMinutes) {
                guard let minute = totals(minute: current - back) else { continue }
                if minute.limited > 0 { trend.limitedMinutes += 1 }
                if back > Int64(Self.baselineSkip) {
                    trend.baselineInput += minute.allInput
                    baselineRead += minute.cacheRead
                }
                guard minute.requests > 0 || minute.countedInput > 0 || minute.output > 0 else { continue }
                columns[count] = minute.requests
                columns[Self.trendMinutes + count] = minute.countedInput
                columns[2 * Self.trendMinutes + count] = minute.output
                count += 1
            }
            trend.activeMinutes = count
            func p95(_ column: Int) -> Double {
                Self.p95(UnsafeMutableBufferPointer(rebasing: columns[(column * Self.trendMinutes)..<(column * Self.trendMinutes + count)]))
            }
            trend.p95PerMinute = PerDimension(requests: p95(0), inputTokens: p95(1), outputTokens: p95(2))
            trend.cacheHitBaseline = trend.baselineInput > 0 ? baselineRead / trend.baselineInput : nil
        }
        cached = (current, version, trend)
        return trend
    }

    /// The 95th percentile by nearest rank (0 for no values); may reorder `values`.
    static func p95(_ values: UnsafeMutableBufferPointer<Double>) -> Double {
        var values = values
        guard !values.isEmpty else { return 0 }
        let rank = max(1, min(values.count, Int((0.95 * Double(values.count)).rounded(.up))))
        // Up to 39 values the rank is the largest or the second largest value: one pass, no sort (on a
        // sparse log the trend is recomputed about once an event).
        switch values.count - rank {
        case 0:
            return values.max()!
        case 1:
            var first = -Double.infinity, second = -Double.infinity
            for value in values {
                if value > first {
                    second = first
                    first = value
                } else if value > second {
                    second = value
                }
            }
            return second
        default:
            values.sort()
            return values[rank - 1]
        }
    }
}

/// One class's last half hour, as the `tier_upgrade` and `cache_hit_drop` rules read it.
public struct MinuteTrend: Sendable, Equatable {
    /// The 95th percentile of per-minute usage over the active completed minutes of the last 30.
    public var p95PerMinute = PerDimension<Double>(repeating: 0)
    /// Completed minutes of the last 30 with any attempt.
    public var activeMinutes = 0
    /// Completed minutes of the last 30 with a 429 caused by the team's limits.
    public var limitedMinutes = 0
    /// The cache hit rate over minutes 6–30 back (the norm a drop is measured against).
    public var cacheHitBaseline: Double?
    /// Every input token over those minutes.
    public var baselineInput = 0.0

    public init() {}
}

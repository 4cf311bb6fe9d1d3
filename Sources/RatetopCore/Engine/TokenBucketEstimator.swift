/// The estimated level of one token bucket (one model class, one dimension).
///
/// Between observations the level follows the token-bucket model: it refills at
/// `capacity / 60` per second up to `capacity`, and each request takes its cost. Events reach
/// the estimator when a response completes, so a request's costs are applied *retroactively* at
/// the time they happened (input at the start, output spread over the generation). Refill that
/// was lost because the bucket sat full in between is credited back, using a short history of
/// the cumulative "wasted refill"; without that, a long response on an idle bucket would look
/// like a drain that never happened.
///
/// A header `-remaining` value is an observation of the true level: the estimate snaps to it
/// (within the header's rounding), and costs that happened before the observation are not
/// applied again.
public struct TokenBucketEstimator: Sendable {
    /// The bucket size (the per-minute limit); 0 while unknown.
    public private(set) var capacity: Double = 0
    /// The estimated level at `time`. May go below zero (debt) while output is generated.
    public private(set) var level: Double = 0
    /// The time the level refers to.
    public private(set) var time: Double = -.infinity
    /// The time of the last header observation; costs at or before it are already in it.
    public private(set) var observedAt: Double = -.infinity

    /// Refill wasted at the cap up to `time` (cumulative).
    private var waste: Double = 0
    private var history: WasteHistory = WasteHistory()

    public init() {}

    /// True once a limit is known.
    @inlinable public var isKnown: Bool { capacity > 0 }

    @inlinable var refillPerSecond: Double { capacity / 60 }

    /// The level, clamped to what a header would show (0...capacity).
    public var remaining: Double { min(max(level, 0), capacity) }

    /// Sets or changes the limit. A new bucket starts full at `time`.
    public mutating func setCapacity(_ newCapacity: Double, at now: Double) {
        guard newCapacity > 0, newCapacity != capacity else { return }
        if capacity <= 0 {
            capacity = newCapacity
            level = newCapacity
            time = now
            waste = 0
            history = WasteHistory()
            history.record(time: now, level: level, waste: waste)
        } else {
            advance(to: now)
            // Keep the used part: a raised limit adds its difference to the level.
            level = min(newCapacity, level + (newCapacity - capacity))
            capacity = newCapacity
        }
    }

    /// Moves the clock forward, refilling.
    @inline(__always)
    public mutating func advance(to now: Double) {
        guard capacity > 0, now > time else { return }
        let refilled = level + (now - time) * refillPerSecond
        if refilled > capacity {
            waste += refilled - capacity
            level = capacity
        } else {
            level = refilled
        }
        time = now
        history.record(time: now, level: level, waste: waste)
    }

    /// Applies a cost that happened at `at` (≤ the current time): a point cost such as a
    /// request's input. Costs at or before the last observation are already counted; the
    /// amount skipped for that reason is returned (it explains part of an observed gap).
    @inline(__always) @discardableResult
    public mutating func consume(_ amount: Double, at: Double) -> Double {
        guard capacity > 0, amount > 0 else { return 0 }
        guard at > observedAt else { return amount }
        take(amount, since: at)
        return 0
    }

    /// Applies a cost spread evenly over `from...to` (output tokens generated over a response);
    /// returns the part skipped because an observation already counted it.
    @inline(__always) @discardableResult
    public mutating func consume(_ amount: Double, from: Double, to: Double) -> Double {
        guard capacity > 0, amount > 0 else { return 0 }
        guard to > observedAt else { return amount }
        guard from < observedAt else {
            take(amount, since: from)
            return 0
        }
        // Only the part generated after the observation is new.
        let share = to > from ? (to - observedAt) / (to - from) : 1
        take(amount * share, since: observedAt)
        return amount * (1 - share)
    }

    @inline(__always)
    private mutating func take(_ amount: Double, since: Double) {
        var charged = amount
        if since < time, waste > 0 {
            // Refill that was lost at the cap after `since` would have covered part of the cost.
            let lost = waste - history.waste(at: since, refillPerSecond: refillPerSecond, capacity: capacity)
            if lost > 0 {
                let absorbed = min(lost, amount)
                charged -= absorbed
                waste -= absorbed
                history.absorb(absorbed, after: since)
            }
        }
        level -= charged
        history.record(time: time, level: level, waste: waste)
    }

    /// Corrects the estimate with a header value describing the level at `at`.
    ///
    /// The true level lies in `remaining - below ... remaining + above` (the header's rounding).
    /// Returns how far the estimate was *above* that range: usage the logs do not explain.
    @discardableResult
    public mutating func observe(remaining: Double, at: Double, below: Double, above: Double) -> Double {
        guard capacity > 0 else { return 0 }
        advance(to: at)
        // Bring the observation forward to the current time by the refill since it was made.
        let elapsed = max(0, time - at)
        let low = min(capacity, remaining - below + elapsed * refillPerSecond)
        let high = min(capacity, remaining + above + elapsed * refillPerSecond)
        var unexplained = 0.0
        if level > high {
            unexplained = level - high
            level = min(capacity, remaining + elapsed * refillPerSecond + (above - below) / 2)
        } else if level < low {
            level = min(capacity, remaining + elapsed * refillPerSecond + (above - below) / 2)
        }
        observedAt = max(observedAt, at)
        history.record(time: time, level: level, waste: waste)
        return unexplained
    }

    /// Lowers the estimate to at most `ceiling` (a 429 proved the bucket was short).
    public mutating func cap(at ceiling: Double) {
        guard capacity > 0, level > ceiling else { return }
        level = ceiling
        history.record(time: time, level: level, waste: waste)
    }
}

/// A short history of (time, level, cumulative waste) checkpoints, about one per 0.25 s over
/// the last minutes: enough to credit refill lost at the cap to costs learned late.
struct WasteHistory: Sendable {
    private struct Checkpoint {
        var time: Double
        var level: Double
        var waste: Double
    }
    private static let size = 512
    private static let spacing = 0.25
    /// Allocated at the first checkpoint: a bucket whose limit is unknown never records one.
    private var points = ContiguousArray<Checkpoint>()
    private var head = -1
    private var count = 0

    @inline(__always)
    mutating func record(time: Double, level: Double, waste: Double) {
        if points.isEmpty {
            points = ContiguousArray(repeating: Checkpoint(time: -.infinity, level: 0, waste: 0), count: Self.size)
        }
        if head >= 0 {
            let last = points[head].time
            if time - last < Self.spacing, time >= last {
                // Coalesce: keep the first time of the slot, update the state reached.
                points[head].level = level
                points[head].waste = waste
                return
            }
        }
        head = head + 1 == Self.size ? 0 : head + 1
        points[head] = Checkpoint(time: time, level: level, waste: waste)
        count = min(count + 1, Self.size)
    }

    /// Cumulative waste at time `t` (from the last checkpoint at or before it).
    func waste(at t: Double, refillPerSecond: Double, capacity: Double) -> Double {
        guard count > 0 else { return 0 }
        var index = head
        for _ in 0..<count {
            let point = points[index]
            if point.time <= t {
                let overflow = point.level + (t - point.time) * refillPerSecond - capacity
                return point.waste + max(0, overflow)
            }
            index = index == 0 ? Self.size - 1 : index - 1
        }
        // Older than the history: assume nothing was wasted since the oldest checkpoint.
        return points[(head - count + 1 + Self.size) % Self.size].waste
    }

    /// Removes `amount` of waste from the checkpoints after `t`: the earliest waste is the
    /// refill that a cost at `t` would have used.
    mutating func absorb(_ amount: Double, after t: Double) {
        guard count > 0 else { return }
        var index = head
        var newer = 0
        var baseline = -1.0
        while newer < count {
            if points[index].time <= t {
                baseline = points[index].waste
                break
            }
            newer += 1
            index = index == 0 ? Self.size - 1 : index - 1
        }
        index = head
        for _ in 0..<newer {
            let w = points[index].waste
            points[index].waste = baseline < 0 ? max(0, w - amount) : baseline + max(0, w - baseline - amount)
            index = index == 0 ? Self.size - 1 : index - 1
        }
    }
}

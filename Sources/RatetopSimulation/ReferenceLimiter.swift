import RatetopCore

/// The outcome of presenting a request to a `ReferenceLimiter`.
public enum Admission: Sendable, Equatable {
    /// The request was admitted and its usage taken from the buckets.
    case admitted
    /// The request was refused (a 429). `dimension` is the binding limit; `waitSeconds` is how
    /// long until the same request would be admitted if nothing else were sent meanwhile
    /// (infinite when it can never fit, i.e. its input exceeds the bucket's capacity).
    case rejected(Dimension, waitSeconds: Double)
}

/// The ground-truth rate limiter of one model class: three continuous token buckets.
///
/// Each bucket has capacity = the per-minute limit and refills at limit / 60 per second, and
/// all start full. A request is admitted at its start when the requests bucket holds at least
/// one token, the input bucket at least the request's counted input, and the output bucket
/// more than zero; it then takes one request and its input at once, and its output tokens
/// drain uniformly over its generation time `[start, end]`, so the output bucket can go into
/// debt. Refused requests take nothing.
///
/// The limiter is exact and event-driven: between events every level follows a closed form
/// (a linear refill capped at the capacity; for the output bucket, a piecewise-linear curve
/// whose slope changes only where a generation ends). Time only moves forward, and only when
/// the caller says so.
public struct ReferenceLimiter: Sendable {
    /// One in-flight generation: it drains `rate` output tokens per second until `end`.
    struct Drain: Sendable {
        var end: Double
        var rate: Double
    }

    public let classID: String
    public let limits: PerDimension<Int>
    /// True for classes whose ITPM also counts cache reads.
    public let cacheReadsCount: Bool
    /// The limiter's clock: the time of the last event applied.
    public private(set) var now: Double

    private var requestLevel: Double
    private var inputLevel: Double
    private var outputLevel: Double
    /// In-flight drains sorted by `end`; entries before `head` have finished.
    private var drains: [Drain] = []
    private var head = 0
    /// The sum of the rates of the in-flight drains.
    private var drainRate = 0.0

    public init(classID: String, limits: PerDimension<Int>, cacheReadsCount: Bool = false, start: Double) {
        self.classID = classID
        self.limits = limits
        self.cacheReadsCount = cacheReadsCount
        self.now = start
        requestLevel = Double(limits.requests)
        inputLevel = Double(limits.inputTokens)
        outputLevel = Double(limits.outputTokens)
    }

    /// The capacity of a bucket (its per-minute limit).
    @inline(__always)
    public func capacity(_ dimension: Dimension) -> Double { Double(limits[dimension]) }

    /// The refill rate of a bucket, in tokens per second.
    @inline(__always)
    public func refillRate(_ dimension: Dimension) -> Double { Double(limits[dimension]) / 60 }

    /// The number of generations still draining the output bucket.
    public var inFlight: Int { drains.count - head }

    // MARK: Time

    /// Moves the clock forward to `time`, refilling and draining in closed form. Earlier times
    /// are ignored.
    public mutating func advance(to time: Double) {
        guard time > now else { return }
        let elapsed = time - now
        requestLevel = min(capacity(.requests), requestLevel + refillRate(.requests) * elapsed)
        inputLevel = min(capacity(.inputTokens), inputLevel + refillRate(.inputTokens) * elapsed)
        var clock = now
        while head < drains.count, drains[head].end <= time {
            let drain = drains[head]
            stepOutput(drain.end - clock)
            clock = drain.end
            drainRate -= drain.rate
            head += 1
        }
        stepOutput(time - clock)
        if head == drains.count, head > 0 {
            drains.removeAll(keepingCapacity: true)
            head = 0
            drainRate = 0
        } else if head >= 256, head * 2 >= drains.count {
            drains.removeFirst(head)
            head = 0
        }
        now = time
    }

    /// Advances the output bucket by `seconds` at the current net slope.
    @inline(__always)
    private mutating func stepOutput(_ seconds: Double) {
        guard seconds > 0 else { return }
        let net = refillRate(.outputTokens) - drainRate
        if net > 0 {
            outputLevel = min(capacity(.outputTokens), outputLevel + net * seconds)
        } else {
            outputLevel += net * seconds
        }
    }

    // MARK: Reading

    /// The true levels at `time` (≥ `now`), in-flight output drains included. The output level
    /// can be negative (debt); no level exceeds its capacity.
    public func level(at time: Double) -> PerDimension<Double> {
        precondition(time >= now, "ReferenceLimiter.level(at:) cannot look back before the limiter's clock")
        if time == now { return currentLevels }
        var copy = self
        copy.advance(to: time)
        return copy.currentLevels
    }

    /// The true level of one bucket at `time` (≥ `now`).
    public func level(_ dimension: Dimension, at time: Double) -> Double {
        level(at: time)[dimension]
    }

    private var currentLevels: PerDimension<Double> {
        PerDimension(requests: requestLevel, inputTokens: inputLevel, outputTokens: outputLevel)
    }

    /// When each bucket will be full again if nothing else is admitted (in-flight drains
    /// included), measured from `now`.
    private var fullAt: PerDimension<Double> {
        PerDimension(
            requests: now + (capacity(.requests) - requestLevel) / refillRate(.requests),
            inputTokens: now + (capacity(.inputTokens) - inputLevel) / refillRate(.inputTokens),
            outputTokens: now + secondsUntilOutput(reaches: capacity(.outputTokens)))
    }

    /// Seconds from `now` until the output bucket reaches `target` and stays at or above it,
    /// given the in-flight drains and no new admissions. The net slope only grows as drains
    /// end, so once the level is at the target with a non-negative slope it stays there.
    private func secondsUntilOutput(reaches target: Double) -> Double {
        var level = outputLevel
        let refill = refillRate(.outputTokens)
        if level >= target, refill - drainRate >= 0 { return 0 }
        var clock = now
        var rate = drainRate
        var index = head
        while index < drains.count {
            let drain = drains[index]
            let segment = drain.end - clock
            let net = refill - rate
            if net > 0 {
                if level + net * segment >= target { return clock + (target - level) / net - now }
                level = min(capacity(.outputTokens), level + net * segment)
            } else {
                level += net * segment
            }
            rate -= drain.rate
            clock = drain.end
            index += 1
        }
        return max(0, clock + (target - level) / refill - now)
    }

    // MARK: Requests

    /// Presents a request starting at `start` (≥ `now`) that counts `countedInput` input
    /// tokens and will generate `outputTokens` until `end`. On admission the buckets are
    /// charged; on refusal nothing changes except the clock.
    ///
    /// Checks are made in the order requests, input, output; the first that fails is named.
    public mutating func admit(at start: Double, countedInput: Int, outputTokens: Int, end: Double) -> Admission {
        advance(to: start)
        if requestLevel < 1 {
            return .rejected(.requests, waitSeconds: (1 - requestLevel) / refillRate(.requests))
        }
        let input = Double(countedInput)
        if input > inputLevel {
            let wait = input > capacity(.inputTokens) ? Double.infinity : (input - inputLevel) / refillRate(.inputTokens)
            return .rejected(.inputTokens, waitSeconds: wait)
        }
        if outputLevel <= 0 {
            return .rejected(.outputTokens, waitSeconds: secondsUntilOutput(reaches: 0))
        }
        charge(at: start, countedInput: countedInput, outputTokens: outputTokens, end: end)
        return .admitted
    }

    /// Charges a request without checking admission (the bookkeeping of an admitted request):
    /// one request and `countedInput` at `start` (≥ `now`), `outputTokens` drained uniformly
    /// until `end`. For replaying known usage, e.g. an oracle that knows every completed request.
    public mutating func charge(at start: Double, countedInput: Int, outputTokens: Int, end: Double) {
        advance(to: start)
        requestLevel -= 1
        inputLevel -= Double(countedInput)
        guard outputTokens > 0 else { return }
        let finish = max(end, now)
        if finish > now {
            let drain = Drain(end: finish, rate: Double(outputTokens) / (finish - now))
            insert(drain)
            drainRate += drain.rate
        } else {
            outputLevel -= Double(outputTokens)
        }
    }

    /// Inserts a drain keeping `drains[head...]` sorted by end (stable for equal ends).
    private mutating func insert(_ drain: Drain) {
        var low = head
        var high = drains.count
        while low < high {
            let middle = (low + high) / 2
            if drains[middle].end <= drain.end { low = middle + 1 } else { high = middle }
        }
        drains.insert(drain, at: low)
    }

    // MARK: Headers

    /// What Anthropic's `anthropic-ratelimit-*` response headers would say at `time` (≥ `now`):
    /// requests remaining exact (rounded down), input and output remaining rounded to the
    /// nearest 1,000 (never below 0 nor above the limit), `-reset` the whole second by which
    /// the bucket is full again, and the combined `tokens-*` as input + output.
    public func headers(at time: Double) -> RateLimitSnapshot {
        precondition(time >= now, "ReferenceLimiter.headers(at:) cannot look back before the limiter's clock")
        if time > now {
            var copy = self
            copy.advance(to: time)
            return copy.headers(at: time)
        }
        let levels = currentLevels
        let remaining = PerDimension(
            requests: min(limits.requests, Int(max(0, levels.requests).rounded(.down))),
            inputTokens: Self.roundedToThousand(levels.inputTokens, limit: limits.inputTokens),
            outputTokens: Self.roundedToThousand(levels.outputTokens, limit: limits.outputTokens))
        let full = fullAt
        // Whole seconds, rounded up; the small allowance keeps float noise on an exact second
        // (45.000000001) from being pushed to the next one.
        let reset = full.map { (Swift.max($0, now) - 1e-6).rounded(.up) }
        return RateLimitSnapshot(
            limit: limits, remaining: remaining, reset: reset,
            tokensLimit: limits.inputTokens + limits.outputTokens,
            tokensRemaining: remaining.inputTokens + remaining.outputTokens,
            tokensReset: Swift.max(reset.inputTokens, reset.outputTokens))
    }

    /// Rounds a level to the nearest 1,000 (halves up), clamped to `0...limit`.
    static func roundedToThousand(_ level: Double, limit: Int) -> Int {
        let thousands = Int((max(0, level) / 1000).rounded(.toNearestOrAwayFromZero))
        return min(limit, thousands * 1000)
    }
}

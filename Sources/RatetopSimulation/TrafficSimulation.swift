import RatetopCore

/// Runs a `TrafficModel` against one `ReferenceLimiter` per model class, as a discrete-event
/// simulation on a virtual clock, and hands out the attempts in completion order.
///
/// Calls arrive, each attempt is admitted or refused by its class's limiter at its start,
/// admitted attempts complete after their generation time, refused ones come back quickly as
/// 429s and are retried like the SDKs do. Everything is drawn from seeded generators: the same
/// model and seed give the same attempts, byte for byte. Memory is bounded by the number of
/// calls in flight, so a simulation can stream millions of attempts.
public struct TrafficSimulation: Sendable {
    /// One logical API call: the same prompt and answer size across its retries.
    struct Call: Sendable {
        var id: Int
        var stream: Int
        var model: Int
        var input: Int
        var output: Int
        /// Seconds from start to completion when admitted: time to first token plus generation.
        var duration: Double
    }

    /// An attempt that has been decided and is waiting for its completion time.
    struct Pending: Sendable {
        var call: Call
        var retryNumber: Int
        var start: Double
        var status: Int
        var usage: Usage
        var limitedDimension: Dimension?
        var retryAfter: Int?
    }

    enum Event: Sendable {
        case arrival(stream: Int)
        case workerReady(stream: Int)
        case attemptStart(Call, retryNumber: Int)
        case completion(Pending)
    }

    public let model: TrafficModel
    /// The time of the last event processed.
    public private(set) var clock: Double

    private var rng: SplitMix64
    private var streamRNGs: [SplitMix64]
    private var limiters: [ReferenceLimiter]
    private var classOfStream: [Int]
    /// Per stream and model: until when its cached prefix stays warm.
    private var cacheWarmUntil: [[Double]]
    private var callsMade: [Int]
    private var events = EventQueue<Event>()
    private var ready: [SimulatedAttempt] = []
    private var readyHead = 0
    private var nextCallID = 1

    /// Prepares a run. Every stream's `classID` must be one of the model's classes.
    public init(model: TrafficModel, seed: UInt64) {
        self.model = model
        clock = model.start
        var root = SplitMix64(seed: seed)
        rng = root.split(salt: 1)
        streamRNGs = model.streams.indices.map { SplitMix64(seed: seed ^ (0xA076_1D64_78BD_642F &* UInt64($0 + 1))) }
        limiters = model.classes.map {
            ReferenceLimiter(classID: $0.classID, limits: $0.limits, cacheReadsCount: $0.cacheReadsCount, start: model.start)
        }
        classOfStream = model.streams.map { stream in
            guard let index = model.classes.firstIndex(where: { $0.classID == stream.classID }) else {
                preconditionFailure("traffic stream \(stream.name) names class \(stream.classID), which the model does not define")
            }
            return index
        }
        cacheWarmUntil = model.streams.map { Array(repeating: -Double.infinity, count: $0.models.count) }
        callsMade = Array(repeating: 0, count: model.streams.count)
        for index in model.streams.indices {
            let stream = model.streams[index]
            let opens = max(stream.from, model.start)
            switch stream.arrivals {
            case .poisson:
                if let first = nextArrival(stream: index, after: opens) { events.push(.arrival(stream: index), at: first) }
            case .workers(let count, _, _):
                for worker in 0..<max(0, count) {
                    let stagger = streamRNGs[index].uniform(0, 1.5) + Double(worker) * 0.05
                    events.push(.workerReady(stream: index), at: opens + stagger)
                }
            }
        }
    }

    /// Runs a whole model and returns every attempt in completion order.
    public static func run(_ model: TrafficModel, seed: UInt64) -> [SimulatedAttempt] {
        var simulation = TrafficSimulation(model: model, seed: seed)
        var attempts: [SimulatedAttempt] = []
        while let attempt = simulation.nextAttempt() { attempts.append(attempt) }
        return attempts
    }

    /// True when no attempt is left to hand out.
    public var isFinished: Bool { events.isEmpty && readyHead == ready.count }

    /// The next attempt in completion order, or nil when the run is over.
    public mutating func nextAttempt() -> SimulatedAttempt? {
        while readyHead == ready.count {
            guard let (time, event) = events.pop() else { return nil }
            process(event, at: time)
        }
        return takeReady()
    }

    /// Processes every event up to and including `time`, moves every limiter's clock to `time`
    /// and returns the attempts that completed, in completion order.
    public mutating func advance(to time: Double) -> [SimulatedAttempt] {
        while let next = events.firstTime, next <= time, let (at, event) = events.pop() {
            process(event, at: at)
        }
        if time > clock { clock = time }
        for index in limiters.indices { limiters[index].advance(to: time) }
        var out: [SimulatedAttempt] = []
        while let attempt = takeReady() { out.append(attempt) }
        return out
    }

    /// The limiter of a class, in its current state.
    public func limiter(classID: String) -> ReferenceLimiter? {
        limiters.first { $0.classID == classID }
    }

    /// The true bucket levels of a class at `time` (not before the last event processed).
    public func trueLevel(classID: String, at time: Double) -> PerDimension<Double>? {
        limiter(classID: classID)?.level(at: max(time, clock))
    }

    // MARK: Events

    private mutating func takeReady() -> SimulatedAttempt? {
        guard readyHead < ready.count else { return nil }
        let attempt = ready[readyHead]
        readyHead += 1
        if readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
        }
        return attempt
    }

    private mutating func process(_ event: Event, at time: Double) {
        if time > clock { clock = time }
        switch event {
        case .arrival(let stream):
            start(newCall(stream: stream), retryNumber: 0, at: time)
            if let next = nextArrival(stream: stream, after: time) { events.push(.arrival(stream: stream), at: next) }
        case .workerReady(let stream):
            guard case .workers(_, _, let total) = model.streams[stream].arrivals, callsMade[stream] < total,
                  time < min(model.streams[stream].until, model.end) else { return }
            start(newCall(stream: stream), retryNumber: 0, at: time)
        case .attemptStart(let call, let retryNumber):
            start(call, retryNumber: retryNumber, at: time)
        case .completion(let pending):
            complete(pending, at: time)
        }
    }

    private mutating func newCall(stream index: Int) -> Call {
        let stream = model.streams[index]
        callsMade[index] += 1
        var generator = streamRNGs[index]
        defer { streamRNGs[index] = generator }
        var modelIndex = 0
        if stream.models.count > 1 {
            let total = stream.models.reduce(0) { $0 + $1.weight }
            var pick = generator.unit() * total
            for (candidate, weighted) in stream.models.enumerated() {
                modelIndex = candidate
                pick -= weighted.weight
                if pick < 0 { break }
            }
        }
        let input = stream.input.draw(&generator)
        let output = stream.output.draw(&generator)
        let speed = generator.uniform(stream.tokensPerSecond.lowerBound, stream.tokensPerSecond.upperBound)
        let firstToken = generator.uniform(stream.timeToFirstToken.lowerBound, stream.timeToFirstToken.upperBound)
        let call = Call(id: nextCallID, stream: index, model: modelIndex, input: input, output: output,
                        duration: firstToken + Double(output) / max(speed, 1))
        nextCallID += 1
        return call
    }

    /// The next Poisson arrival after `time` within the stream's window (thinning), or nil.
    private mutating func nextArrival(stream index: Int, after time: Double) -> Double? {
        let stream = model.streams[index]
        guard case .poisson(let profile) = stream.arrivals else { return nil }
        let closes = min(stream.until, model.end)
        let bound = profile.maximumRatePerSecond
        guard bound > 0 else { return nil }
        var generator = streamRNGs[index]
        defer { streamRNGs[index] = generator }
        var t = time
        while true {
            t += generator.exponential(rate: bound)
            if t >= closes { return nil }
            if generator.unit() * bound < profile.ratePerSecond(at: t) { return t }
        }
    }

    private mutating func start(_ call: Call, retryNumber: Int, at time: Double) {
        if rng.chance(model.overloadedShare(at: time)) {
            let pending = Pending(call: call, retryNumber: retryNumber, start: time, status: 529, usage: .zero)
            events.push(.completion(pending), at: time + rng.uniform(0.2, 1.5))
            return
        }
        let stream = model.streams[call.stream]
        let classIndex = classOfStream[call.stream]
        var usage = Usage(inputTokens: call.input, outputTokens: call.output)
        if stream.cachedPrefix > 0 {
            if cacheWarmUntil[call.stream][call.model] > time {
                usage.cacheReadInputTokens = stream.cachedPrefix
            } else {
                usage.cacheCreationInputTokens = stream.cachedPrefix
            }
        }
        let counted = usage.countedInputTokens(cacheReadsCount: limiters[classIndex].cacheReadsCount)
        let end = time + call.duration
        switch limiters[classIndex].admit(at: time, countedInput: counted, outputTokens: call.output, end: end) {
        case .admitted:
            if stream.cachedPrefix > 0 { cacheWarmUntil[call.stream][call.model] = time + stream.cacheTTL }
            let pending = Pending(call: call, retryNumber: retryNumber, start: time, status: 200, usage: usage)
            events.push(.completion(pending), at: end)
        case .rejected(let dimension, let wait):
            let retryAfter = wait.isFinite ? max(1, Int(wait.rounded(.up))) : 60
            let pending = Pending(call: call, retryNumber: retryNumber, start: time, status: 429, usage: .zero,
                                  limitedDimension: dimension, retryAfter: retryAfter)
            events.push(.completion(pending), at: time + rng.uniform(0.08, 0.35))
        }
    }

    private mutating func complete(_ pending: Pending, at time: Double) {
        let stream = model.streams[pending.call.stream]
        let classIndex = classOfStream[pending.call.stream]
        limiters[classIndex].advance(to: time)
        let headers = pending.status == 529 ? nil : limiters[classIndex].headers(at: time)
        ready.append(SimulatedAttempt(
            start: pending.start, end: time, model: stream.models[pending.call.model].model, classID: stream.classID,
            status: pending.status, usage: pending.usage, headers: headers, limitedDimension: pending.limitedDimension,
            retryAfter: pending.retryAfter, callID: pending.call.id, retryNumber: pending.retryNumber, stream: stream.name))
        if pending.status != 200, pending.retryNumber < model.retry.maxRetries {
            let delay: Double
            if let retryAfter = pending.retryAfter, retryAfter <= 60 {
                delay = Double(retryAfter) + rng.uniform(0, model.retry.retryAfterJitter)
            } else {
                var backoff = model.retry.initialDelay
                for _ in 0..<pending.retryNumber { backoff *= 2 }
                delay = min(backoff, model.retry.maxDelay) * (1 - 0.25 * rng.unit())
            }
            events.push(.attemptStart(pending.call, retryNumber: pending.retryNumber + 1), at: time + delay)
        } else if case .workers(_, let thinkTime, _) = stream.arrivals {
            events.push(.workerReady(stream: pending.call.stream), at: time + thinkTime)
        }
    }
}

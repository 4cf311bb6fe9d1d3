import RatetopCore

/// A description of an organization's traffic against one or more model classes: who sends
/// what, when, how big, and how the client retries. `TrafficSimulation` runs it against
/// `ReferenceLimiter`s to produce attempts.
public struct TrafficModel: Sendable {
    /// Epoch seconds: no call is started before `start` or after `end` (retries of calls
    /// already made may run a little past `end`).
    public var start: Double
    public var end: Double
    public var classes: [ModelClassLimits]
    public var streams: [TrafficStream]
    public var retry: RetryPolicy
    /// The share of attempts answered 529 `overloaded_error` outside any episode.
    public var overloadedShare: Double
    /// Periods of Anthropic-wide overload with their own 529 share.
    public var overloadEpisodes: [OverloadEpisode]

    public init(start: Double, end: Double, classes: [ModelClassLimits], streams: [TrafficStream],
                retry: RetryPolicy = RetryPolicy(), overloadedShare: Double = 0.001,
                overloadEpisodes: [OverloadEpisode] = []) {
        self.start = start
        self.end = end
        self.classes = classes
        self.streams = streams
        self.retry = retry
        self.overloadedShare = overloadedShare
        self.overloadEpisodes = overloadEpisodes
    }

    /// The 529 share in force at `time`.
    public func overloadedShare(at time: Double) -> Double {
        overloadEpisodes.first { time >= $0.from && time < $0.until }?.share ?? overloadedShare
    }
}

/// The limits of one model class's limiter.
public struct ModelClassLimits: Sendable, Equatable {
    public var classID: String
    /// RPM, ITPM, OTPM.
    public var limits: PerDimension<Int>
    public var cacheReadsCount: Bool

    public init(classID: String, limits: PerDimension<Int>, cacheReadsCount: Bool = false) {
        self.classID = classID
        self.limits = limits
        self.cacheReadsCount = cacheReadsCount
    }
}

/// A period during which a share of attempts get 529.
public struct OverloadEpisode: Sendable, Equatable {
    public var from: Double
    public var until: Double
    public var share: Double

    public init(from: Double, until: Double, share: Double) {
        self.from = from
        self.until = until
        self.share = share
    }
}

/// How the client retries, modelled on the official SDKs: `maxRetries` retries of 408, 409,
/// 429 and 5xx; the wait is `retry-after` when the server gives one of at most 60 s, otherwise
/// an exponential backoff from `initialDelay` up to `maxDelay`, shortened by up to 25 % jitter.
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries: Int
    public var initialDelay: Double
    public var maxDelay: Double
    /// Extra random delay after `retry-after` (client scheduling), uniform in `0..<this`.
    public var retryAfterJitter: Double

    public init(maxRetries: Int = 2, initialDelay: Double = 0.5, maxDelay: Double = 8, retryAfterJitter: Double = 0.3) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.retryAfterJitter = retryAfterJitter
    }
}

/// A log-normal token count, clamped.
public struct TokenSize: Sendable, Equatable {
    public var median: Double
    /// Standard deviation of the logarithm.
    public var sigma: Double
    public var minimum: Int
    public var maximum: Int

    public init(median: Double, sigma: Double, minimum: Int = 1, maximum: Int = 1_000_000) {
        self.median = median
        self.sigma = sigma
        self.minimum = minimum
        self.maximum = maximum
    }

    func draw(_ rng: inout SplitMix64) -> Int {
        let value = Int(rng.logNormal(median: median, sigma: sigma).rounded())
        return min(maximum, max(minimum, value))
    }
}

/// Calls per minute over the hour of the day (UTC): `perMinute` times a piecewise-linear
/// factor through `shape` points (flat beyond the first and last).
public struct RateProfile: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var hour: Double
        public var factor: Double
        public init(hour: Double, factor: Double) {
            self.hour = hour
            self.factor = factor
        }
    }

    public var perMinute: Double
    public var shape: [Point]

    public init(perMinute: Double, shape: [Point] = []) {
        self.perMinute = perMinute
        self.shape = shape.sorted { $0.hour < $1.hour }
    }

    /// A constant rate.
    public static func constant(_ perMinute: Double) -> RateProfile { RateProfile(perMinute: perMinute) }

    /// Calls per second at `time`.
    public func ratePerSecond(at time: Double) -> Double {
        perMinute * factor(hour: Self.hourOfDay(time)) / 60
    }

    /// The highest calls per second this profile reaches.
    public var maximumRatePerSecond: Double {
        perMinute * (shape.map(\.factor).max() ?? 1) / 60
    }

    func factor(hour: Double) -> Double {
        guard let first = shape.first, let last = shape.last else { return 1 }
        if hour <= first.hour { return first.factor }
        if hour >= last.hour { return last.factor }
        for index in 1..<shape.count where hour <= shape[index].hour {
            let a = shape[index - 1], b = shape[index]
            let span = b.hour - a.hour
            return span > 0 ? a.factor + (b.factor - a.factor) * (hour - a.hour) / span : b.factor
        }
        return last.factor
    }

    static func hourOfDay(_ time: Double) -> Double {
        let seconds = time.truncatingRemainder(dividingBy: 86_400)
        return (seconds < 0 ? seconds + 86_400 : seconds) / 3600
    }
}

/// How a stream's calls arrive.
public enum Arrivals: Sendable, Equatable {
    /// Independent users: a Poisson process whose rate follows the profile.
    case poisson(RateProfile)
    /// A batch job: `workers` loops, each sending its next call `thinkTime` seconds after the
    /// previous one finished (retries included), until `totalCalls` calls were made or the
    /// stream's window closed.
    case workers(count: Int, thinkTime: Double, totalCalls: Int)
}

/// One kind of traffic: a feature, a job, a team's chat tool.
public struct TrafficStream: Sendable, Equatable {
    public struct WeightedModel: Sendable, Equatable {
        public var model: String
        public var weight: Double
        public init(_ model: String, weight: Double = 1) {
            self.model = model
            self.weight = weight
        }
    }

    public var name: String
    public var classID: String
    public var models: [WeightedModel]
    public var arrivals: Arrivals
    /// Epoch seconds; the stream starts calls only within `from..<until` (and the model's span).
    public var from: Double
    public var until: Double
    /// Uncached input per call (`input_tokens`).
    public var input: TokenSize
    public var output: TokenSize
    /// A prompt prefix (system prompt, tools) cached with a time-to-live: written
    /// (`cache_creation_input_tokens`) when cold, read (`cache_read_input_tokens`) when warm.
    /// Zero for uncached traffic.
    public var cachedPrefix: Int
    /// The cache's time to live, refreshed on every hit (5 minutes for the default cache).
    public var cacheTTL: Double
    /// Generation speed, output tokens per second, uniform in this range.
    public var tokensPerSecond: ClosedRange<Double>
    /// Time to first token, seconds, uniform in this range.
    public var timeToFirstToken: ClosedRange<Double>

    public init(name: String, classID: String, models: [WeightedModel], arrivals: Arrivals,
                from: Double = -.infinity, until: Double = .infinity,
                input: TokenSize, output: TokenSize, cachedPrefix: Int = 0, cacheTTL: Double = 300,
                tokensPerSecond: ClosedRange<Double> = 20...80, timeToFirstToken: ClosedRange<Double> = 0.4...1.5) {
        self.name = name
        self.classID = classID
        self.models = models
        self.arrivals = arrivals
        self.from = from
        self.until = until
        self.input = input
        self.output = output
        self.cachedPrefix = cachedPrefix
        self.cacheTTL = cacheTTL
        self.tokensPerSecond = tokensPerSecond
        self.timeToFirstToken = timeToFirstToken
    }
}

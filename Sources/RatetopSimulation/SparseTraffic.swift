import RatetopCore

/// The sparse shape: a team's exchange log over weeks. Weekdays have a few bursts of work
/// between 08:00 and 19:00 UTC, evenings and weekends are mostly idle, and now and then a batch
/// job overruns the limits (a 429 storm). Exactly `lines` attempts, spread over `span`.
///
/// The plan (when each burst happens and how many lines it gets) is drawn first; each burst is
/// then a `TrafficSimulation` of its own against fresh limiters (after an idle gap the buckets
/// are full anyway), cut at the burst's number of lines. Bursts never overlap: a burst that ran
/// long pushes the next one later. The first burst opens the first working morning of the span
/// and the last one lies in its last working afternoon, so two lines over a year are a year
/// apart.
public struct SparseTraffic: AttemptSource {
    public struct Burst: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// People at work: chat, classification and planning calls, Poisson arrivals.
            case work
            /// A batch job with many workers and large prompts: input-token 429s and retries.
            case storm
        }

        public var kind: Kind
        /// Epoch seconds; the burst's first call is not before this.
        public var start: Double
        /// The length it was planned for, seconds.
        public var duration: Double
        public var lines: Int
    }

    /// The organization's limits (the Start plan) for the three classes it uses.
    public static let classes = [
        ModelClassLimits(classID: "sonnet-4.x", limits: PerDimension(requests: 1_000, inputTokens: 2_000_000, outputTokens: 400_000)),
        ModelClassLimits(classID: "haiku-4.5", limits: PerDimension(requests: 1_000, inputTokens: 2_000_000, outputTokens: 400_000)),
        ModelClassLimits(classID: "opus-4.x", limits: PerDimension(requests: 1_000, inputTokens: 2_000_000, outputTokens: 400_000)),
    ]

    public let bursts: [Burst]
    public let start: Double
    public let end: Double
    private let seed: UInt64
    private var burstIndex = 0
    private var emittedInBurst = 0
    private var simulation: TrafficSimulation?
    private var restarts = 0
    /// The end of the latest attempt handed out.
    private var lastEnd: Double

    public init(lines: Int, start: Double, span: Double, seed: UInt64) {
        precondition(lines >= 0 && span > 0, "lines must not be negative and span must be positive")
        self.start = start
        end = start + span
        self.seed = seed
        bursts = Self.plan(lines: lines, start: start, end: start + span, seed: seed)
        lastEnd = start
    }

    public mutating func nextAttempt() -> SimulatedAttempt? {
        while burstIndex < bursts.count {
            let burst = bursts[burstIndex]
            if emittedInBurst >= burst.lines {
                burstIndex += 1
                emittedInBurst = 0
                simulation = nil
                restarts = 0
                continue
            }
            if simulation == nil {
                // Not before the plan, and never before the previous burst's last line.
                let opens = max(burst.start, lastEnd + (burstIndex == 0 ? 0 : 30))
                simulation = TrafficSimulation(
                    model: Self.model(for: burst, lines: burst.lines - emittedInBurst, opens: opens),
                    seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(burstIndex + 1)) ^ UInt64(restarts))
            }
            if var running = simulation, let attempt = running.nextAttempt() {
                simulation = running
                emittedInBurst += 1
                lastEnd = max(lastEnd, attempt.end)
                return attempt
            }
            // The simulation ran dry before the burst's share (a small burst whose Poisson draw
            // fell short): carry on with a fresh one after it.
            simulation = nil
            restarts += 1
        }
        return nil
    }

    /// The traffic of one burst, starting at `opens`, aimed at `lines` attempts.
    static func model(for burst: Burst, lines: Int, opens: Double) -> TrafficModel {
        let sonnet = [TrafficStream.WeightedModel("claude-sonnet-4-5-20250929", weight: 0.7),
                      TrafficStream.WeightedModel("claude-sonnet-4-6", weight: 0.3)]
        let haiku = [TrafficStream.WeightedModel("claude-haiku-4-5-20251001")]
        let opus = [TrafficStream.WeightedModel("claude-opus-4-5-20251101"), TrafficStream.WeightedModel("claude-opus-4-6")]
        switch burst.kind {
        case .work:
            let minutes = max(burst.duration, 60) / 60
            let perMinute = Double(lines) / minutes
            let streams = [
                TrafficStream(
                    name: "assistant", classID: "sonnet-4.x", models: sonnet,
                    arrivals: .poisson(.constant(perMinute * 0.55)),
                    input: TokenSize(median: 1_200, sigma: 0.9, minimum: 20, maximum: 60_000),
                    output: TokenSize(median: 380, sigma: 0.7, minimum: 8, maximum: 8_000),
                    cachedPrefix: 14_200, tokensPerSecond: 30...75, timeToFirstToken: 0.5...1.6),
                TrafficStream(
                    name: "classifier", classID: "haiku-4.5", models: haiku,
                    arrivals: .poisson(.constant(perMinute * 0.30)),
                    input: TokenSize(median: 700, sigma: 0.7, minimum: 20, maximum: 30_000),
                    output: TokenSize(median: 90, sigma: 0.6, minimum: 3, maximum: 2_000),
                    cachedPrefix: 4_800, tokensPerSecond: 60...140, timeToFirstToken: 0.25...0.8),
                TrafficStream(
                    name: "planner", classID: "opus-4.x", models: opus,
                    arrivals: .poisson(.constant(perMinute * 0.15)),
                    input: TokenSize(median: 3_000, sigma: 0.8, minimum: 50, maximum: 100_000),
                    output: TokenSize(median: 900, sigma: 0.7, minimum: 20, maximum: 16_000),
                    cachedPrefix: 22_000, tokensPerSecond: 20...50, timeToFirstToken: 1.0...3.0),
            ]
            // Twice the planned length, so the draw rarely falls short; the caller stops at `lines`.
            return TrafficModel(start: opens, end: opens + minutes * 120 + 120, classes: classes, streams: streams,
                                overloadedShare: 0.002)
        case .storm:
            let stream = TrafficStream(
                name: "backfill", classID: "sonnet-4.x", models: [sonnet[0]],
                arrivals: .workers(count: max(1, min(120, lines / 4)), thinkTime: 0.2, totalCalls: lines),
                input: TokenSize(median: 12_000, sigma: 0.5, minimum: 1_000, maximum: 150_000),
                output: TokenSize(median: 600, sigma: 0.5, minimum: 20, maximum: 6_000),
                tokensPerSecond: 40...90, timeToFirstToken: 0.5...1.5)
            return TrafficModel(start: opens, end: opens + 86_400, classes: classes, streams: [stream],
                                overloadedShare: 0.002)
        }
    }

    /// Draws the bursts of the span and shares `lines` among them in proportion to the lines
    /// each would make at its own rate.
    static func plan(lines: Int, start: Double, end: Double, seed: UInt64) -> [Burst] {
        var rng = SplitMix64(seed: seed ^ 0x5A5A_0F0F_3C3C_C3C3)
        var bursts: [Burst] = []
        var natural: [Double] = []
        func add(_ kind: Burst.Kind, from: Double, duration: Double, perMinute: Double) {
            let from = max(from, start)
            let duration = min(duration, end - from)
            guard duration > 0 else { return }
            bursts.append(Burst(kind: kind, start: from, duration: duration, lines: 0))
            natural.append(perMinute * duration / 60)
        }
        var day = Int((start / 86_400).rounded(.down))
        while Double(day) * 86_400 < end {
            let midnight = Double(day) * 86_400
            let opens = midnight + 8 * 3_600, closes = midnight + 19 * 3_600
            if WorkCalendar.isWeekday(midnight) {
                // A quiet day now and then (holidays, an offsite).
                let dayFactor = rng.chance(0.08) ? 0.15 : rng.logNormal(median: 1, sigma: 0.45)
                let slots = 2 + rng.below(4)
                let slotLength = (closes - opens) / Double(slots)
                for slot in 0..<slots {
                    let slotStart = opens + Double(slot) * slotLength
                    let from = slotStart + rng.uniform(0, 0.45) * slotLength
                    let duration = rng.uniform(0.2, 0.5) * slotLength
                    add(.work, from: from, duration: duration, perMinute: 60 * dayFactor * rng.logNormal(median: 1, sigma: 0.6))
                }
                if rng.chance(0.2) {
                    // The batch job of the week, in working hours.
                    add(.storm, from: opens + rng.uniform(1, 9) * 3_600, duration: rng.uniform(8, 20) * 60, perMinute: 800)
                }
                if rng.chance(0.1) {
                    add(.work, from: midnight + rng.uniform(20, 22.5) * 3_600, duration: rng.uniform(10, 40) * 60,
                        perMinute: 15 * rng.logNormal(median: 1, sigma: 0.5))
                }
            } else if rng.chance(0.12) {
                add(.work, from: midnight + rng.uniform(10, 16) * 3_600, duration: rng.uniform(10, 60) * 60,
                    perMinute: 10 * rng.logNormal(median: 1, sigma: 0.5))
            }
            day += 1
        }
        if bursts.isEmpty {
            // A span too short for any working hours: one burst over all of it.
            bursts = [Burst(kind: .work, start: start, duration: end - start, lines: 0)]
            natural = [1]
        }
        // Storm windows were drawn inside their day; keep the plan in time order, disjoint.
        let order = bursts.indices.sorted { (bursts[$0].start, $0) < (bursts[$1].start, $1) }
        bursts = order.map { bursts[$0] }
        natural = order.map { natural[$0] }
        for index in bursts.indices.dropLast() where bursts[index].start + bursts[index].duration > bursts[index + 1].start {
            bursts[index].duration = max(1, bursts[index + 1].start - bursts[index].start - 60)
        }
        // The first and the last burst are work (so that the span's ends are people's calls).
        bursts[0].kind = .work
        bursts[bursts.count - 1].kind = .work
        // Anchor the span: with two lines or more, the first and the last burst get one each
        // before the rest is shared out.
        var shares = [Int](repeating: 0, count: bursts.count)
        var rest = lines
        if lines >= 2, bursts.count >= 2 {
            shares[0] = 1
            shares[bursts.count - 1] = 1
            rest -= 2
        } else if lines == 1 {
            shares[0] = 1
            rest = 0
        }
        for (index, share) in Self.apportion(rest, weights: natural).enumerated() { shares[index] += share }
        for index in bursts.indices { bursts[index].lines = shares[index] }
        return bursts.filter { $0.lines > 0 }
    }

    /// `total` split in proportion to `weights`, largest remainders first; sums to `total`.
    static func apportion(_ total: Int, weights: [Double]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0, total > 0 else { return weights.map { _ in 0 } }
        let exact = weights.map { Double(total) * $0 / sum }
        var shares = exact.map { Int($0.rounded(.down)) }
        var left = total - shares.reduce(0, +)
        let byRemainder = exact.indices.sorted {
            (Double(shares[$0]) - exact[$0], $0) < (Double(shares[$1]) - exact[$1], $1)
        }
        var cursor = 0
        while left > 0 {
            shares[byRemainder[cursor % byRemainder.count]] += 1
            left -= 1
            cursor += 1
        }
        return shares
    }
}

import RatetopCore

extension TrafficModel {
    /// Midnight UTC of Tuesday 2026-04-14, the sample day (Tier 1–4 scheme still in force).
    public static let sampleDayMidnight = Double(RFC3339.daysFromCivil(year: 2026, month: 4, day: 14)) * 86_400

    /// Tier 1 limits (RPM, ITPM, OTPM) from the bundled table: the sample's organization.
    public static let tier1Classes = [
        ModelClassLimits(classID: "sonnet-4.x", limits: PerDimension(requests: 50, inputTokens: 30_000, outputTokens: 8_000)),
        ModelClassLimits(classID: "haiku-4.5", limits: PerDimension(requests: 50, inputTokens: 50_000, outputTokens: 10_000)),
    ]

    /// A working day's load shape: quiet start, lunch dip, busy afternoon, tailing off.
    public static let officeHours: [RateProfile.Point] = [
        .init(hour: 8, factor: 0.35), .init(hour: 9.5, factor: 1.0), .init(hour: 11.8, factor: 1.0),
        .init(hour: 12.3, factor: 0.55), .init(hour: 13.3, factor: 0.95), .init(hour: 15.5, factor: 1.15),
        .init(hour: 17.3, factor: 0.7), .init(hour: 18.5, factor: 0.25),
    ]

    /// "A day in the life" of a small team on Tier 1, Tuesday 2026-04-14, 08:00–18:30 UTC.
    ///
    /// - `support-chat` (Sonnet 4.5, some 4.6): a chat assistant with a 14k-token cached system
    ///   prompt; cache writes whenever the 5-minute cache went cold.
    /// - `code-review` (Sonnet): uncached, large diffs.
    /// - `ticket-triage` (Haiku 4.5): small cached prompt, short answers.
    /// - `nightly-backfill` at 10:30 (Sonnet): a batch job with 6 workers and uncached prompts,
    ///   far beyond 30k ITPM: a storm of input-token 429s and retries.
    /// - `launch-spike` 14:40–15:05 (Sonnet): chat traffic triples after a product email, output
    ///   heavy: OTPM 429s.
    /// - `tagging-job` 15:30 (Haiku): 12 workers of tiny calls: a requests-per-minute storm.
    /// - an overload episode 16:20–16:24 with 529s, and a few 529s all day.
    ///
    /// `from` and `until` (hours of the day, UTC) cut a window out of the day.
    public static func sampleDay(from: Double = 8, until: Double = 18.5) -> TrafficModel {
        let day = sampleDayMidnight
        func at(_ hour: Double) -> Double { day + hour * 3600 }
        let sonnet = [TrafficStream.WeightedModel("claude-sonnet-4-5-20250929", weight: 0.75),
                      TrafficStream.WeightedModel("claude-sonnet-4-6", weight: 0.25)]
        let haiku = [TrafficStream.WeightedModel("claude-haiku-4-5-20251001")]
        let streams = [
            TrafficStream(
                name: "support-chat", classID: "sonnet-4.x", models: sonnet,
                arrivals: .poisson(RateProfile(perMinute: 2.3, shape: officeHours)),
                input: TokenSize(median: 900, sigma: 0.8, minimum: 20, maximum: 9_000),
                output: TokenSize(median: 330, sigma: 0.7, minimum: 8, maximum: 3_000),
                cachedPrefix: 14_200, tokensPerSecond: 30...75, timeToFirstToken: 0.5...1.6),
            TrafficStream(
                name: "code-review", classID: "sonnet-4.x", models: sonnet,
                arrivals: .poisson(RateProfile(perMinute: 0.45, shape: officeHours)),
                input: TokenSize(median: 5_500, sigma: 0.6, minimum: 400, maximum: 18_000),
                output: TokenSize(median: 700, sigma: 0.6, minimum: 40, maximum: 4_000),
                tokensPerSecond: 30...70, timeToFirstToken: 0.8...2.5),
            TrafficStream(
                name: "ticket-triage", classID: "haiku-4.5", models: haiku,
                arrivals: .poisson(RateProfile(perMinute: 1.2, shape: officeHours)),
                input: TokenSize(median: 450, sigma: 0.7, minimum: 20, maximum: 6_000),
                output: TokenSize(median: 110, sigma: 0.6, minimum: 5, maximum: 1_200),
                cachedPrefix: 4_800, tokensPerSecond: 60...140, timeToFirstToken: 0.25...0.8),
            TrafficStream(
                name: "nightly-backfill", classID: "sonnet-4.x", models: [sonnet[0]],
                arrivals: .workers(count: 6, thinkTime: 0.3, totalCalls: 170),
                from: at(10.5), until: at(10.5 + 24.0 / 60),
                input: TokenSize(median: 4_200, sigma: 0.45, minimum: 800, maximum: 14_000),
                output: TokenSize(median: 520, sigma: 0.5, minimum: 40, maximum: 2_500),
                tokensPerSecond: 35...70, timeToFirstToken: 0.6...1.8),
            TrafficStream(
                name: "launch-spike", classID: "sonnet-4.x", models: sonnet,
                arrivals: .poisson(.constant(11)),
                from: at(14 + 40.0 / 60), until: at(15 + 5.0 / 60),
                input: TokenSize(median: 1_000, sigma: 0.7, minimum: 20, maximum: 9_000),
                output: TokenSize(median: 480, sigma: 0.6, minimum: 8, maximum: 3_000),
                cachedPrefix: 14_200, tokensPerSecond: 30...75, timeToFirstToken: 0.5...1.6),
            TrafficStream(
                name: "tagging-job", classID: "haiku-4.5", models: haiku,
                arrivals: .workers(count: 8, thinkTime: 0.2, totalCalls: 160),
                from: at(15.5), until: at(15.5 + 15.0 / 60),
                input: TokenSize(median: 600, sigma: 0.4, minimum: 100, maximum: 3_000),
                output: TokenSize(median: 40, sigma: 0.5, minimum: 3, maximum: 400),
                tokensPerSecond: 80...160, timeToFirstToken: 0.25...0.7),
        ]
        return TrafficModel(
            start: at(from), end: at(until), classes: tier1Classes, streams: streams,
            overloadedShare: 0.0015,
            overloadEpisodes: [OverloadEpisode(from: at(16 + 20.0 / 60), until: at(16 + 24.0 / 60), share: 0.4)])
    }

    /// One bursty hour on Tier 1 (09:00–10:00 UTC of the sample day) with the sample day's
    /// stories compressed into it: the backfill job at 09:08 (ITPM storm), the launch spike at
    /// 09:25 (OTPM), an overload episode at 09:22 and the tagging job at 09:44 (RPM storm), over
    /// the usual chat, review and triage traffic. The estimator accuracy test runs on it.
    public static func burstyHour() -> TrafficModel {
        let day = sampleDayMidnight
        func at(_ minute: Double) -> Double { day + 9 * 3600 + minute * 60 }
        var model = sampleDay(from: 9, until: 10)
        model.streams = model.streams.map { stream in
            var stream = stream
            switch stream.name {
            case "nightly-backfill":
                stream.from = at(8)
                stream.until = at(20)
                stream.arrivals = .workers(count: 6, thinkTime: 0.3, totalCalls: 90)
            case "launch-spike":
                stream.from = at(25)
                stream.until = at(40)
            case "tagging-job":
                stream.from = at(44)
                stream.until = at(54)
                stream.arrivals = .workers(count: 8, thinkTime: 0.2, totalCalls: 120)
            default:
                break
            }
            return stream
        }
        model.overloadEpisodes = [OverloadEpisode(from: at(22), until: at(24), share: 0.4)]
        return model
    }

    /// Midnight UTC of Wednesday 2026-11-18, the benchmark's day (Start/Build/Scale scheme).
    public static let benchmarkMidnight = Double(RFC3339.daysFromCivil(year: 2026, month: 11, day: 18)) * 86_400

    /// Heavy traffic for the replay benchmark: an organization on the Build tier with Sonnet,
    /// Haiku and Opus traffic around 2,000 attempts a minute, with an hourly batch job per class
    /// that overruns its limits. Runs for `hours` from midnight. `rateScale` multiplies every
    /// stream's rate and the batch jobs' sizes (1 = about 2,000 attempts a minute).
    public static func benchmark(hours: Double = 24, rateScale: Double = 1) -> TrafficModel {
        let day = benchmarkMidnight
        let build = PerDimension(requests: 5_000, inputTokens: 5_000_000, outputTokens: 1_000_000)
        let classes = [
            ModelClassLimits(classID: "sonnet-4.x", limits: build),
            ModelClassLimits(classID: "haiku-4.5", limits: build),
            ModelClassLimits(classID: "opus-4.x", limits: build),
        ]
        let sonnet = [TrafficStream.WeightedModel("claude-sonnet-4-5-20250929", weight: 0.4),
                      TrafficStream.WeightedModel("claude-sonnet-4-6", weight: 0.6)]
        let haiku = [TrafficStream.WeightedModel("claude-haiku-4-5-20251001")]
        let opus = [TrafficStream.WeightedModel("claude-opus-4-6"), TrafficStream.WeightedModel("claude-opus-4-7", weight: 2)]
        let flat = [RateProfile.Point(hour: 0, factor: 0.8), .init(hour: 12, factor: 1.2), .init(hour: 24, factor: 0.8)]
        func rate(_ perMinute: Double) -> RateProfile { RateProfile(perMinute: perMinute * rateScale, shape: flat) }
        var streams = [
            TrafficStream(
                name: "assistant", classID: "sonnet-4.x", models: sonnet,
                arrivals: .poisson(rate(900)),
                input: TokenSize(median: 1_200, sigma: 0.9, minimum: 20, maximum: 60_000),
                output: TokenSize(median: 380, sigma: 0.7, minimum: 8, maximum: 8_000),
                cachedPrefix: 14_200, tokensPerSecond: 30...75, timeToFirstToken: 0.5...1.6),
            TrafficStream(
                name: "documents", classID: "sonnet-4.x", models: sonnet,
                arrivals: .poisson(rate(180)),
                input: TokenSize(median: 7_000, sigma: 0.7, minimum: 300, maximum: 150_000),
                output: TokenSize(median: 600, sigma: 0.6, minimum: 20, maximum: 8_000),
                tokensPerSecond: 30...70, timeToFirstToken: 0.8...2.5),
            TrafficStream(
                name: "classifier", classID: "haiku-4.5", models: haiku,
                arrivals: .poisson(rate(650)),
                input: TokenSize(median: 700, sigma: 0.7, minimum: 20, maximum: 30_000),
                output: TokenSize(median: 90, sigma: 0.6, minimum: 3, maximum: 2_000),
                cachedPrefix: 4_800, tokensPerSecond: 60...140, timeToFirstToken: 0.25...0.8),
            TrafficStream(
                name: "planner", classID: "opus-4.x", models: opus,
                arrivals: .poisson(rate(160)),
                input: TokenSize(median: 3_000, sigma: 0.8, minimum: 50, maximum: 100_000),
                output: TokenSize(median: 900, sigma: 0.7, minimum: 20, maximum: 16_000),
                cachedPrefix: 22_000, tokensPerSecond: 20...50, timeToFirstToken: 1.0...3.0),
        ]
        let batchCalls = Int((12_000 * rateScale).rounded())
        let batchWorkers = max(1, min(400, Int((400 * rateScale).rounded())))
        var hour = 1.0
        while hour < hours, batchCalls > 0 {
            streams.append(TrafficStream(
                name: "hourly-batch", classID: ["sonnet-4.x", "haiku-4.5", "opus-4.x"][Int(hour) % 3],
                models: [sonnet, haiku, opus][Int(hour) % 3],
                arrivals: .workers(count: batchWorkers, thinkTime: 0.2, totalCalls: batchCalls),
                from: day + hour * 3600 + 600, until: day + hour * 3600 + 1_200,
                input: TokenSize(median: 9_000, sigma: 0.5, minimum: 500, maximum: 100_000),
                output: TokenSize(median: 700, sigma: 0.5, minimum: 20, maximum: 6_000),
                tokensPerSecond: 40...90, timeToFirstToken: 0.5...1.5))
            hour += 1
        }
        return TrafficModel(start: day, end: day + hours * 3600, classes: classes, streams: streams,
                            overloadedShare: 0.002)
    }
}

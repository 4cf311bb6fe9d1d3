/// Maps another ratetop's `/metrics` (its `--metrics-listen` endpoint) back onto buckets.
///
/// Per `bucket` label: `ratetop_bucket_limit` and `ratetop_bucket_limit_source` give the limits
/// and where that ratetop got them; `ratetop_bucket_remaining` its estimated level (used as an
/// upper bound, see `RatetopOrganization`); the counters `ratetop_requests_total`,
/// `ratetop_throttled_requests_total{status}` and `ratetop_tokens_total{kind}` give the exact
/// usage between two scrapes, by kind (uncached input, cache writes, cache reads, output).
/// The gauges that are rates or derived (`consumption_per_minute`, `seconds_to_empty`,
/// `untracked_per_minute`) are not read: the engine rebuilds them from the summed usage, and a
/// host's untracked usage is mostly the other hosts' usage, which is already counted.
public enum RatetopMetricsMapper {
    /// The names read here, as `RatetopMetrics.MetricFamily` writes them (a contract).
    public static let limit = "ratetop_bucket_limit"
    public static let remaining = "ratetop_bucket_remaining"
    public static let limitSource = "ratetop_bucket_limit_source"
    public static let requests = "ratetop_requests_total"
    public static let throttled = "ratetop_throttled_requests_total"
    public static let tokens = "ratetop_tokens_total"

    /// True when the exposition carries any series this mapper reads.
    public static func recognises(_ exposition: PrometheusExposition) -> Bool {
        exposition.samples.contains { $0.name.hasPrefix("ratetop_bucket_") || $0.name == requests || $0.name == tokens }
    }

    /// One scrape → per bucket: increments through `counters`, limits and levels as reported.
    public static func map(_ exposition: PrometheusExposition, counters: inout CounterTracker) -> [ScrapedUsage] {
        var byBucket: [String: ScrapedUsage] = [:]
        var order: [String] = []
        var attempts: [String: Double] = [:]
        func update(_ bucket: String, _ apply: (inout ScrapedUsage) -> Void) {
            if byBucket[bucket] == nil {
                byBucket[bucket] = ScrapedUsage(model: bucket)
                order.append(bucket)
            }
            apply(&byBucket[bucket]!)
        }
        for sample in exposition.samples {
            guard let bucket = sample[label: "bucket"], !bucket.isEmpty else { continue }
            let dimension = sample[label: "dimension"].flatMap(Self.dimension)
            switch sample.name {
            case limit:
                guard let dimension, sample.value.isFinite, sample.value > 0, sample.value <= Double(Plausible.maxTokens) else { continue }
                update(bucket) { $0.limits[dimension] = Int(saturating: sample.value.rounded()) }
            case remaining:
                guard let dimension, sample.value.isFinite, sample.value <= Double(Plausible.maxTokens) else { continue }
                update(bucket) { $0.remaining[dimension] = max(0, sample.value) }
            case limitSource:
                guard sample.value > 0, let source = sample[label: "source"].flatMap(LimitsSource.init(rawValue:)) else { continue }
                update(bucket) { $0.limitsSource = source }
            case requests:
                let increment = counters.increment(series: sample.seriesKey, value: sample.value)
                attempts[bucket, default: 0] += increment
                update(bucket) { _ in }
            case throttled:
                let increment = counters.increment(series: sample.seriesKey, value: sample.value)
                switch sample[label: "status"] {
                case "429": update(bucket) { $0.throttled += increment }
                case "529": update(bucket) { $0.overloaded += increment }
                default: continue
                }
            case tokens:
                let increment = Int(saturating: counters.increment(series: sample.seriesKey, value: sample.value).rounded())
                switch sample[label: "kind"] {
                case "input": update(bucket) { $0.usage.inputTokens.addSaturating(increment) }
                case "cache_creation": update(bucket) { $0.usage.cacheCreationInputTokens.addSaturating(increment) }
                case "cache_read": update(bucket) { $0.usage.cacheReadInputTokens.addSaturating(increment) }
                case "output": update(bucket) { $0.usage.outputTokens.addSaturating(increment) }
                default: continue
                }
            default:
                continue
            }
        }
        // `requests_total` counts every attempt, refused ones included.
        return order.compactMap { bucket in
            guard var usage = byBucket[bucket] else { return nil }
            usage.requests = max(0, (attempts[bucket] ?? 0) - usage.throttled - usage.overloaded)
            return usage
        }
    }

    static func dimension(_ key: String) -> Dimension? {
        Dimension.allCases.first { $0.jsonKey == key }
    }
}

/// Several ratetops (one per host, each following its own logs) merged into one organization
/// view: limits are per organization and model class, so every host's usage is drawn from one
/// bucket per class.
///
/// - **Usage** is summed: every host's counter increments go into the one bucket.
/// - **Limits**: the most authoritative host's (a host that saw `-limit` headers beats a limits
///   file, which beats a `--tier` guess); equal sources take the larger limit. One choice for the
///   whole organization, so hosts that disagree do not make the limit flap.
/// - **Remaining**: the engine's own bucket, fed with the summed usage (limit − the summed
///   consumption, refilled), and never above the lowest level any host currently reports. A
///   host sees only its own usage, so its estimate is an upper bound of the true level (exact
///   when it reads headers, which count everyone's usage); the lowest such bound is the tightest.
///   Hosts whose last report is older than `maxAge` no longer bound anything.
public struct RatetopOrganization: Sendable {
    /// Seconds after which a host's last report stops counting (it went quiet or failed).
    public var maxAge: Double

    private struct Report: Sendable {
        var at: Double
        var usage: ScrapedUsage
    }

    /// Per host, per bucket: the latest report.
    private var reports: [String: [String: Report]] = [:]

    public init(maxAge: Double = 30) {
        self.maxAge = maxAge
    }

    /// Takes one host's scrape and returns it with the organization's limits and levels in place
    /// of the host's own.
    public mutating func merge(host: String, _ usages: [ScrapedUsage], at time: Double) -> [ScrapedUsage] {
        for usage in usages {
            reports[host, default: [:]][usage.model] = Report(at: time, usage: usage)
        }
        return usages.map { usage in
            var merged = usage
            let current = reports.values.compactMap { $0[usage.model] }.filter { time - $0.at <= maxAge }.map(\.usage)
            merged.limits = Self.limits(of: current)
            merged.limitsSource = current.compactMap(\.limitsSource).min { Self.rank($0) < Self.rank($1) }
            for dimension in Dimension.allCases {
                merged.remaining[dimension] = current.compactMap { $0.remaining[dimension] }.min()
            }
            return merged
        }
    }

    /// The limits of the best-ranked hosts, the larger on a tie, per dimension.
    static func limits(of usages: [ScrapedUsage]) -> PerDimension<Int?> {
        var result = PerDimension<Int?>(repeating: nil)
        for dimension in Dimension.allCases {
            var best: (rank: Int, limit: Int)?
            for usage in usages {
                guard let limit = usage.limits[dimension] else { continue }
                let rank = Self.rank(usage.limitsSource ?? .unknown)
                if best == nil || rank < best!.rank || (rank == best!.rank && limit > best!.limit) { best = (rank, limit) }
            }
            result[dimension] = best?.limit
        }
        return result
    }

    /// Lower is more authoritative.
    static func rank(_ source: LimitsSource) -> Int {
        switch source {
        case .headers: 0
        case .file: 1
        case .config: 2
        case .ratetop: 3
        case .tier: 4
        case .litellm: 5
        case .unknown: 6
        }
    }
}

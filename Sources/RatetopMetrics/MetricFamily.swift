import Prometheus

/// Every metric ratetop exports: its name (prefix `ratetop_`, base units, `_total` on counters)
/// and help text. The names are a contract, like the JSON-lines fields: later versions may add
/// metrics, never rename these.
enum MetricFamily: String, CaseIterable, Sendable {
    case bucketLimit = "ratetop_bucket_limit"
    case bucketRemaining = "ratetop_bucket_remaining"
    case bucketConsumptionPerMinute = "ratetop_bucket_consumption_per_minute"
    case bucketSecondsToEmpty = "ratetop_bucket_seconds_to_empty"
    case bucketUntrackedPerMinute = "ratetop_bucket_untracked_per_minute"
    case bucketLimitSource = "ratetop_bucket_limit_source"
    case bucketTier = "ratetop_bucket_tier"
    case cacheHitRatio = "ratetop_cache_hit_ratio"
    case requests = "ratetop_requests_total"
    case throttledRequests = "ratetop_throttled_requests_total"
    case tokens = "ratetop_tokens_total"
    case linesRead = "ratetop_lines_read_total"
    case linesMalformed = "ratetop_lines_malformed_total"
    case alertFiring = "ratetop_alert_firing"
    case stateTimestamp = "ratetop_state_timestamp_seconds"
    case buildInfo = "ratetop_build_info"

    var name: String { rawValue }

    var help: String {
        switch self {
        case .bucketLimit: "Rate limit per minute of the bucket (requests or tokens); absent when unknown."
        case .bucketRemaining: "Estimated level of the bucket now (requests or tokens); absent when the limit is unknown."
        case .bucketConsumptionPerMinute: "Consumption over the last 60 seconds (requests or tokens)."
        case .bucketSecondsToEmpty: "Seconds until the bucket is empty at the current rate; +Inf when not draining."
        case .bucketUntrackedPerMinute: "Usage the server reported that the logs do not explain, per minute (last 60 seconds)."
        case .bucketLimitSource: "Where the bucket's limits come from (headers, file, tier, config, litellm, ratetop, unknown); always 1."
        case .bucketTier: "The tier the bucket's limits match (custom when none); always 1, absent when unknown."
        case .cacheHitRatio: "Share of input tokens read from the prompt cache over the last 5 minutes; absent with no input."
        case .requests: "Attempts logged, throttled and overloaded ones included."
        case .throttledRequests: "Attempts refused with HTTP 429 (rate limited) or 529 (overloaded), by status."
        case .tokens: "Tokens logged, by kind: input (uncached), cache_creation, cache_read, output."
        case .linesRead: "Log lines read from every source."
        case .linesMalformed: "Log lines that could not be decoded and were skipped."
        case .alertFiring: "1 while the alert fires, 0 once resolved; present for every alert that has fired."
        case .stateTimestamp: "Time of the state these metrics describe, in Unix seconds (the virtual clock in replay)."
        case .buildInfo: "ratetop's version and the version of the limits table in force; always 1."
        }
    }

    /// The descriptor swift-prometheus registers the family under (the name whole, no parts).
    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

/// One series: a family and its label pairs, in the order they are written.
struct MetricSeries: Hashable, Sendable {
    var family: MetricFamily
    var labels: [Label]

    struct Label: Hashable, Sendable {
        var name: String
        var value: String
    }

    init(_ family: MetricFamily, _ labels: [(String, String)]) {
        self.family = family
        self.labels = labels.map { Label(name: $0.0, value: $0.1) }
    }

    var labelPairs: [(String, String)] { labels.map { ($0.name, $0.value) } }
}

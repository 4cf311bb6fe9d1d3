/// The `summary` text of an alert: the rule's template with its placeholders filled in, or a
/// one-line "resolved" note.
enum AlertSummary {
    static func text(_ rule: AlertRule, subject: AlertEvaluator.Subject, dimension: Dimension?, value: Double?, at time: Double,
                     resolved: Bool) -> String {
        if resolved {
            let what = dimension.map { "\(rule.id) (\($0.limitName))" } ?? rule.id
            let now: String
            if let value {
                now = format(value, metric: rule.metric)
            } else {
                switch rule.metric {
                case .secondsToEmpty: now = "not draining"
                case .headroom: now = "unknown"
                default: now = "too little traffic to judge"
                }
            }
            return "resolved: \(what) on \(subject.name), now \(now)"
        }
        var text = rule.summary
        let fill: (String, () -> String) -> Void = { placeholder, replacement in
            guard text.contains(placeholder) else { return }
            text = text.split(separator: placeholder, omittingEmptySubsequences: false).joined(separator: replacement())
        }
        var bucket: BucketState?
        if case .bucket(let state) = subject { bucket = state }
        fill("{rule}") { rule.id }
        fill("{bucket}") { bucket?.classID ?? "" }
        fill("{source}") { if case .source(let source) = subject { source.name } else { "" } }
        fill("{dimension}") { dimension?.jsonKey ?? "" }
        fill("{limit_name}") { dimension?.limitName ?? "" }
        fill("{value}") { value.map { format($0, metric: rule.metric) } ?? "unknown" }
        fill("{threshold}") { format(rule.fire, metric: rule.metric) }
        fill("{idle}") { value.map(duration) ?? "unknown" }
        guard let bucket else { return text }
        fill("{cache_hit_rate}") { bucket.cacheHitRate.map(percent) ?? "unknown" }
        fill("{baseline}") { bucket.trend.cacheHitBaseline.map(percent) ?? "unknown" }
        fill("{tier}") { bucket.tier.map { $0 == "custom" ? "its custom limits" : $0 } ?? "its limits" }
        fill("{pressure}") { pressure(bucket) }
        fill("{advice}") {
            switch bucket.upgrade {
            case .tier(let tier): TierAdvice(tier: tier, classID: bucket.classID).text
            case .custom: "no published tier fits: ask Anthropic sales for custom limits"
            case nil: "no tier table for this class: check the Console's limits"
            }
        }
        fill("{change}") { bucket.lastLimitChange?.text ?? "" }
        fill("{tier_change}") { bucket.tier.map { " (now \($0))" } ?? "" }
        return text
    }

    /// "p95 per minute over 30 min is 92% of ITPM (27.6k of 30k)", or the 429 minutes.
    static func pressure(_ bucket: BucketState) -> String {
        guard let (share, dimension) = AlertMetric.pressure(of: bucket) else { return "usage unknown" }
        let limited = bucket.trend.limitedMinutes
        guard let dimension, let limit = bucket.limits[dimension] else {
            return "429s from its limits in \(limited) of the last 30 minutes"
        }
        let p95 = Int(bucket.trend.p95PerMinute[dimension].rounded())
        var text = "p95 per minute over 30 min is \(percent(share)) of \(dimension.limitName) "
            + "(\(LimitsReport.compact(p95)) of \(LimitsReport.compact(limit)))"
        if limited > 0 { text += ", 429s in \(limited) of those minutes" }
        return text
    }

    static func format(_ value: Double, metric: AlertMetric) -> String {
        switch metric {
        case .headroom, .rate429, .rate529, .cacheHitRatio, .limitPressure: percent(value)
        case .secondsToEmpty: "\(Int(saturating: value.rounded())) s"
        case .throttledPerMinute: "\(Int(saturating: value.rounded()))"
        case .secondsSinceLimitChange, .secondsSinceLastLine: duration(value)
        case .spendCapped: value >= 0.5 ? "refused by the spend cap" : "succeeding"
        }
    }

    static func percent(_ value: Double) -> String {
        let percent = value * 100
        return percent < 10 && percent != percent.rounded() ? "\(JSONObjectWriter.format(percent, decimals: 1))%"
            : "\(Int(saturating: percent.rounded()))%"
    }

    /// 42 s, 5m12s, 1h05m.
    static func duration(_ seconds: Double) -> String {
        let total = Int(saturating: seconds.rounded())
        if total < 60 { return "\(total) s" }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if total < 3600 { return "\(total / 60)m\(two(total % 60))s" }
        return "\(total / 3600)h\(two(total % 3600 / 60))m"
    }
}

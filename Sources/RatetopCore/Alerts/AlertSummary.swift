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
        var bucket: BucketState?
        if case .bucket(let state) = subject { bucket = state }
        // The value of one placeholder; nil leaves it as written (unknown, or about a bucket
        // when the alert is about a source).
        func fill(_ name: Substring) -> String? {
            switch name {
            case "rule": return rule.id
            case "bucket": return bucket?.classID ?? ""
            case "source": if case .source(let source) = subject { return source.name } else { return "" }
            case "dimension": return dimension?.jsonKey ?? ""
            case "limit_name": return dimension?.limitName ?? ""
            case "value": return value.map { format($0, metric: rule.metric) } ?? "unknown"
            case "threshold": return format(rule.fire, metric: rule.metric)
            case "idle": return value.map(duration) ?? "unknown"
            default: break
            }
            guard let bucket else { return nil }
            switch name {
            case "cache_hit_rate": return bucket.cacheHitRate.map(percent) ?? "unknown"
            case "baseline": return bucket.trend.cacheHitBaseline.map(percent) ?? "unknown"
            case "tier": return bucket.tier.map { $0 == "custom" ? "its custom limits" : $0 } ?? "its limits"
            case "pressure": return pressure(bucket)
            case "advice":
                switch bucket.upgrade {
                case .tier(let tier): return TierAdvice(tier: tier, classID: bucket.classID).text
                case .custom: return "no published tier fits: ask Anthropic sales for custom limits"
                case nil: return "no tier table for this class: check the Console's limits"
                }
            case "change": return bucket.lastLimitChange?.text ?? ""
            case "tier_change": return bucket.tier.map { " (now \($0))" } ?? ""
            default: return nil
            }
        }
        // One pass over the template: what a placeholder is replaced by is never read again (a
        // source named "{value}" stays so), and no search per placeholder name.
        var text = ""
        var rest = Substring(rule.summary)
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            let name = rest.index(after: open)
            if let close = rest[name...].firstIndex(of: "}"), let replacement = fill(rest[name..<close]) {
                text += replacement
                rest = rest[rest.index(after: close)...]
            } else {
                text += "{"
                rest = rest[name...]
            }
        }
        text += rest
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

/// Encodes ratetop's machine-readable output: one JSON object per line, field names as in the
/// product contract (`state`, `summary`). Later versions may add fields, never rename these.
public enum JSONLines {
    /// A `state` object.
    public static func state(_ state: EngineState, malformedLines: Int, lateLines: Int) -> String {
        var out = JSONObjectWriter()
        out.field("type", string: "state")
        out.field("at", string: RFC3339.format(state.at, fractionDigits: state.at.rounded() == state.at ? 0 : 3))
        out.field("malformed_lines", int: malformedLines)
        out.field("late_lines", int: lateLines)
        out.objects("buckets", state.buckets) { b, bucket in
            b.field("bucket", string: bucket.classID)
            b.field("models", strings: bucket.models)
            b.field("tier", optionalString: bucket.tier)
            b.field("limits", perDimension: bucket.limits.map { $0.map(Double.init) }, decimals: (0, 0, 0))
            b.field("limits_source", string: bucket.limitsSource.rawValue)
            b.field("remaining", perDimension: bucket.remaining, decimals: (1, 0, 0))
            b.field("rate_per_min", perDimension: bucket.ratePerMinute.map { Optional($0) }, decimals: (1, 0, 0))
            b.field("seconds_to_empty", perDimension: bucket.secondsToEmpty, decimals: (1, 1, 1))
            b.field("cache_hit_rate", number: bucket.cacheHitRate, decimals: 4)
            b.field("rate_429", number: bucket.rate429, decimals: 4)
            b.field("requests_429", int: bucket.requests429)
            b.field("requests_529", int: bucket.requests529)
            b.field("untracked_per_min", perDimension: bucket.untrackedPerMinute.map { Optional($0) }, decimals: (1, 0, 0))
            b.field("last_retry_after", number: bucket.lastRetryAfter, decimals: 1)
            if let combined = bucket.combinedTokensRemaining {
                b.field("tokens_remaining_combined", number: combined, decimals: 0)
            }
        }
        // Sources failing now (scraped endpoints); absent while every source is fine.
        let failing = state.sources.filter { $0.problem != nil }
        if !failing.isEmpty {
            out.objects("source_problems", failing) { entry, source in
                entry.field("source", string: source.name)
                entry.field("problem", string: source.problem ?? "")
                entry.field("last_data_at", optionalString: source.lastLineAt.map { RFC3339.format($0, fractionDigits: 3) })
            }
        }
        return out.finish()
    }

    /// A number as the JSON lines write it: at most `decimals` decimals, integral values without
    /// a fraction (`null` when not finite).
    public static func number(_ value: Double, decimals: Int = 4) -> String {
        JSONObjectWriter.format(value, decimals: decimals)
    }

    /// An `alert` object.
    public static func alert(_ event: AlertEvent) -> String {
        var out = JSONObjectWriter()
        out.field("type", string: "alert")
        out.field("at", string: RFC3339.format(event.at, fractionDigits: event.at.rounded() == event.at ? 0 : 3))
        out.field("rule", string: event.rule)
        out.field("state", string: event.state.rawValue)
        out.field("severity", string: event.severity.rawValue)
        out.field("bucket", optionalString: event.bucket)
        out.field("dimension", optionalString: event.dimension?.jsonKey)
        out.field("value", number: event.value, decimals: 4)
        out.field("threshold", number: event.threshold, decimals: 4)
        out.field("summary", string: event.summary)
        var labels = JSONObjectWriter()
        for name in event.labels.keys.sorted() { labels.field(quotingName: name, string: event.labels[name] ?? "") }
        out.key("labels")
        out.raw(labels.finish())
        if let source = event.source { out.field("source", string: source) }
        return out.finish()
    }

    /// The answer of `GET /v1/admission`: how long `request` would wait in `bucket`'s class now.
    /// `requestSize` says where the size came from (`given`, or `p95` of the class's last requests);
    /// `state` is the class's state the forecast read (nil: no traffic seen in the class yet).
    public static func admission(model: String, bucket: String, request: RequestSize, requestSize: String,
                                 forecast: AdmissionForecast, state: BucketState?, at: Double?) -> String {
        var out = JSONObjectWriter()
        out.field("model", string: model)
        out.field("bucket", string: bucket)
        out.field("at", optionalString: at.map { RFC3339.format($0, fractionDigits: $0.rounded() == $0 ? 0 : 3) })
        out.field("input_tokens", int: request.inputTokens)
        out.field("output_tokens", int: request.outputTokens)
        out.field("request_size", string: requestSize)
        out.field("wait_seconds", number: forecast.waitSeconds, decimals: 1)
        out.field("wait_if_alone_seconds", number: forecast.waitIfAloneSeconds, decimals: 1)
        out.field("binding", optionalString: forecast.binding?.jsonKey)
        out.field("confidence", string: forecast.confidence.rawValue)
        out.field("note", optionalString: forecast.note)
        if let state {
            out.field("limits", perDimension: state.limits.map { $0.map(Double.init) }, decimals: (0, 0, 0))
            out.field("limits_source", string: state.limitsSource.rawValue)
            out.field("remaining", perDimension: state.remaining, decimals: (1, 0, 0))
            out.field("rate_per_min", perDimension: state.ratePerMinute.map { Optional($0) }, decimals: (1, 0, 0))
        }
        return out.finish()
    }

    /// A JSON string literal (quotes, backslashes and control characters escaped).
    public static func quote(_ string: String) -> String { JSONObjectWriter.quote(string) }

    /// An error answer of the HTTP endpoints: `{"error": message}`.
    public static func error(_ message: String) -> String {
        var out = JSONObjectWriter()
        out.field("error", string: message)
        return out.finish()
    }

    /// The counts a summary reports about its input.
    public struct InputCounts: Sendable {
        public var lines: Int
        /// Every line not used, per reason, `late` included.
        public var skipped: SkipCounts
        /// Lines that did not decode (`SkipCounts.undecodable`).
        public var malformedLines: Int { skipped.undecodable }
        /// Lines stamped too long before lines already applied: in the totals, not the buckets.
        public var lateLines: Int { skipped[.late] }
        public var duplicatesSkipped: Int { skipped[.duplicate] }

        public init(lines: Int, skipped: SkipCounts) {
            self.lines = lines
            self.skipped = skipped
        }

        /// Counts known only as totals (the broken lines all `malformed`).
        public init(lines: Int, malformedLines: Int, lateLines: Int = 0, duplicatesSkipped: Int) {
            var skipped = SkipCounts()
            skipped[.malformed] = malformedLines
            skipped[.late] = lateLines
            skipped[.duplicate] = duplicatesSkipped
            self.init(lines: lines, skipped: skipped)
        }
    }

    /// A `summary` object.
    public static func summary(_ buckets: [BucketSummary], from: Double?, to: Double?, counts: InputCounts,
                               alerts: (fired: Int, byRule: [String: Int])) -> String {
        var out = JSONObjectWriter()
        out.field("type", string: "summary")
        out.field("from", optionalString: from.map { RFC3339.format($0, fractionDigits: $0.rounded() == $0 ? 0 : 3) })
        out.field("to", optionalString: to.map { RFC3339.format($0, fractionDigits: $0.rounded() == $0 ? 0 : 3) })
        out.field("lines", int: counts.lines)
        out.field("malformed_lines", int: counts.malformedLines)
        out.field("late_lines", int: counts.lateLines)
        out.field("duplicates_skipped", int: counts.duplicatesSkipped)
        var skipped = JSONObjectWriter()
        for reason in SkipReason.allCases { skipped.field(reason.key, int: counts.skipped[reason]) }
        out.key("skipped_lines")
        out.raw(skipped.finish())
        out.objects("buckets", buckets) { b, bucket in
            b.field("bucket", string: bucket.classID)
            b.field("models", strings: bucket.models)
            b.field("requests", int: bucket.requests)
            b.field("requests_429", int: bucket.requests429)
            b.field("requests_529", int: bucket.requests529)
            b.field("rate_429", number: bucket.rate429 ?? 0, decimals: 4)
            var tokens = JSONObjectWriter()
            tokens.field("input", int: bucket.inputTokens)
            tokens.field("cache_creation", int: bucket.cacheCreationTokens)
            tokens.field("cache_read", int: bucket.cacheReadTokens)
            tokens.field("output", int: bucket.outputTokens)
            b.key("tokens")
            b.raw(tokens.finish())
            b.field("cache_hit_rate", number: bucket.cacheHitRate ?? 0, decimals: 4)
            if bucket.resolutionSeconds > 60 {
                // Hour or day aggregates: no per-minute peak is known, only average rates.
                let unknown = PerDimension<Double?>(repeating: nil)
                b.field("peak_per_min", perDimension: unknown, decimals: (0, 0, 0))
                b.field("p95_per_min", perDimension: unknown, decimals: (0, 0, 0))
                b.field("resolution_s", int: bucket.resolutionSeconds)
                b.field("busiest_average_per_min", perDimension: bucket.peakPerMinute.map { Optional(Double($0)) }, decimals: (0, 0, 0))
            } else {
                b.field("peak_per_min", perDimension: bucket.peakPerMinute.map { Optional(Double($0)) }, decimals: (0, 0, 0))
                b.field("p95_per_min", perDimension: bucket.p95PerMinute.map { Optional(Double($0)) }, decimals: (0, 0, 0))
            }
            b.field("tier", optionalString: bucket.tier)
            b.field("recommended_tier", optionalString: bucket.recommendedTier)
            if bucket.resolutionSeconds > 60 { b.field("tier_advice_from", string: "averages") }
            if let cost = bucket.costUSD {
                b.field("cost_usd", number: cost, decimals: 4)
            } else {
                b.field("cost_usd", optionalString: nil)
                b.field("unpriced_models", strings: bucket.unpricedModels)
            }
            if bucket.subscriptionLimits > 0 {
                b.field("subscription_limits", int: bucket.subscriptionLimits)
                b.field("subscription_resets_at", optionalString: bucket.subscriptionResetsAt.map { RFC3339.format($0, fractionDigits: 0) })
            }
            if bucket.saturated { b.field("saturated", bool: true) }
        }
        do {
            var counts = JSONObjectWriter()
            counts.field("fired", int: alerts.fired)
            var byRule = JSONObjectWriter()
            for rule in alerts.byRule.keys.sorted() { byRule.field(rule, int: alerts.byRule[rule] ?? 0) }
            counts.key("by_rule")
            counts.raw(byRule.finish())
            out.key("alerts")
            out.raw(counts.finish())
        }
        return out.finish()
    }
}

/// Builds one JSON object as text, fields in the order written.
struct JSONObjectWriter {
    private var text = "{"
    private var empty = true

    mutating func key(_ name: String) {
        if !empty { text += "," }
        empty = false
        text += "\""
        text += name
        text += "\":"
    }

    mutating func raw(_ fragment: String) { text += fragment }

    /// An array of objects under `name`, one per element, each filled in by `write`.
    mutating func objects<S: Sequence>(_ name: String, _ elements: S, _ write: (inout JSONObjectWriter, S.Element) -> Void) {
        key(name)
        text += "["
        var first = true
        for element in elements {
            if !first { text += "," }
            first = false
            var object = JSONObjectWriter()
            write(&object, element)
            text += object.finish()
        }
        text += "]"
    }

    /// A field whose name comes from the user (quoted and escaped like a value).
    mutating func field(quotingName name: String, string: String) {
        if !empty { text += "," }
        empty = false
        text += Self.quote(name) + ":" + Self.quote(string)
    }

    mutating func field(_ name: String, string: String) {
        key(name)
        text += Self.quote(string)
    }

    mutating func field(_ name: String, optionalString: String?) {
        key(name)
        text += optionalString.map(Self.quote) ?? "null"
    }

    mutating func field(_ name: String, strings: [String]) {
        key(name)
        text += "[" + strings.map(Self.quote).joined(separator: ",") + "]"
    }

    mutating func field(_ name: String, bool: Bool) {
        key(name)
        raw(bool ? "true" : "false")
    }

    mutating func field(_ name: String, int: Int) {
        key(name)
        text += String(int)
    }

    mutating func field(_ name: String, number: Double?, decimals: Int) {
        key(name)
        text += number.map { Self.format($0, decimals: decimals) } ?? "null"
    }

    mutating func field(_ name: String, perDimension values: PerDimension<Double?>, decimals: (Int, Int, Int)) {
        key(name)
        text += "{\"requests\":" + (values.requests.map { Self.format($0, decimals: decimals.0) } ?? "null")
        text += ",\"input_tokens\":" + (values.inputTokens.map { Self.format($0, decimals: decimals.1) } ?? "null")
        text += ",\"output_tokens\":" + (values.outputTokens.map { Self.format($0, decimals: decimals.2) } ?? "null") + "}"
    }

    mutating func finish() -> String {
        text + "}"
    }

    /// A number rounded to `decimals` places, written without a trailing `.0` when whole.
    static func format(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "null" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 9e15 { return String(Int(rounded)) }
        return "\(rounded)"
    }

    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Maps Claude Code's token metric in its Prometheus form (`OTEL_METRICS_EXPORTER=prometheus`:
/// an OpenTelemetry Prometheus exporter, by default on `:9464/metrics`) onto the engine's usage.
///
/// | series | becomes |
/// |---|---|
/// | `claude_code_token_usage_total{type="input"\|"output"\|"cacheRead"\|"cacheCreation",model=…,session_id=…}` (Claude Code's own exporter), `claude_code_token_usage_tokens_total` (with the unit suffix, as an OpenTelemetry Collector's Prometheus exporter writes it) | tokens of that kind (increments) |
///
/// The metric counts tokens, not attempts: requests and 429s stay unknown (`requests` 0), and
/// the buckets' request dimension sees nothing from this source. Series of one model add up
/// (one per session, user, terminal…); the model class comes from the limits table's patterns,
/// a model no pattern matches being a class of its own name.
public struct ClaudeCodeMetricsMapper: Sendable {
    public let table: LimitsTable

    public init(table: LimitsTable) {
        self.table = table
    }

    static let tokenUsage: Set<String> = [
        "claude_code_token_usage_tokens_total", "claude_code_token_usage_total",
        "claude_code_token_usage_tokens", "claude_code_token_usage",
    ]

    /// True when the exposition carries Claude Code's token metric.
    public static func recognises(_ exposition: PrometheusExposition) -> Bool {
        exposition.samples.contains { tokenUsage.contains($0.name) }
    }

    /// One scrape → per class: increments through `counters`.
    public func map(_ exposition: PrometheusExposition, counters: inout CounterTracker) -> [ScrapedUsage] {
        let created = LiteLLMMetricsMapper.createdTimes(exposition)
        var byClass: [String: ScrapedUsage] = [:]
        var order: [String] = []
        for sample in exposition.samples where Self.tokenUsage.contains(sample.name) {
            let amount = counters.increment(series: sample.seriesKey, value: sample.value, created: created[sample.seriesKey])
            let model = sample[label: "model"].flatMap { $0.isEmpty ? nil : LiteLLMMetricsMapper.withoutProvider($0) } ?? "unknown"
            let key = table.modelClass(for: model)?.id ?? model.lowercased()
            if byClass[key] == nil {
                byClass[key] = ScrapedUsage(model: model)
                order.append(key)
            }
            let tokens = Int(saturating: amount.rounded())
            switch sample[label: "type"] {
            case "input": byClass[key]!.usage.inputTokens.addSaturating(tokens)
            case "output": byClass[key]!.usage.outputTokens.addSaturating(tokens)
            case "cacheRead": byClass[key]!.usage.cacheReadInputTokens.addSaturating(tokens)
            case "cacheCreation": byClass[key]!.usage.cacheCreationInputTokens.addSaturating(tokens)
            default: break
            }
        }
        return order.compactMap { byClass[$0] }
    }
}

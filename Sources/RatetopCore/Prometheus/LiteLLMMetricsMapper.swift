/// Maps a LiteLLM proxy's Prometheus metrics onto ratetop's model classes.
///
/// | LiteLLM series | becomes |
/// |---|---|
/// | `litellm_deployment_total_requests[_total]` | attempts (increments) |
/// | `litellm_deployment_failure_responses[_total]{exception_status="429"}` / `"529"` | throttled / overloaded attempts; other failures stay attempts |
/// | `litellm_input_tokens_metric_total`, `litellm_output_tokens_metric_total` (older `litellm_input_tokens[_total]`, `litellm_output_tokens[_total]`) | input and output tokens (increments) |
/// | `litellm_remaining_requests_metric` (older `litellm_remaining_requests`) | an observation of the requests bucket |
/// | `litellm_remaining_tokens_metric` (older `litellm_remaining_tokens`) | the combined tokens remaining, shown as reported |
///
/// What LiteLLM cannot tell, and how it is handled:
/// - Its tokens remaining is the server's combined `tokens` header (input + output), so ITPM and
///   OTPM are estimated from the token counters alone (`limits_source` is `litellm`).
/// - Its input counter is `prompt_tokens`, which for Anthropic includes cache reads and writes:
///   all of it is counted as uncached input, so ITPM use is overstated when the cache is hit.
/// - Its remaining gauges keep the value of the last response: they are used only when the
///   class had traffic since the previous scrape, so an idle bucket is not pinned low.
/// - It exports no limits: they come from `--tier` or `--limits`.
///
/// The model class comes from the limits table's patterns, trying `litellm_model_name`,
/// `model`, `requested_model` and `model_group` (provider prefixes like `anthropic/` removed);
/// a group no pattern matches becomes a class of its own name. Series of one class add up
/// (counters) or keep the lowest level (gauges): deployments share the organization's bucket.
public struct LiteLLMMetricsMapper: Sendable {
    public let table: LimitsTable

    public init(table: LimitsTable) {
        self.table = table
    }

    static let totalRequests = ["litellm_deployment_total_requests_total", "litellm_deployment_total_requests"]
    static let failures = ["litellm_deployment_failure_responses_total", "litellm_deployment_failure_responses"]
    static let inputTokens = ["litellm_input_tokens_metric_total", "litellm_input_tokens_total", "litellm_input_tokens"]
    static let outputTokens = ["litellm_output_tokens_metric_total", "litellm_output_tokens_total", "litellm_output_tokens"]
    static let remainingRequests = ["litellm_remaining_requests_metric", "litellm_remaining_requests"]
    static let remainingTokens = ["litellm_remaining_tokens_metric", "litellm_remaining_tokens"]

    /// True when the exposition carries any series this mapper reads.
    public static func recognises(_ exposition: PrometheusExposition) -> Bool {
        let names = Set(totalRequests + failures + inputTokens + outputTokens + remainingRequests + remainingTokens)
        return exposition.samples.contains { names.contains($0.name) }
    }

    /// One scrape → per class: increments through `counters`, levels as reported.
    public func map(_ exposition: PrometheusExposition, counters: inout CounterTracker) -> [ScrapedUsage] {
        let created = Self.createdTimes(exposition)
        var byClass: [String: ScrapedUsage] = [:]
        var order: [String] = []
        var gauges: [(key: String, sample: PrometheusSample)] = []

        func add(_ sample: PrometheusSample, _ apply: (inout ScrapedUsage, Double) -> Void, counter: Bool) {
            let (key, model) = classify(sample)
            let amount = counter
                ? counters.increment(series: sample.seriesKey, value: sample.value, created: created[sample.seriesKey])
                : sample.value
            if byClass[key] == nil {
                byClass[key] = ScrapedUsage(model: model)
                order.append(key)
            }
            apply(&byClass[key]!, amount)
        }

        for sample in exposition.samples {
            let name = sample.name
            if Self.totalRequests.contains(name) {
                add(sample, { $0.requests += $1 }, counter: true)
            } else if Self.failures.contains(name) {
                switch sample[label: "exception_status"] {
                case "429": add(sample, { $0.throttled += $1 }, counter: true)
                case "529": add(sample, { $0.overloaded += $1 }, counter: true)
                default: break  // other failures stay among the attempts `total_requests` counts
                }
            } else if Self.inputTokens.contains(name) {
                add(sample, { $0.usage.inputTokens.addSaturating(Int(saturating: $1.rounded())) }, counter: true)
            } else if Self.outputTokens.contains(name) {
                add(sample, { $0.usage.outputTokens.addSaturating(Int(saturating: $1.rounded())) }, counter: true)
            } else if Self.remainingRequests.contains(name) || Self.remainingTokens.contains(name) {
                gauges.append((classify(sample).key, sample))
            }
        }

        // `total_requests` counts every attempt; refused ones take nothing from the bucket.
        for key in order {
            guard var usage = byClass[key] else { continue }
            usage.requests = max(0, usage.requests - usage.throttled - usage.overloaded)
            byClass[key] = usage
        }
        // Remaining gauges hold the last response's value: only a class with traffic in the
        // interval has a fresh one.
        for (key, sample) in gauges where sample.value.isFinite && sample.value >= 0 && sample.value <= Double(Plausible.maxTokens) {
            guard var usage = byClass[key], usage.hasActivity else { continue }
            if Self.remainingRequests.contains(sample.name) {
                usage.remaining.requests = ScrapedUsage.lowest(usage.remaining.requests, sample.value)
            } else {
                usage.combinedTokensRemaining = ScrapedUsage.lowest(usage.combinedTokensRemaining, sample.value)
            }
            byClass[key] = usage
        }
        return order.compactMap { byClass[$0] }
    }

    /// The class key and the model name to intern for a series.
    func classify(_ sample: PrometheusSample) -> (key: String, model: String) {
        let candidates = ["litellm_model_name", "model", "requested_model", "model_group"].compactMap { label -> String? in
            guard let value = sample[label: label], !value.isEmpty else { return nil }
            return Self.withoutProvider(value)
        }
        for candidate in candidates {
            if let info = table.modelClass(for: candidate) { return (info.id, candidate) }
        }
        let group = sample[label: "model_group"] ?? sample[label: "requested_model"] ?? candidates.first ?? "unknown"
        let name = group.isEmpty ? "unknown" : Self.withoutProvider(group)
        return (name.lowercased(), name)
    }

    /// `anthropic/claude-sonnet-4-5` → `claude-sonnet-4-5`; `bedrock/us.anthropic.claude-…` keeps
    /// what follows the last `/`.
    static func withoutProvider(_ model: String) -> String {
        guard let slash = model.lastIndex(of: "/") else { return model }
        return String(model[model.index(after: slash)...])
    }

    /// `X_created` samples by the series key of their `X_total` counter.
    static func createdTimes(_ exposition: PrometheusExposition) -> [String: Double] {
        var times: [String: Double] = [:]
        for sample in exposition.samples where sample.name.hasSuffix("_created") {
            var counter = sample
            counter.name = String(sample.name.dropLast("_created".count)) + "_total"
            times[counter.seriesKey] = sample.value
        }
        return times
    }
}

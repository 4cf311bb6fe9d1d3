import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct LiteLLMDecoderTests {
    static func decoder(_ models: ModelCatalog) -> LiteLLMDecoder { LiteLLMDecoder(models: models) }

    @Test func loggingPayloadWithCacheHeadersAndEpochTimes() {
        let result = run("""
        {"id":"chatcmpl-1","call_type":"acompletion","status":"success","model":"anthropic/claude-sonnet-4-5-20250929","model_group":"sonnet","startTime":1763629200.5,"endTime":1763629202.5,"completionStartTime":1763629201.0,"prompt_tokens":13622,"completion_tokens":102,"total_tokens":13724,"response_cost":0.0123,"metadata":{"user_api_key_alias":"ci","usage_object":{"prompt_tokens":13622,"completion_tokens":102,"cache_read_input_tokens":12000,"cache_creation_input_tokens":500,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":500},"prompt_tokens_details":{"cached_tokens":12000}}},"hidden_params":{"model_id":"abc","litellm_model_name":"anthropic/claude-sonnet-4-5-20250929","additional_headers":{"x_ratelimit_limit_requests":50,"x_ratelimit_remaining_requests":47,"x_ratelimit_limit_tokens":38000,"x_ratelimit_remaining_tokens":29000,"llm_provider-anthropic-ratelimit-input-tokens-limit":"30000","llm_provider-anthropic-ratelimit-input-tokens-remaining":"28000","llm_provider-anthropic-ratelimit-output-tokens-remaining":"7000","llm_provider-anthropic-ratelimit-requests-remaining":"46","llm_provider-retry-after":"3"}},"error_str":null,"error_information":{"error_code":"","error_class":"","llm_provider":""},"messages":[{"role":"user","content":"hi"}],"response":{"choices":[]}}
        """, Self.decoder)
        #expect(result.outcomes == [.decoded])
        let event = result.events.first
        #expect(event.map(result.model) == "claude-sonnet-4-5-20250929")
        #expect(event?.start == 1763629200.5)
        #expect(event?.end == 1763629202.5)
        #expect(event?.headersAt == 1763629201.0)
        #expect(event?.status == 200)
        #expect(event?.errorKind == ExchangeErrorKind.none)
        #expect(event?.requests == 1)
        // 13622 prompt tokens include the 12000 cache reads and 500 cache writes.
        #expect(event?.usage == Usage(inputTokens: 1122, cacheCreationInputTokens: 500, cacheCreation1hInputTokens: 500,
                                      cacheReadInputTokens: 12000, outputTokens: 102))
        #expect(event?.hasHeaders == true)
        #expect(event?.headers.limit.requests == 50)
        #expect(event?.headers.remaining.requests == 46)  // the upstream value wins over LiteLLM's copy
        #expect(event?.headers.limit.inputTokens == 30000)
        #expect(event?.headers.remaining.inputTokens == 28000)
        #expect(event?.headers.remaining.outputTokens == 7000)
        #expect(event?.headers.tokensLimit == 38000)
        #expect(event?.headers.tokensRemaining == 29000)
        #expect(event?.retryAfter == 3)
    }

    /// Spend-log rows exported from the database hold `metadata` as a JSON string: the cache
    /// split inside it counts (without it, every cached token would read as uncached input).
    @Test func metadataWrittenAsAJSONStringIsDecoded() {
        let result = run(#"""
        {"request_id":"r1","startTime":"2026-11-20T09:00:00Z","endTime":"2026-11-20T09:00:02Z","model":"claude-sonnet-4-5-20250929","prompt_tokens":24000,"completion_tokens":100,"status":"success","metadata":"{\"usage_object\": {\"prompt_tokens\": 24000, \"cache_read_input_tokens\": 22000, \"cache_creation_input_tokens\": 1000}, \"additional_headers\": {\"llm_provider-anthropic-ratelimit-input-tokens-remaining\": \"28000\"}}"}
        {"request_id":"r2","startTime":"2026-11-20T09:00:03Z","endTime":"2026-11-20T09:00:04Z","model":"claude-sonnet-4-5-20250929","prompt_tokens":10,"completion_tokens":1,"metadata":"","usage":"{\"cache_read_input_tokens\":4}"}
        {"request_id":"r3","startTime":"2026-11-20T09:00:05Z","endTime":"2026-11-20T09:00:06Z","model":"claude-sonnet-4-5-20250929","prompt_tokens":10,"completion_tokens":1,"metadata":"{\"usage_object\": {\"cache_read_input_tokens\": \"x"}
        """#, Self.decoder)
        #expect(result.outcomes.prefix(2) == [.decoded, .decoded])
        if case .malformed = result.outcomes.last {} else { Issue.record("a broken metadata string is malformed: \(result.outcomes)") }
        #expect(result.events.first?.usage == Usage(inputTokens: 1000, cacheCreationInputTokens: 1000, cacheReadInputTokens: 22000,
                                                    outputTokens: 100))
        #expect(result.events.first?.headers.remaining.inputTokens == 28000)
        #expect(result.events.last?.usage.cacheReadInputTokens == 4)
    }

    @Test func spendLogExportWithIsoTimesAndExactTotals() {
        let result = run("""
        {"request_id":"r1","call_type":"acompletion","api_key":"hashed","spend":0.002,"total_tokens":1100,"prompt_tokens":1000,"completion_tokens":100,"startTime":"2026-11-20T09:00:00.000Z","endTime":"2026-11-20T09:00:02.500Z","model":"claude-haiku-4-5","model_group":"haiku","status":"success","metadata":{}}
        {"request_id":"r2","call_type":"acompletion","spend":0.001,"total_tokens":550,"prompt_tokens":500,"completion_tokens":50,"startTime":"2026-11-20 09:00:03.000000","endTime":"2026-11-20 09:00:04.000000+00:00","model":"","model_group":"claude-haiku-4-5","status":"success","metadata":{"usage_object":{"prompt_tokens":500,"completion_tokens":50,"prompt_tokens_details":{"cached_tokens":400}}}}
        {"request_id":"r3","startTime":1763629200123,"endTime":1763629201123,"model":"claude-haiku-4-5","prompt_tokens":100,"completion_tokens":1,"usage":{"cache_read_input_tokens":150,"cache_creation_input_tokens":null}}
        """, Self.decoder)
        #expect(result.outcomes == [.decoded, .decoded, .decoded])
        #expect(result.totalRequests == 3)
        #expect(Set(result.events.map(result.model)) == ["claude-haiku-4-5"])
        #expect(result.events.map(\.usage.inputTokens) == [1000, 100, 0])  // never negative
        #expect(result.events.map(\.usage.cacheReadInputTokens) == [0, 400, 150])
        #expect(result.totalUsage.outputTokens == 151)
        #expect(result.events[0].start == epoch("2026-11-20T09:00:00Z"))
        #expect(result.events[0].end == epoch("2026-11-20T09:00:02.5Z"))
        #expect(result.events[1].end == epoch("2026-11-20T09:00:04Z"))
        #expect(result.events[2].end == 1763629201.123)  // milliseconds
        #expect(result.events.allSatisfy { !$0.hasHeaders && $0.status == 200 })
    }

    static let failures: [(String, Int, ExchangeErrorKind)] = [
        (#""status":"failure","error_str":"litellm.RateLimitError: AnthropicException - {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed the rate limit for your organization of 30,000 input tokens per minute\"}}","error_information":{"error_code":"429","error_class":"RateLimitError","llm_provider":"anthropic"}"#, 429, .rateLimited),
        (#""status":"failure","error_information":{"error_code":"","error_class":"RateLimitError"}"#, 429, .rateLimited),
        (#""status":"failure","error_str":"AnthropicException - Overloaded","error_information":{"error_code":529}"#, 529, .overloaded),
        (#""status":"failure","error_str":"litellm.InternalServerError: AnthropicException - {\"type\":\"overloaded_error\"}""#, 529, .overloaded),
        (#""status":"failure","error_str":"You have reached your specified API usage limits (spend limit)","error_information":{"error_code":"429"}"#, 429, .spendLimitReached),
        (#""status":"failure","error_information":{"error_code":"400","error_class":"BadRequestError"}"#, 400, .other),
        (#""status":"failure","error_str":"connection reset""#, 500, .other),
        (#""metadata":{"status":"failure","error_information":{"error_code":"429"}}"#, 429, .rateLimited),
    ]

    @Test(arguments: failures)
    func failuresMapToStatusAndKind(_ fields: String, _ status: Int, _ kind: ExchangeErrorKind) {
        let line = #"{"startTime":1763629200.0,"endTime":1763629200.2,"model":"anthropic/claude-sonnet-4-5","prompt_tokens":0,"completion_tokens":0,"# + fields + "}"
        let result = run(line, Self.decoder)
        #expect(result.outcomes == [.decoded], "\(result.malformed)")
        #expect(result.events.first?.status == status)
        #expect(result.events.first?.errorKind == kind)
        #expect(result.events.first?.requests == 1)
        #expect(result.events.first?.usage == .zero)
    }

    @Test func rateLimitMessageNamesTheDimension() {
        let line = #"{"startTime":1763629200,"endTime":1763629202,"model":"claude-sonnet-4-5","status":"failure","error_str":"exceed ... of 30,000 input tokens per minute","error_information":{"error_code":"429"}}"#
        #expect(run(line, Self.decoder).events.first?.limitedDimension == .inputTokens)
    }

    static let brokenLines: [(String, String)] = [
        (#"{"model":"claude-sonnet-4-5","prompt_tokens":3}"#, "missing endTime"),
        (#"{"startTime":1763629200.0,"endTime":1763629201.0,"prompt_tokens":3}"#, "missing model"),
        (#"{"startTime":"last tuesday","endTime":1763629201.0,"model":"m"}"#, "startTime: not a timestamp"),
        (#"{"startTime":1763629200.0,"endTime":1763629201.0,"model":"m","prompt_tokens":3"#, "truncated"),
        (#"garbage"#, "not a JSON object"),
    ]

    @Test(arguments: brokenLines)
    func brokenLinesAreMalformedWithAReason(_ line: String, _ reason: String) {
        let result = run(line, Self.decoder)
        #expect(result.events.isEmpty)
        #expect(result.malformed.first?.contains(reason) == true, "\(result.malformed)")
    }
}

import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct ExchangeLogDecoderTests {
    static func decoder(_ models: ModelCatalog) -> ExchangeLogDecoder { ExchangeLogDecoder(models: models) }

    /// Decodes one line and returns its only event (recording an issue otherwise).
    static func single(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> (Exchange, DecoderRun)? {
        let result = run(line, Self.decoder)
        guard result.outcomes == [.decoded], let event = result.events.first, result.events.count == 1 else {
            Issue.record("expected one decoded event, got \(result.outcomes)", sourceLocation: sourceLocation)
            return nil
        }
        return (event, result)
    }

    static func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-6 }

    @Test func fullLineWithHeadersGivesExactFields() throws {
        let (event, result) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:02.422Z","latency_ms":2099,"request_id":"req_01ABC","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":1622,"cache_creation_input_tokens":100,"cache_read_input_tokens":12000,"output_tokens":102,"cache_creation":{"ephemeral_5m_input_tokens":60,"ephemeral_1h_input_tokens":40},"server_tool_use":{"web_search_requests":0},"service_tier":"standard"},"headers":{"anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"47","anthropic-ratelimit-requests-reset":"2026-11-20T09:00:04Z","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-input-tokens-remaining":"16000","anthropic-ratelimit-input-tokens-reset":"2026-11-20T09:00:30Z","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"7000","anthropic-ratelimit-output-tokens-reset":"2026-11-20T09:00:10Z","anthropic-ratelimit-tokens-limit":"38000","anthropic-ratelimit-tokens-remaining":"23000","anthropic-ratelimit-tokens-reset":"2026-11-20T09:00:30Z","request-id":"req_01ABC","content-type":"application/json"},"extra":{"ignored":[1,2,3]}}
        """))
        let end = epoch("2026-11-20T09:00:02.422Z")
        #expect(event.end == end)
        #expect(Self.near(event.start, end - 2.099))
        #expect(event.headersAt == end)
        #expect(result.model(event) == "claude-sonnet-4-5-20250929")
        #expect(event.status == 200)
        #expect(event.requests == 1)
        #expect(event.usage == Usage(inputTokens: 1622, cacheCreationInputTokens: 100, cacheCreation1hInputTokens: 40,
                                     cacheReadInputTokens: 12000, outputTokens: 102))
        #expect(event.errorKind == .none)
        #expect(event.limitedDimension == nil)
        #expect(event.retryAfter == -1)
        #expect(!event.isBatch)
        #expect(event.hasHeaders)
        #expect(event.headers.limit == PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000))
        #expect(event.headers.remaining == PerDimension(requests: 47, inputTokens: 16000, outputTokens: 7000))
        #expect(event.headers.tokensLimit == 38000)
        #expect(event.headers.tokensRemaining == 23000)
        #expect(event.origin == LineOrigin(source: 0, line: 1))
    }

    @Test func minimalLineHasNoHeadersAndStartEqualsEnd() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-haiku-4-5","usage":{"input_tokens":5,"output_tokens":1}}
        """))
        #expect(event.start == event.end)
        #expect(event.headersAt == event.end)
        #expect(!event.hasHeaders)
        #expect(event.headers == RateLimitHeaders())
        #expect(event.usage == Usage(inputTokens: 5, outputTokens: 1))
    }

    @Test func batchServiceTierIsBatch() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-haiku-4-5","usage":{"input_tokens":5,"output_tokens":1,"service_tier":"batch"}}
        """))
        #expect(event.isBatch)
    }

    static let errors: [(String, Int, ExchangeErrorKind, Dimension?)] = [
        (#""status":429,"error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 50,000 input tokens per minute."}"#,
         429, .rateLimited, .inputTokens),
        (#""status":429,"error":{"type":"rate_limit_error","message":"...of 8,000 output tokens per minute"}"#,
         429, .rateLimited, .outputTokens),
        (#""status":429,"error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit of 50 requests per minute"}"#,
         429, .rateLimited, .requests),
        // The whole error body logged: {"type":"error","error":{...}}.
        (#""status":429,"error":{"type":"error","error":{"type":"rate_limit_error","message":"...of 30,000 input tokens per minute"},"request_id":"req_1"}"#,
         429, .rateLimited, .inputTokens),
        (#""status":429"#, 429, .rateLimited, nil),
        (#""status":429,"error":{"type":"rate_limit_error","message":"slow down"}"#, 429, .rateLimited, nil),
        (#""status":529"#, 529, .overloaded, nil),
        (#""status":529,"error":{"type":"overloaded_error","message":"Overloaded"}"#, 529, .overloaded, nil),
        (#""status":429,"error":{"type":"rate_limit_error","message":"You have reached your specified API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}"#,
         429, .spendLimitReached, nil),
        (#""status":429,"error":{"type":"error","error":{"type":"rate_limit_error","message":"limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#,
         429, .spendLimitReached, nil),
        (#""status":500,"error":{"type":"api_error","message":"Internal"}"#, 500, .other, nil),
        (#""status":400"#, 400, .other, nil),
        (#""status":200,"error":null"#, 200, .none, nil),
    ]

    @Test(arguments: errors)
    func errorKinds(members: String, status: Int, kind: ExchangeErrorKind, dimension: Dimension?) throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-5",\(members)}
        """))
        #expect(event.status == status)
        #expect(event.errorKind == kind)
        #expect(event.limitedDimension == dimension)
        #expect(event.isThrottled == (kind == .rateLimited || kind == .spendLimitReached))
        #expect(event.isOverloaded == (kind == .overloaded))
    }

    static let retryAfters: [(String, Double)] = [
        (#""retry-after":"3""#, 3),
        (#""retry-after":7"#, 7),
        (#""retry-after":2.5"#, 2.5),
        (#""retry-after":" 12 ""#, 12),
        (#""retry-after":"soon""#, -1),
        (#""retry-after":null"#, -1),
        (#""llm_provider-retry-after":"4""#, 4),
        (#""x-other":"1""#, -1),
    ]

    @Test(arguments: retryAfters)
    func retryAfter(member: String, seconds: Double) throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-5","status":429,"headers":{\(member)}}
        """))
        #expect(event.retryAfter == seconds)
    }

    static let missing: [(String, String)] = [
        (#"{"status":200,"model":"claude-sonnet-4-5"}"#, "field ts"),
        (#"{"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-5"}"#, "field status"),
        (#"{"ts":"2026-11-20T09:00:00Z","status":200}"#, "missing model on a 200"),
        (#"{"ts":"2026-11-20T09:00:00Z","status":201,"model":null}"#, "model"),
        (#"{"ts":"yesterday","status":200,"model":"claude-sonnet-4-5"}"#, "ts: not an RFC 3339"),
        (#"{"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","usage":{"input_tokens":-5}}"#, "negative"),
        (#"{"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5"}trailing"#, "after the closing brace"),
        (#"{"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5""#, "truncated"),
        ("\u{00}\u{01}\u{02}\u{7f}ELF", "not a JSON object"),
    ]

    @Test(arguments: missing)
    func brokenLinesAreMalformedWithAReasonNamingTheField(line: String, reasonContains: String) {
        let result = run(line, Self.decoder)
        #expect(result.events.isEmpty)
        #expect(result.malformed.count == 1)
        #expect(result.malformed.first?.contains(reasonContains) == true, "\(result.malformed)")
    }

    @Test func latencyGivesStartAndTtfbGivesHeadersTime() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:10Z","latency_ms":4000,"ttfb_ms":1500,"status":200,"model":"claude-sonnet-4-5","headers":{"anthropic-ratelimit-requests-remaining":"3"}}
        """))
        let end = epoch("2026-11-20T09:00:10Z")
        #expect(event.end == end)
        #expect(event.start == end - 4)
        #expect(event.headersAt == end - 4 + 1.5)
    }

    @Test func ttfbLongerThanTheLatencyIsClampedToTheEnd() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:10Z","latency_ms":1000,"ttfb_ms":5000,"status":200,"model":"claude-sonnet-4-5"}
        """))
        #expect(event.headersAt == event.end)
        #expect(event.start == event.end - 1)
    }

    @Test func negativeLatencyIsIgnored() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:10Z","latency_ms":-300,"status":200,"model":"claude-sonnet-4-5"}
        """))
        #expect(event.start == event.end)
    }

    @Test func liteLLMForwardedHeaders() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","headers":{"x-ratelimit-limit-requests":"50","x-ratelimit-remaining-requests":"44","x-ratelimit-limit-tokens":"38000","x-ratelimit-remaining-tokens":"21000","llm_provider-anthropic-ratelimit-input-tokens-limit":"30000","llm_provider-anthropic-ratelimit-input-tokens-remaining":"15000","llm_provider-anthropic-ratelimit-output-tokens-limit":"8000","llm_provider-anthropic-ratelimit-output-tokens-remaining":"6000","llm_provider-anthropic-ratelimit-requests-remaining":"43"}}
        """))
        #expect(event.hasHeaders)
        #expect(event.headers.limit == PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000))
        // The upstream header wins over LiteLLM's copy, whichever comes first.
        #expect(event.headers.remaining == PerDimension(requests: 43, inputTokens: 15000, outputTokens: 6000))
        #expect(event.headers.tokensLimit == 38000)
        #expect(event.headers.tokensRemaining == 21000)
    }

    @Test func upstreamHeaderWinsWhenItComesFirst() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","headers":{"anthropic-ratelimit-requests-remaining":"43","x-ratelimit-remaining-requests":"44","anthropic-ratelimit-requests-limit":"50","x-ratelimit-limit-requests":"51"}}
        """))
        #expect(event.headers.remaining.requests == 43)
        #expect(event.headers.limit.requests == 50)
    }

    /// Every permutation-like arrangement of the same headers gives the same values: first
    /// member a rate-limit header, rate-limit headers last (shorter than the fast path needs),
    /// other headers between, spaces around the colon.
    static let headerLayouts: [String] = [
        #"{"anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"47","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-input-tokens-remaining":"16000","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"7000"}"#,
        #"{"anthropic-ratelimit-output-tokens-remaining":"7000","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-input-tokens-remaining":"16000","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-requests-remaining":"47","anthropic-ratelimit-requests-limit":"50"}"#,
        #"{"date":"Thu, 20 Nov 2026 09:00:00 GMT","anthropic-ratelimit-input-tokens-reset":"2026-11-20T09:00:30Z","anthropic-ratelimit-requests-remaining":"47","x-api-key":"","anthropic-ratelimit-input-tokens-remaining":"16000","via":"1.1","anthropic-ratelimit-output-tokens-remaining":"7000","anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-output-tokens-limit":"8000"}"#,
        #"{ "anthropic-ratelimit-requests-limit" : "50" , "anthropic-ratelimit-requests-remaining" : "47" , "anthropic-ratelimit-input-tokens-limit" : "30000" , "anthropic-ratelimit-input-tokens-remaining" : " 16000 " , "anthropic-ratelimit-output-tokens-limit":"8000", "anthropic-ratelimit-output-tokens-remaining":"7000" }"#,
        #"{"anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"47","anthropic-ratelimit-input-tokens-limit":"30000.0","anthropic-ratelimit-input-tokens-remaining":"16000","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"7000","anthropic-ratelimit-requests-reset":"2026-11-20T09:00:04Z"}"#,
    ]

    @Test(arguments: headerLayouts)
    func headerMembersInAnyOrder(headers: String) throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","headers":\(headers),"usage":{"input_tokens":1}}
        """))
        #expect(event.headers.limit == PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000))
        #expect(event.headers.remaining == PerDimension(requests: 47, inputTokens: 16000, outputTokens: 7000))
        #expect(event.usage.inputTokens == 1)
    }

    static let oddValues: [(String, Int)] = [
        (#""abc""#, -1), (#""""#, -1), (#""12x""#, -1), (#""-3""#, -1), (#"null"#, -1), (#"47"#, -1),
        (#""99999999999999999999999""#, -1), (#""9""#, 9),
    ]

    /// Values that are not numbers count as absent; the line still decodes and the following
    /// members are still read. Each is tried as the first member and as a later one.
    @Test(arguments: oddValues)
    func headerValuesThatAreNotNumbers(value: String, expected: Int) throws {
        for layout in [
            #"{"anthropic-ratelimit-requests-remaining":\#(value),"anthropic-ratelimit-input-tokens-remaining":"16000","anthropic-ratelimit-output-tokens-remaining":"7000"}"#,
            #"{"anthropic-ratelimit-input-tokens-remaining":"16000","anthropic-ratelimit-requests-remaining":\#(value),"anthropic-ratelimit-output-tokens-remaining":"7000","anthropic-ratelimit-output-tokens-limit":"8000"}"#,
        ] {
            let (event, _) = try #require(Self.single("""
            {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","headers":\(layout)}
            """))
            #expect(event.headers.remaining == PerDimension(requests: expected, inputTokens: 16000, outputTokens: 7000), "\(layout)")
        }
    }

    @Test func headersWithoutRateLimitValuesAreNoHeaders() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","headers":{"content-type":"application/json","anthropic-ratelimit-requests-remaining":"n/a"}}
        """))
        #expect(!event.hasHeaders)
    }

    @Test func escapedModelNamesAreUnescapedAndInterned() {
        let result = run("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5"}
        {"ts":"2026-11-20T09:00:01Z","status":200,"model":"claude\\u002dsonnet-4-5"}
        {"ts":"2026-11-20T09:00:02Z","status":200,"model":"claude-haiku-4-5"}
        """, Self.decoder)
        #expect(result.outcomes == [.decoded, .decoded, .decoded])
        #expect(result.events.map(result.model) == ["claude-sonnet-4-5", "claude-sonnet-4-5", "claude-haiku-4-5"])
        #expect(result.events[0].model == result.events[1].model)
        #expect(result.models.count == 2)
    }

    @Test func nullSectionsAreAccepted() throws {
        let (event, _) = try #require(Self.single("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","usage":null,"headers":null,"error":null,"latency_ms":null}
        """))
        #expect(event.usage == .zero)
        #expect(!event.hasHeaders)
        #expect(event.start == event.end)
    }

    @Test func linesAreNumberedAndABadLineDoesNotDisturbTheNext() {
        let result = run("""
        {"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","usage":{"input_tokens":10}}
        {"ts":"2026-11-20T09:00:01Z","status":200,"model":"claude-sonnet-4-5","usage":{"input_tokens":
        {"ts":"2026-11-20T09:00:02Z","status":200,"model":"claude-sonnet-4-5","usage":{"input_tokens":30}}
        """, Self.decoder)
        #expect(result.decoded == 2)
        #expect(result.malformed.count == 1)
        #expect(result.events.map(\.origin.line) == [1, 3])
        #expect(result.totalUsage.inputTokens == 40)
    }

    /// A `ts` that is null or a number is as good as missing: the reason should name `ts`
    /// (today it is the generic "malformed JSON (expected a string)").
    @Test(arguments: [#"{"ts":null,"status":200,"model":"claude-sonnet-4-5"}"#,
                      #"{"ts":1795165202,"status":200,"model":"claude-sonnet-4-5"}"#])
    func aNonStringTsIsReportedByName(line: String) {
        let result = run(line, Self.decoder)
        #expect(result.malformed.count == 1)
        #expect(result.malformed.first?.contains("ts") == true, "\(result.malformed)")
    }
}

import Foundation
import RatetopCore
import RatetopFakeUpstream
import Testing
@testable import RatetopRecord
import RatetopTestSupport

/// Decodes `line` with ratetop's own decoder: what `ratetop watch` will see.
func decodeExchange(_ line: String) -> (outcome: LineOutcome, events: [Exchange]) {
    var decoder = ExchangeLogDecoder(models: ModelCatalog())
    var events: [Exchange] = []
    let outcome = Array(line.utf8).withUnsafeBytes {
        decoder.decode(line: $0, origin: LineOrigin(source: 0, line: 1), into: &events)
    }
    return (outcome, events)
}

@Suite(.tags(.unit)) struct ExchangeRecorderTests {
    static let completedAt = 1_795_942_802.422  // 2026-11-30T...

    static func record(status: Int, headers: [(String, String)], model: String?, body: [String],
                       ending: ExchangeRecorder.Ending = .complete) -> String? {
        var recorder = ExchangeRecorder(status: status, headers: headers.map { (name: $0.0, value: $0.1) }, requestModel: model)
        for piece in body { Array(piece.utf8).withUnsafeBytes { recorder.feed($0) } }
        return recorder.finish(completedAt: completedAt, latencyMs: 2099, ttfbMs: 412, ending: ending)
            .map { String(decoding: $0.line(), as: UTF8.self) }
    }

    static let stamp = RFC3339.format(completedAt, fractionDigits: 3)
    static let limits = #""anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"47","anthropic-ratelimit-requests-reset":"2026-11-30T09:00:03Z","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-input-tokens-remaining":"28000","anthropic-ratelimit-input-tokens-reset":"2026-11-30T09:00:05Z","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"8000","anthropic-ratelimit-output-tokens-reset":"2026-11-30T09:00:02Z","anthropic-ratelimit-tokens-limit":"38000","anthropic-ratelimit-tokens-remaining":"36000","anthropic-ratelimit-tokens-reset":"2026-11-30T09:00:05Z","request-id":"req_1","anthropic-organization-id":"\#(FakeAnthropicAPI.organizationID)""#

    static func upstreamHeaders(_ contentType: String, remaining: (Int, Int, Int) = (47, 28000, 8000)) -> [(String, String)] {
        [("Content-Type", contentType), ("x-api-key", "sk-ant-test-SECRET"), ("Authorization", "Bearer sk-ant-SECRET")]
            + FakeAnthropicAPI.rateLimitHeaders(requestID: "req_1", remaining: remaining)
    }

    @Test func nonStreamingMessage() throws {
        let body = FakeAnthropicAPI.messageBody(model: "claude-sonnet-4-5-20250929")
        let line = try #require(Self.record(status: 200, headers: Self.upstreamHeaders("application/json"), model: "claude-sonnet-4-5",
                                            body: [String(body.prefix(50)), String(body.dropFirst(50))]))
        #expect(line == #"{"ts":"\#(Self.stamp)","latency_ms":2099,"request_id":"req_1","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":1622,"cache_creation_input_tokens":0,"cache_read_input_tokens":12000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":102,"service_tier":"standard"},"headers":{\#(Self.limits)}}"#)
        let decoded = decodeExchange(line)
        #expect(decoded.outcome == .decoded)
        let event = try #require(decoded.events.first)
        #expect(event.status == 200)
        #expect(event.usage.inputTokens == 1622 && event.usage.cacheReadInputTokens == 12000 && event.usage.outputTokens == 102)
        #expect(event.headers.remaining.requests == 47 && event.headers.limit.inputTokens == 30000)
        #expect(abs(event.end - Self.completedAt) < 0.001 && abs(event.start - (Self.completedAt - 2.099)) < 0.001)
    }

    @Test func streamKeepsTheLastCumulativeUsageAndTheTimeToHeaders() throws {
        let line = try #require(Self.record(status: 200, headers: Self.upstreamHeaders("text/event-stream; charset=utf-8"),
                                            model: "claude-sonnet-4-5", body: FakeAnthropicAPI.streamChunks(model: "claude-sonnet-4-5-20250929")))
        #expect(line == #"{"ts":"\#(Self.stamp)","latency_ms":2099,"ttfb_ms":412,"request_id":"req_1","model":"claude-sonnet-4-5-20250929","status":200,"stream":true,"usage":{"input_tokens":1622,"cache_creation_input_tokens":500,"cache_read_input_tokens":12000,"output_tokens":102,"service_tier":"standard"},"headers":{\#(Self.limits)}}"#)
        let event = try #require(decodeExchange(line).events.first)
        #expect(event.usage.outputTokens == 102 && event.usage.cacheCreationInputTokens == 500)
        #expect(abs(event.headersAt - (Self.completedAt - 2.099 + 0.412)) < 0.001)
    }

    @Test func rateLimitedKeepsRetryAfterAndTheErrorObject() throws {
        let headers = Self.upstreamHeaders("application/json", remaining: (0, 0, 8000)) + [("retry-after", "7"), ("x-should-retry", "true"), ("set-cookie", "a=SECRET")]
        let line = try #require(Self.record(status: 429, headers: headers, model: "claude-sonnet-4-5",
                                            body: [FakeAnthropicAPI.rateLimitedBody(requestID: "req_1")]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["status"] as? Int == 429)
        #expect(object["model"] as? String == "claude-sonnet-4-5")
        #expect(object["usage"] == nil)
        let logged = try #require(object["headers"] as? [String: String])
        #expect(logged["retry-after"] == "7" && logged["x-should-retry"] == "true")
        #expect(logged["set-cookie"] == nil && logged["x-api-key"] == nil && logged["authorization"] == nil)
        let error = try #require(object["error"] as? [String: Any])
        #expect(error["type"] as? String == "rate_limit_error")
        #expect(!line.contains("SECRET"))
        let event = try #require(decodeExchange(line).events.first)
        #expect(event.errorKind == .rateLimited && event.limitedDimension == .inputTokens && event.retryAfter == 7)
    }

    @Test func overloadedAndStreamFailures() throws {
        let overloaded = try #require(Self.record(status: 529, headers: [("content-type", "application/json"), ("request-id", "req_2")],
                                                  model: "claude-opus-4-5", body: [FakeAnthropicAPI.overloadedBody(requestID: "req_2")]))
        #expect(overloaded == #"{"ts":"\#(Self.stamp)","latency_ms":2099,"request_id":"req_2","model":"claude-opus-4-5","status":529,"headers":{"request-id":"req_2"},"error":{"type":"overloaded_error","message":"Overloaded"}}"#)
        #expect(decodeExchange(overloaded).events.first?.errorKind == .overloaded)

        let errored = try #require(Self.record(status: 200, headers: [("content-type", "text/event-stream")], model: "claude-haiku-4-5",
                                               body: FakeAnthropicAPI.streamErrorChunks(model: "claude-haiku-4-5-20251001")))
        #expect(errored == #"{"ts":"\#(Self.stamp)","latency_ms":2099,"ttfb_ms":412,"model":"claude-haiku-4-5-20251001","status":200,"stream":true,"usage":{"input_tokens":1622,"cache_creation_input_tokens":500,"cache_read_input_tokens":12000,"output_tokens":1,"service_tier":"standard"},"error":{"type":"overloaded_error","message":"Overloaded"}}"#)

        let dropped = try #require(Self.record(status: 200, headers: [("content-type", "text/event-stream")], model: "claude-haiku-4-5",
                                               body: FakeAnthropicAPI.streamDropChunks(model: "claude-haiku-4-5-20251001"),
                                               ending: .upstreamFailed("the connection was closed")))
        #expect(dropped.hasSuffix(#""output_tokens":9,"service_tier":"standard"},"error":{"type":"stream_interrupted","message":"ratetop record: the upstream response ended early: the connection was closed"}}"#))
        #expect(decodeExchange(dropped).outcome == .decoded)
        #expect(decodeExchange(errored).outcome == .decoded)
    }

    @Test func noModelNoLine() {
        #expect(Self.record(status: 400, headers: [("content-type", "application/json")], model: nil,
                            body: [#"{"type":"error","error":{"type":"invalid_request_error","message":"model: Field required"}}"#]) == nil)
    }

    @Test func allowListKeepsOnlyRateLimitFamilies() {
        #expect(HeaderPolicy.isLogged("anthropic-ratelimit-tokens-reset"))
        #expect(HeaderPolicy.isLogged("anthropic-priority-input-tokens-remaining"))
        #expect(HeaderPolicy.isLogged("retry-after"))
        for secret in ["x-api-key", "authorization", "proxy-authorization", "cookie", "set-cookie", "anthropic-api-key", "x-auth-token", "api-key"] {
            #expect(!HeaderPolicy.isLogged(secret), "\(secret)")
        }
    }
}

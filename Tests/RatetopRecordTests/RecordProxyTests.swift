import AsyncHTTPClient
import Foundation
import NIOCore
import RatetopCore
import RatetopFakeUpstream
import RatetopTestSupport
import Testing
@testable import RatetopRecord

/// The proxy against a local fake Anthropic API: what the client sees must equal what the
/// upstream sent, byte for byte; the log gets exactly one exact line per Messages call; no
/// credential appears anywhere.
@Suite(.serialized, .tags(.endToEnd)) struct RecordProxyEndToEndTests {
    static let scenarios: [(name: String, stream: Bool)] = [
        ("json", false), ("stream", true), ("rate-limited", false), ("overloaded", false), ("stream-error", true),
    ]

    @Test func clientSeesTheUpstreamsResponsesByteForByte() async throws {
        let harness = try await ProxyHarness.start()
        for (scenario, stream) in Self.scenarios {
            let direct = try await harness.call(scenario, direct: true, stream: stream)
            let proxied = try await harness.call(scenario, stream: stream)
            #expect(proxied.status == direct.status, "\(scenario)")
            // Error bodies carry their own request id: the rest must be identical, byte for byte.
            #expect(proxied.bodyWithoutRequestID == direct.bodyWithoutRequestID, "\(scenario): \(String(decoding: proxied.body, as: UTF8.self).prefix(200))")
            if !scenario.contains("rate") && scenario != "overloaded" { #expect(proxied.body == direct.body, "\(scenario)") }
            #expect(proxied.failure == nil && direct.failure == nil, "\(scenario)")
            // Same headers but for the request id and the date (each call has its own) and
            // hop-by-hop ones; the upstream's date is passed on, not doubled by the proxy's.
            let strip = { (fetched: ProxyHarness.Fetched) in
                fetched.messageHeaders.filter { !$0.hasPrefix("request-id:") && !$0.hasPrefix("date:") }
            }
            #expect(strip(proxied) == strip(direct), "\(scenario)")
            #expect(proxied.headers.filter { $0.name.lowercased() == "date" }.count == direct.headers.filter { $0.name.lowercased() == "date" }.count)
            #expect(proxied.header("request-id") != nil)
        }
        // The upstream got what the client sent: credentials (it needs them), body bytes.
        let received = harness.upstream.requests.suffix(2)
        for request in received {
            #expect(request.headers.contains { $0.name == "x-api-key" && $0.value == ProxyHarness.apiKey })
            #expect(request.headers.contains { $0.name == "authorization" && $0.value == ProxyHarness.bearer })
            #expect(request.target == "/v1/messages")
            #expect(String(decoding: request.body, as: UTF8.self) == ProxyHarness.requestBody(stream: true))
        }
        await harness.stop()
    }

    @Test func oneExactLinePerCallThatRatetopDecodes() async throws {
        let harness = try await ProxyHarness.start()
        var answers: [ProxyHarness.Fetched] = []
        for (scenario, stream) in Self.scenarios {
            answers.append(try await harness.call(scenario, stream: stream))
        }
        let lines = harness.logLines
        try #require(lines.count == Self.scenarios.count, "\(harness.logText)")
        let rateLimitKeys = ["requests", "input-tokens", "output-tokens", "tokens"].flatMap { dimension in
            ["limit", "remaining", "reset"].map { "anthropic-ratelimit-\(dimension)-\($0)" }
        }
        for (index, line) in lines.enumerated() {
            let answer = answers[index]
            let (scenario, stream) = Self.scenarios[index]
            #expect(line["request_id"] as? String == answer.header("request-id"), "\(scenario)")
            #expect(line["status"] as? Int == answer.status, "\(scenario)")
            #expect(line["model"] as? String == "claude-sonnet-4-5", "\(scenario)")
            #expect((line["stream"] as? Bool ?? false) == stream, "\(scenario)")
            #expect(line["ts"] is String && line["latency_ms"] is Int, "\(scenario)")
            #expect((line["ttfb_ms"] != nil) == stream, "\(scenario)")
            // Exactly the allow-listed headers the client saw, with the values it saw.
            let expected = Dictionary(answer.headers.filter { HeaderPolicy.isLogged($0.name.lowercased()) }.map { ($0.name.lowercased(), $0.value) },
                                      uniquingKeysWith: { first, _ in first })
            #expect(line["headers"] as? [String: String] == expected, "\(scenario)")
            if scenario != "overloaded" {
                #expect(Set((line["headers"] as? [String: String] ?? [:]).keys).isSuperset(of: rateLimitKeys), "\(scenario)")
            }
        }
        // Usage exactly as the API sent it (the stream's: message_start merged with the last delta).
        let raw = harness.logText.split(separator: "\n").map(String.init)
        #expect(raw[0].contains(#""usage":{"input_tokens":1622,"cache_creation_input_tokens":0,"cache_read_input_tokens":12000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":102,"service_tier":"standard"},"headers""#))
        #expect(raw[1].contains(#""usage":{"input_tokens":1622,"cache_creation_input_tokens":500,"cache_read_input_tokens":12000,"output_tokens":102,"service_tier":"standard"},"headers""#))
        #expect(lines[2]["usage"] == nil && lines[3]["usage"] == nil)
        #expect((lines[4]["usage"] as? [String: Any])?["output_tokens"] as? Int == 1)
        #expect(lines[0]["error"] == nil && lines[1]["error"] == nil)
        #expect((lines[2]["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
        #expect((lines[2]["headers"] as? [String: String])?["retry-after"] == "7")
        #expect((lines[3]["error"] as? [String: Any])?["type"] as? String == "overloaded_error")
        #expect((lines[4]["error"] as? [String: Any])?["type"] as? String == "overloaded_error")

        // ratetop reads every line back as the events they are.
        let events = harness.logText.split(separator: "\n").map { decodeExchange(String($0)) }
        #expect(events.allSatisfy { $0.outcome == .decoded })
        let kinds = events.compactMap { $0.events.first?.errorKind }
        #expect(kinds == [.none, .none, .rateLimited, .overloaded, .overloaded])
        #expect(events[2].events.first?.limitedDimension == .inputTokens)
        #expect(events[2].events.first?.retryAfter == 7)
        await harness.stop()
    }

    @Test func aDroppedStreamIsDroppedForTheClientTooAndLoggedAsInterrupted() async throws {
        let harness = try await ProxyHarness.start()
        let direct = try await harness.call("stream-drop", direct: true, stream: true)
        let proxied = try await harness.call("stream-drop", stream: true)
        #expect(direct.failure != nil)
        #expect(proxied.failure != nil, "the client must see the stream fail, not end cleanly")
        // What the upstream wrote before dropping, unaltered. A reset connection may take the
        // last chunks still unread with it (on a loaded machine the direct call lost two of
        // three): each body is what was sent, or the start of it, never anything else.
        let sent = Array(FakeAnthropicAPI.streamDropChunks(model: "claude-sonnet-4-5").joined().utf8)
        for body in [direct.body, proxied.body] {
            #expect(!body.isEmpty && sent.starts(with: body), "\(String(decoding: body, as: UTF8.self))")
        }
        let line = try #require(harness.logLines.first)
        #expect(line["status"] as? Int == 200)
        #expect((line["usage"] as? [String: Any])?["output_tokens"] as? Int == 9)
        #expect((line["error"] as? [String: Any])?["type"] as? String == "stream_interrupted")
        #expect(harness.logLines.count == 1)
        await harness.stop()
    }

    @Test func aClientThatLeavesMidStreamIsLoggedWithTheUsageSoFar() async throws {
        let harness = try await ProxyHarness.start()
        let reader = Task {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(harness.proxy.boundPort)/v1/messages")
            request.method = .POST
            request.headers.add(name: "x-fake-scenario", value: "bench-stream")
            request.headers.add(name: "x-fake-events", value: "100")
            request.headers.add(name: "x-fake-interval-ms", value: "20")
            request.body = .bytes(ByteBuffer(string: ProxyHarness.requestBody(stream: true)))
            let response = try await harness.client.execute(request, timeout: .seconds(30))
            for try await _ in response.body { break }  // the first chunk, then hang up
        }
        try await reader.value
        var line: [String: Any]?
        for _ in 0..<100 where line == nil {
            try await Task.sleep(for: .milliseconds(50))
            line = harness.logLines.first
        }
        let logged = try #require(line, "no line after the client left")
        #expect((logged["error"] as? [String: Any])?["type"] as? String == "client_disconnected")
        #expect((logged["usage"] as? [String: Any])?["input_tokens"] as? Int == 1622)
        #expect((logged["latency_ms"] as? Int ?? 10_000) < 1500, "the upstream stream was not cut when the client left")
        await harness.stop()
    }

    @Test func noBufferingForASlowUpstream() async throws {
        let harness = try await ProxyHarness.start()
        _ = try await harness.call("json")  // warm the connection pools
        _ = try await harness.call("json", direct: true)
        let direct = try await harness.call("slow-stream", direct: true, stream: true)
        let proxied = try await harness.call("slow-stream", stream: true)
        let directFirst = try #require(direct.firstByte)
        let proxiedFirst = try #require(proxied.firstByte)
        #expect(directFirst >= 0.95 && proxiedFirst >= 0.95)
        #expect(proxiedFirst - directFirst < 0.15, "first byte direct \(directFirst) s, through the proxy \(proxiedFirst) s")
        let slow = try await harness.call("slow")
        #expect(slow.status == 200 && slow.body == Array(FakeAnthropicAPI.messageBody(model: "claude-sonnet-4-5").utf8))
        await harness.stop()
    }

    @Test func otherCallsAreForwardedWithoutALine() async throws {
        let harness = try await ProxyHarness.start()
        let models = try await harness.call("json", path: "/v1/models", method: .GET)
        #expect(models.status == 200 && String(decoding: models.body, as: UTF8.self).hasPrefix(#"{"data":["#))
        let missing = try await harness.call("json", path: "/v1/nothing?x=1", method: .GET)
        #expect(missing.status == 404)
        #expect(harness.logText.isEmpty)
        await harness.stop()
    }

    @Test func unreachableUpstreamIsA502ShapedLikeTheAPIsErrors() async throws {
        let port = try await freePortAsync()
        let harness = try await ProxyHarness.start(upstreamURL: "http://127.0.0.1:\(port)")
        let answer = try await harness.call("json")
        #expect(answer.status == 502)
        #expect(answer.header("content-type") == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
        #expect(body["type"] as? String == "error")
        let error = try #require(body["error"] as? [String: Any])
        #expect(error["type"] as? String == "api_error")
        #expect((error["message"] as? String)?.hasPrefix("ratetop record: upstream http://127.0.0.1:\(port) unreachable: ") == true,
                "\(error["message"] ?? "")")
        #expect(harness.logText.isEmpty, "an attempt that never reached the API is not an exchange")
        #expect(harness.messages.all.contains { $0.contains("unreachable") })
        await harness.stop()
    }

    @Test func noCredentialAnywhere() async throws {
        let harness = try await ProxyHarness.start()
        for (scenario, stream) in Self.scenarios + [("stream-drop", true)] {
            _ = try await harness.call(scenario, stream: stream, extraHeaders: [("cookie", "session=SECRET"), ("x-goog-api-key", "SECRET")])
        }
        let port = try await freePortAsync()
        let broken = try await ProxyHarness.start(upstreamURL: "http://127.0.0.1:\(port)")
        _ = try await broken.call("json")
        let everything = harness.logText + broken.logText + harness.messages.all.joined(separator: "\n") + broken.messages.all.joined(separator: "\n")
        #expect(harness.logLines.count == 6)
        for secret in ["SECRET", "sk-ant", "Bearer", "x-api-key", "authorization", "cookie"] {
            #expect(!everything.lowercased().contains(secret.lowercased()), "\(secret) leaked")
        }
        await harness.stop()
        await broken.stop()
    }

    @Test func manyConcurrentStreams() async throws {
        let harness = try await ProxyHarness.start()
        let expected = Array(FakeAnthropicAPI.streamChunks(model: "claude-sonnet-4-5").joined().utf8)
        let results = try await withThrowingTaskGroup(of: ProxyHarness.Fetched.self) { group in
            for _ in 0..<64 { group.addTask { try await harness.call("stream", stream: true) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let whole = results.filter { (fetched: ProxyHarness.Fetched) -> Bool in
            fetched.status == 200 && fetched.body == expected && fetched.failure == nil
        }
        #expect(whole.count == 64)
        let lines = harness.logLines
        #expect(lines.count == 64)
        #expect(Set(lines.compactMap { $0["request_id"] as? String }).count == 64)
        await harness.stop()
    }
}

/// A free loopback port, found off the cooperative pool's threads.
func freePortAsync() async throws -> Int {
    try LoopbackHTTP.freePort()
}

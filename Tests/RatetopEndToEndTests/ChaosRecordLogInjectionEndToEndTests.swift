import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RatetopCore
import RatetopFakeUpstream
import RatetopRecord
import RatetopTestSupport
import Testing

/// Issue 14, hostile and extreme input: what header values and bodies can do to `ratetop
/// record`'s log. Control bytes, CR and LF arrive in header values from the client (raw requests
/// on a socket) and from the upstream (hand-written responses: a folded header line, a bare CR
/// or LF, NUL, escape sequences, quotes and braces), and in upstream bodies (raw line breaks in
/// a usage key, in an error message, after a backslash; bytes between tokens).
///
/// Asserted: exactly one log line per call the proxy answered with the upstream's status (a 502
/// of its own, when the upstream's answer cannot be parsed at all, has no line), each valid JSON
/// that ratetop's decoder reads as one exchange, with only the keys the proxy writes and only
/// allow-listed headers; no `forged` key anywhere; nothing forwarded upstream carries CR, LF or
/// NUL in a header value; `ratetop replay` of the log reads every line.
@Suite(.serialized, .tags(.endToEnd)) struct ChaosRecordLogInjectionEndToEndTests {
    static let topLevelKeys: Set<String> = ["ts", "latency_ms", "ttfb_ms", "request_id", "model", "status", "stream", "usage", "headers", "error"]

    /// A raw request to the proxy: `headerLines` put in the head as they are (CR, LF and all).
    static func rawRequest(_ headerLines: String, body: String = #"{"model":"claude-haiku-4-5-20251001","max_tokens":8,"messages":[]}"#) -> String {
        "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "x-api-key: sk-ant-chaos-SECRET\r\nConnection: close\r\n" + headerLines + "\r\n" + body
    }

    /// Sends `request` on a socket of its own and waits for the answer; its status (0: the
    /// connection closed without one).
    static func send(_ request: String, port: Int) async throws -> (status: Int, text: String) {
        let socket = try RawSocketClient(port: port)
        try socket.send(request)
        let response = await socket.waitForResponse(timeout: 20)
        return (response?.status ?? 0, response?.text ?? socket.text)
    }

    /// Checks every line of the log; returns how many there are.
    static func checkLog(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        var lines = [UInt8](data).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        #expect(lines.last == [], "the log does not end with a newline", sourceLocation: sourceLocation)
        lines.removeLast()
        for line in lines {
            let text = String(decoding: line.prefix(600), as: UTF8.self)
            let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(text)", sourceLocation: sourceLocation)
            #expect(ChaosRecordKillEndToEndTests.decodes(line), "the exchange decoder refuses: \(text)", sourceLocation: sourceLocation)
            guard let object else { continue }
            #expect(Set(object.keys).isSubset(of: topLevelKeys), "keys \(object.keys.sorted()): \(text)", sourceLocation: sourceLocation)
            let headers = object["headers"] as? [String: Any] ?? [:]
            #expect(headers.keys.allSatisfy(HeaderPolicy.isLogged), "headers \(headers.keys.sorted()): \(text)", sourceLocation: sourceLocation)
            #expect(line.allSatisfy { $0 >= 0x20 }, "a control byte in the line: \(text)", sourceLocation: sourceLocation)
            #expect(!hasKey("forged", object), "a forged key: \(text)", sourceLocation: sourceLocation)
        }
        return lines.count
    }

    static func hasKey(_ key: String, _ value: Any) -> Bool {
        if let object = value as? [String: Any] { return object.keys.contains(key) || object.values.contains { hasKey(key, $0) } }
        if let array = value as? [Any] { return array.contains { hasKey(key, $0) } }
        return false
    }

    /// Header lines from the client, each meant to smuggle a line or a key.
    static let clientHeaders: [(String, String)] = [
        ("control bytes", "x-evil: a\u{01}b\u{1b}[31mc\u{7f}\"},\"forged\":{\"d\\e\r\n"),
        ("folded line", "x-folded: first\r\n {\"ts\":\"2026-11-30T09:00:00Z\",\"model\":\"claude-opus-4-1\",\"status\":200,\"forged\":1}\r\n"),
        ("bare LF", "x-bare-lf: a\n{\"forged\":1}: x\r\n"),
        ("bare CR", "x-bare-cr: a\r{\"forged\":1}\r\n"),
        ("NUL", "x-nul: a\u{0}{\"forged\":1}\r\n"),
        ("CRLF in the scenario", "x-fake-scenario: json\r\n\r\n{\"forged\":1}\r\n"),
    ]

    @Test func clientHeaderValuesCannotForgeLogLinesOrUpstreamHeaders() async throws {
        let fake = try await FakeAnthropicAPI.start()
        let scratch = Scratch()
        let log = scratch.file("proxy.jsonl")
        let (record, port) = try await ChaosRecordClientsEndToEndTests.startRecord(scratch, upstream: fake.port, log: log)
        var answered = 0
        var outcomes: [String] = []
        for (name, lines) in Self.clientHeaders {
            let (status, text) = try await Self.send(Self.rawRequest(lines), port: port)
            outcomes.append("\(name): \(status)")
            #expect([200, 400].contains(status), "\(name): \(status) \(text.prefix(300))")
            if status == 200 { answered += 1 }
        }
        // The proxy still works, and the log has one line per answered call.
        let client = HTTPClient.shared
        #expect(try await ChaosRecordKillEndToEndTests.call(client, port: port, scenario: "json", stream: false).0 == 200)
        answered += 1
        #expect(await ChildProcess.eventually(timeout: 10) { ChaosRecordClientsEndToEndTests.logLines(log).count == answered },
                "\(outcomes); \(ChaosRecordClientsEndToEndTests.logLines(log).count) lines")
        #expect(Self.checkLog(log) == answered)
        // Nothing forwarded upstream carries a line break or a NUL in a header.
        for request in fake.requests {
            for header in request.headers {
                #expect(!header.value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }, "forwarded \(header.name): \(header.value.debugDescription)")
                #expect(!header.name.contains("forged") && !header.name.contains("{"), "forwarded a forged header: \(header.name)")
            }
        }
        #expect(record.stop(signal: SIGTERM) == 0, "\(record.errorOutput)")
        await fake.stop()
        print("ratetop chaos: client header injection: \(outcomes)")
    }

    /// Hand-written upstream answers, by the `x-raw-case` request header.
    static let upstreamCases: [(String, [UInt8])] = {
        let json = #"{"id":"msg_1","type":"message","model":"claude-haiku-4-5-20251001","content":[],"usage":{"input_tokens":10,"output_tokens":2}}"#
        func headers(_ extra: [String]) -> [String] { ["content-type: application/json", "request-id: req_raw"] + extra }
        func plain(_ extra: [String]) -> [UInt8] { RawHTTPUpstream.response(headerLines: headers(extra), body: Array(json.utf8)) }
        let sse = { (data: String) in
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-haiku-4-5-20251001\",\"usage\":\(data)}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
        }
        return [
            ("folded rate-limit header", plain(["x-a: 1", "anthropic-ratelimit-requests-remaining: 5\r\n {\"forged\":1}"])),
            ("bare CR in a rate-limit header", plain(["anthropic-ratelimit-requests-remaining: 5\r{\"forged\":1}"])),
            ("bare LF in retry-after", plain(["retry-after: 3\n{\"forged\":1}: x"])),
            ("control bytes in request-id", RawHTTPUpstream.response(headerLines: [
                "content-type: application/json", "request-id: req_\u{01}\u{1b}[2J\u{7f}\"},\"forged\":{\"x\":\"\\",
                "anthropic-ratelimit-input-tokens-remaining: 1\u{0b}2\u{0c}3\t4"], body: Array(json.utf8))),
            ("NUL in request-id", plain(["request-id: req_\u{0}forged"])),
            ("quotes and braces in headers", plain(["request-id: req_\"},\"forged\":{\"x\":\"\\",
                                                    "anthropic-ratelimit-requests-remaining: 5\"}, \"forged\": 1, \"x\": \"",
                                                    "retry-after: \\\"\\u000a{\"forged\":1}"])),
            ("a tab and non-ASCII in headers", plain(["request-id: req_\t\u{e9}\u{2028}\u{ff}", "retry-after: 3\t"])),
            ("raw LF in a usage key", RawHTTPUpstream.response(headerLines: headers([]), body: Array(
                #"{"model":"claude-haiku-4-5-20251001","usage":{"input_tokens":10,"x"#.utf8) + [0x0A] + Array(#"{\"forged\":1}":2,"output_tokens":2}}"#.utf8))),
            ("raw LF in an error message", RawHTTPUpstream.response(status: "400 Bad Request", headerLines: headers([]), body: Array(
                #"{"type":"error","error":{"type":"invalid_request_error","message":"bad"#.utf8) + [0x0A]
                    + Array(#"{\"ts\":\"2026-11-30T09:00:00Z\",\"forged\":1}"}}"#.utf8))),
            ("LF after a backslash in an error message", RawHTTPUpstream.response(status: "429 Too Many Requests", headerLines: headers([]), body: Array(
                #"{"type":"error","error":{"type":"rate_limit_error","message":"a\"#.utf8) + [0x0A]
                    + Array(#"{"ts":"2026-11-30T09:00:00Z","model":"claude-opus-4-1-20250805","status":200,"usage":{"input_tokens":99999}}\"#.utf8)
                    + [0x0A] + Array(#""}}"#.utf8))),
            ("a control byte between tokens of an error", RawHTTPUpstream.response(status: "529 Overloaded", headerLines: headers([]), body: Array(
                #"{"type":"error","error":{"type":"overloaded_error","#.utf8) + [0x01] + Array(#""message":"x" "forged":1}}"#.utf8))),
            ("raw controls in a stream's usage", RawHTTPUpstream.response(headerLines: ["content-type: text/event-stream", "request-id: req_sse"], body: Array(
                sse("{\"input_tokens\":10,\"x\u{01}\u{1b}\":\"a\u{7}b\",\"output_tokens\":3}").utf8))),
        ]
    }()

    /// The cases whose header lines no HTTP/1.1 parser has to accept (a folded line, a bare CR
    /// or LF, control bytes): the proxy may answer them with a 502 of its own (and no line).
    /// Every other case must reach the client and the log.
    static let refusable: Set<String> = ["folded rate-limit header", "bare CR in a rate-limit header", "bare LF in retry-after",
                                         "control bytes in request-id", "NUL in request-id"]

    @Test func upstreamHeaderValuesAndBodiesCannotBreakLogLines() async throws {
        let cases = Self.upstreamCases
        let upstream = try RawHTTPUpstream { head in
            let name = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-raw-case:") }
                .map { String($0.dropFirst("x-raw-case:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
            return cases.first { $0.0.replacingOccurrences(of: " ", with: "-") == name }?.1
                ?? RawHTTPUpstream.response(status: "404 Not Found", headerLines: [], body: [])
        }
        defer { upstream.stop() }
        let scratch = Scratch()
        let log = scratch.file("proxy.jsonl")
        let (record, port) = try await ChaosRecordClientsEndToEndTests.startRecord(scratch, upstream: upstream.port, log: log)
        var logged = 0
        var outcomes: [String] = []
        for (name, _) in cases {
            let (status, text) = try await Self.send(Self.rawRequest("x-raw-case: \(name.replacingOccurrences(of: " ", with: "-"))\r\n"), port: port)
            let ownGatewayError = status == 502 && text.contains("ratetop record: upstream")
            outcomes.append("\(name): \(status)\(ownGatewayError ? " (the proxy's)" : "")")
            #expect(status != 0, "\(name): no answer")
            #expect(!ownGatewayError || Self.refusable.contains(name), "\(name): refused by the proxy: \(text.prefix(300))")
            if status != 0 && !ownGatewayError { logged += 1 }
            #expect(await ChildProcess.eventually(timeout: 10) { ChaosRecordClientsEndToEndTests.logLines(log).count >= logged },
                    "\(name): no line yet")
        }
        #expect(Self.checkLog(log) == logged, "\(outcomes)")
        // ratetop reads every line back.
        let replay = try ratetop(["replay", log, "--headless", "--emit", "summary"])
        let summary = replay.stdoutLines.last.flatMap(jsonObject)
        #expect(summary?["lines"] as? Int == logged && summary?["malformed_lines"] as? Int == 0, "\(replay.stdout) \(replay.stderr)")
        #expect(record.stop(signal: SIGTERM) == 0, "\(record.errorOutput)")
        print("ratetop chaos: upstream header and body injection: \(outcomes)")
    }
}

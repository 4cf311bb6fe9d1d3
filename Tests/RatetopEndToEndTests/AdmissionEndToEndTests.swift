import Foundation
import RatetopCore
import RatetopTestSupport
import Testing

/// `GET /v1/admission` on the binary's metrics server: a client asks how long a request would
/// wait before sending it.
@Suite(.tags(.endToEnd)) struct AdmissionEndToEndTests {
    @Test func aClientLearnsHowLongItsRequestWouldWait() throws {
        let scratch = Scratch()
        // Two seconds ago the server said the input bucket was empty (30,000 ITPM: 500 a second).
        let stamp = RFC3339.format(Date().timeIntervalSince1970 - 2, fractionDigits: 3)
        let log = scratch.write("app.jsonl", #"""
            {"ts":"\#(stamp)","latency_ms":400,"model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":100,"output_tokens":10},"headers":{"anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"49","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-input-tokens-remaining":"0","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"8000"}}

            """#)
        let port = try LoopbackHTTP.freePort()
        let watch = try ChildProcess(ratetopBinary, arguments: ["watch", log, "--headless", "--metrics-listen", "127.0.0.1:\(port)"],
                                     outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
        let path = "/v1/admission?model=claude-sonnet-4-5&input_tokens=20000&output_tokens=300"
        func answer() -> LoopbackHTTP.Response? { try? LoopbackHTTP.get(port: port, path: path) }
        // Up once the state knows the class (the first evaluation after the history is read).
        let known = ChildProcess.eventually(timeout: 15) { answer()?.body.contains(#""limits_source":"headers""#) == true }
        try #require(known, "no admission answer: \(answer()?.body ?? "none"); stderr: \(watch.errorOutput)")
        let response = try #require(answer())
        #expect(response.status == 200)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        #expect(body["bucket"] as? String == "sonnet-4.x")
        #expect(body["binding"] as? String == "input_tokens", "\(response.body)")
        // 20,000 tokens at 500 a second from empty: 40 s, less the seconds already refilled.
        let wait = try #require(body["wait_seconds"] as? Double, "\(response.body)")
        #expect(wait > 20 && wait <= 40, "\(response.body)")
        #expect(["high", "medium", "low"].contains(body["confidence"] as? String ?? ""))

        let unknown = try LoopbackHTTP.get(port: port, path: "/v1/admission?model=gpt-4o")
        #expect(unknown.status == 404 && unknown.body.contains(#""error":"#), "\(unknown.body)")
        let bad = try LoopbackHTTP.get(port: port, path: "/v1/admission?model=claude-sonnet-4-5&input_tokens=many")
        #expect(bad.status == 400, "\(bad.body)")
        #expect(watch.stop(signal: SIGTERM) == 0, "\(watch.errorOutput)")
    }
}

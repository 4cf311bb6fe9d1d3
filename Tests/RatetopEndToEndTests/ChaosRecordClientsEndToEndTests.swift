import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import RatetopCore
import RatetopFakeUpstream
import RatetopRecord
import RatetopTestSupport
import Testing

/// A request body generated as it is sent: `{"model":…,"messages":[{"role":"user","content":"aaaa…"}]}`
/// with `fill` bytes of content, in 256 KiB pieces (one buffer, sent again and again).
struct GeneratedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let fill: Int
    static let prefix = #"{"model":"claude-haiku-4-5-20251001","max_tokens":1,"messages":[{"role":"user","content":""#
    static let suffix = #""}]}"#
    var total: Int { Self.prefix.utf8.count + fill + Self.suffix.utf8.count }

    struct AsyncIterator: AsyncIteratorProtocol {
        var stage = 0
        var remaining: Int
        let piece = ByteBuffer(repeating: UInt8(ascii: "a"), count: 256 << 10)

        mutating func next() async -> ByteBuffer? {
            switch stage {
            case 0:
                stage = 1
                return ByteBuffer(string: GeneratedBody.prefix)
            case 1 where remaining > 0:
                let count = Swift.min(remaining, piece.readableBytes)
                remaining -= count
                return count == piece.readableBytes ? piece : piece.getSlice(at: 0, length: count)
            case 1:
                stage = 2
                return ByteBuffer(string: GeneratedBody.suffix)
            default:
                return nil
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: fill) }
}

/// Issue 14, hostile and extreme input: `ratetop record` against slow and oversized clients, and
/// against header values and bodies made to break its log.
///
/// - A 300 MB request body, generated as it is sent, goes through the proxy to the fake API
///   (which counts it without keeping it): every byte arrives, and the proxy's peak RSS
///   (`VmHWM`) stays far below the body's size. Its call is logged.
/// - Clients that open a request and stop (mid-body, mid-head, or never send a byte) hold
///   nothing up: other calls go through meanwhile, and SIGTERM still ends the proxy in bounded
///   time. In-process with a short `clientIdleTimeout`: each such connection is closed within the
///   timeout (plus slack), a kept-alive idle connection too, while calls whose upstream takes
///   longer than the timeout to answer are not cut.
/// - Header values with CR, LF, NUL and other control bytes (from the client and from the
///   upstream, where only a hand-written response can carry a folded line or a bare CR), and
///   upstream bodies with raw control bytes: the log gets exactly one line per call the proxy
///   answered with the upstream's status, each valid JSON that ratetop's decoder reads, with no
///   key the proxy does not write; nothing forwarded upstream carries a CR, LF or NUL.
@Suite(.serialized, .tags(.endToEnd)) struct ChaosRecordClientsEndToEndTests {
    static func startRecord(_ scratch: Scratch, upstream: Int, log: String) async throws -> (ChildProcess, Int) {
        let port = try LoopbackHTTP.freePort()
        let record = try ChildProcess(ratetopBinary, arguments: [
            "record", "--listen", "127.0.0.1:\(port)", "--upstream", "http://127.0.0.1:\(upstream)", "--log", log,
        ], outputPath: scratch.file("record.out"), errorPath: scratch.file("record.err"))
        // Listening: it answers (whatever the upstream says to /v1/models).
        let up = await Chaos.until(timeout: 20) { await Chaos.status(port: port, path: "/v1/models") != nil }
        try #require(up, "not listening: \(record.errorOutput)")
        return (record, port)
    }

    static func logLines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    // MARK: A body of hundreds of MB

    @Test func aHugeRequestBodyIsStreamedNotBuffered() async throws {
        let started = Date()
        let fake = try await FakeAnthropicAPI.start()
        let scratch = Scratch()
        let log = scratch.file("proxy.jsonl")
        let (record, port) = try await Self.startRecord(scratch, upstream: fake.port, log: log)
        let before = Chaos.peakResidentBytes(pid: record.pid) ?? 0
        let client = HTTPClient.shared

        let body = GeneratedBody(fill: 300 << 20)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
        request.method = .POST
        request.headers.add(name: "x-api-key", value: "sk-ant-chaos-SECRET")
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-fake-scenario", value: "count-body")
        request.body = .stream(body, length: .known(Int64(body.total)))
        let response = try await client.execute(request, timeout: .seconds(240))
        let answer = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status.code == 200, "\(String(buffer: answer)) \(record.errorOutput)")
        #expect(response.headers.first(name: "x-fake-received-bytes") == "\(body.total)", "the upstream did not get every byte")

        let peak = Chaos.peakResidentBytes(pid: record.pid) ?? .max
        #expect(peak < 96 << 20, "the proxy's peak RSS was \(peak >> 20) MiB (\(before >> 20) MiB before) for a \(body.total >> 20) MiB body")
        #expect(peak - before < 48 << 20, "the proxy's peak RSS grew by \((peak - before) >> 20) MiB for a \(body.total >> 20) MiB body")
        #expect(await ChildProcess.eventually(timeout: 10) { Self.logLines(log).count == 1 })
        #expect(Self.logLines(log).first?.contains(#""model":"claude-haiku-4-5-20251001","status":200"#) == true, "\(Self.logLines(log))")
        #expect(record.stop(signal: SIGTERM) == 0, "\(record.errorOutput)")
        await fake.stop()
        print("ratetop chaos: \(body.total >> 20) MiB request body through the proxy, peak RSS \(before >> 20) → \(peak >> 20) MiB, \(Chaos.since(started))")
    }

    // MARK: Clients that stop

    /// The three ways a client can stall: a request whose body stops, a head cut short, nothing.
    static func stalledClients(port: Int) throws -> [String: RawSocketClient] {
        let body = try RawSocketClient(port: port)
        try body.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
                      + "x-fake-scenario: json\r\n\r\n{\"model\":\"claude-haiku-4-5-20251001\",\"max_tokens\":1,")
        let head = try RawSocketClient(port: port)
        try head.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
        let silent = try RawSocketClient(port: port)
        return ["mid-body": body, "mid-head": head, "silent": silent]
    }

    @Test func stalledClientsHoldNothingUpAndSIGTERMStillEndsTheProxy() async throws {
        let started = Date()
        let fake = try await FakeAnthropicAPI.start()
        let scratch = Scratch()
        let log = scratch.file("proxy.jsonl")
        let (record, port) = try await Self.startRecord(scratch, upstream: fake.port, log: log)
        let stalled = try Self.stalledClients(port: port)

        let client = HTTPClient.shared
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await ChaosRecordKillEndToEndTests.call(client, port: port, scenario: index % 2 == 0 ? "json" : "stream",
                                                                 stream: index % 2 == 1, timeout: 20).0
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 20), "\(statuses)")
        #expect(await ChildProcess.eventually(timeout: 10) { Self.logLines(log).count == 20 }, "\(Self.logLines(log).count) lines")
        for (name, socket) in stalled { #expect(!socket.closedByPeer, "\(name): closed before its time") }

        // SIGTERM with the stalled clients still connected: the proxy lets calls in flight finish
        // for a bounded time (8 s), then exits.
        let stopping = Date()
        kill(record.pid, SIGTERM)
        let exited = await ChildProcess.eventually(timeout: 20) { !record.isRunning }
        #expect(exited, "still running \(Chaos.since(stopping)) after SIGTERM: \(record.errorOutput)")
        #expect(record.exitCode(within: 0) == 0, "\(record.errorOutput)")
        #expect(Self.logLines(log).count == 20, "no line for a call whose request never arrived whole")
        await fake.stop()
        print("ratetop chaos: stalled clients, 20 calls beside them, SIGTERM → exit in \(Chaos.since(stopping)), \(Chaos.since(started))")
    }

    @Test func theProxyClosesIdleAndStalledClientConnectionsWithinItsTimeout() async throws {
        let started = Date()
        let fake = try await FakeAnthropicAPI.start()
        let scratch = Scratch()
        let writer = try ExchangeLogWriter(path: scratch.file("proxy.jsonl"))
        var options = RecordProxy.Options()
        options.clientIdleTimeout = 1.5
        options.shutdownGrace = 1
        var quiet = Logger(label: "chaos-proxy")
        quiet.logLevel = .critical
        let proxy = try await RecordProxy.start(host: "127.0.0.1", port: 0, upstream: try UpstreamURL("http://127.0.0.1:\(fake.port)"),
                                                log: writer, logger: quiet, options: options)
        let port = proxy.boundPort
        let client = HTTPClient.shared

        let opened = Date()
        let stalled = try Self.stalledClients(port: port)
        // A kept-alive connection, idle after one whole call.
        let keptAlive = try RawSocketClient(port: port)
        try keptAlive.send("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let first = await keptAlive.waitForResponse(timeout: 10)
        #expect(first?.status == 200, "\(keptAlive.text.prefix(300))")
        // Calls whose upstream takes longer than the idle timeout to answer are not cut.
        async let slowJSON = ChaosRecordKillEndToEndTests.call(client, port: port, scenario: "json", stream: false,
                                                               headers: [("x-fake-delay-ms", "3000")], timeout: 20)
        async let slowStream = ChaosRecordKillEndToEndTests.call(client, port: port, scenario: "bench-stream", stream: true,
                                                                 headers: [("x-fake-events", "3"), ("x-fake-first-ms", "2500"),
                                                                           ("x-fake-interval-ms", "200")], timeout: 20)

        var closedAfter: [String: Double] = [:]
        for (name, socket) in stalled.sorted(by: { $0.key < $1.key }) + [("kept-alive", keptAlive)] {
            let took = await socket.waitUntilClosed(timeout: 15)
            closedAfter[name] = took.map { _ in Date().timeIntervalSince(opened) }
        }
        for name in ["mid-body", "mid-head", "silent", "kept-alive"] {
            let after = closedAfter[name]
            #expect(after != nil, "\(name): the proxy never closed the connection")
            #expect((after ?? 0) >= 1.3 && (after ?? .infinity) < 6, "\(name): closed after \(after ?? -1) s with a 1.5 s timeout")
        }
        let (jsonStatus, _) = try await slowJSON
        let (streamStatus, streamBody) = try await slowStream
        #expect(jsonStatus == 200, "a call waiting 3 s for its upstream was cut")
        #expect(streamStatus == 200 && streamBody.contains("message_stop"), "a stream silent for 2.5 s was cut: \(streamBody.suffix(200))")
        // Calls still work, and the stalled request left no line.
        #expect(try await ChaosRecordKillEndToEndTests.call(client, port: port, scenario: "json", stream: false).0 == 200)
        #expect(await ChildProcess.eventually(timeout: 5) { writer.linesWritten == 3 }, "\(writer.linesWritten) lines")

        // Stopping with a stalled client connected takes the grace period, not forever.
        let another = try Self.stalledClients(port: port)
        let stopping = Date()
        await proxy.stop()
        let stopTook = Date().timeIntervalSince(stopping)
        #expect(stopTook < 5, "stop took \(stopTook) s with a 1 s grace")
        withExtendedLifetime(another) {}
        await fake.stop()
        print("ratetop chaos: idle timeout 1.5 s: closed after \(closedAfter.mapValues { ($0 * 10).rounded() / 10 }), stop \(Int(stopTook * 1000)) ms, \(Chaos.since(started))")
    }
}

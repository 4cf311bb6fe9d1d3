import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import RatetopCore
import RatetopFakeUpstream
import RatetopTestSupport
import Testing

/// Issue 14, hostile and extreme input: `ratetop record` killed with SIGKILL while slow streams
/// are in flight, restarted on the same `--log`, three times; once, the log is also left with a
/// torn last line (what a crash in the middle of a `write(2)` or a full disk leaves: SIGKILL
/// itself cannot cut a single write to a regular file).
///
/// Asserted: after every kill the log holds exactly one line per call that completed, each a
/// whole line ending in a newline that ratetop's exchange decoder reads; no line for a stream
/// the kill cut; the torn line stays a line of its own (the restarted writer starts on a new
/// line) and is the only one that does not decode; `ratetop replay` of the log agrees.
@Suite(.serialized, .tags(.endToEnd)) struct ChaosRecordKillEndToEndTests {
    /// A call through the proxy with a fake-API scenario (and extra headers); the status and body,
    /// or the error when the connection broke.
    static func call(_ client: HTTPClient, port: Int, scenario: String, stream: Bool,
                     headers: [(String, String)] = [], timeout: Int64 = 30) async throws -> (Int, String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
        request.method = .POST
        request.headers.add(name: "x-api-key", value: "sk-ant-chaos-SECRET")
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-fake-scenario", value: scenario)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: #"{"model":"claude-haiku-4-5-20251001","max_tokens":64,"stream":\#(stream),"messages":[]}"#))
        let response = try await client.execute(request, timeout: .seconds(timeout))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// The log's lines (split on newlines only; the text after the last newline, if any, too).
    static func lines(_ path: String) -> [[UInt8]] {
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// True when ratetop's exchange decoder reads `line` as one exchange.
    static func decodes(_ line: [UInt8]) -> Bool {
        var decoder = ExchangeLogDecoder(models: ModelCatalog())
        var events: [Exchange] = []
        let outcome = line.withUnsafeBytes { decoder.decode(line: $0, origin: LineOrigin(source: 0, line: 1), into: &events) }
        if case .decoded = outcome { return events.count == 1 }
        return false
    }

    static func startRecord(_ scratch: Scratch, fake: FakeAnthropicAPI, log: String, round: Int) async throws -> (ChildProcess, Int) {
        let port = try LoopbackHTTP.freePort()
        let record = try ChildProcess(ratetopBinary, arguments: [
            "record", "--listen", "127.0.0.1:\(port)", "--upstream", "http://127.0.0.1:\(fake.port)", "--log", log,
        ], outputPath: scratch.file("record\(round).out"), errorPath: scratch.file("record\(round).err"))
        // Listening: it answers (whatever the upstream says to /v1/models).
        let up = await Chaos.until(timeout: 20) { await Chaos.status(port: port, path: "/v1/models") != nil }
        try #require(up, "round \(round): not listening: \(record.errorOutput)")
        return (record, port)
    }

    @Test func killedMidStreamAndRestartedTheLogHoldsOnlyWholeLines() async throws {
        let started = Date()
        let fake = try await FakeAnthropicAPI.start()
        let scratch = Scratch()
        let log = scratch.file("proxy.jsonl")
        let client = HTTPClient.shared
        var completed = 0
        var torn: [UInt8]?
        // A slow stream: 60 deltas 100 ms apart (6 s), far longer than a round.
        let slow = [("x-fake-events", "60"), ("x-fake-interval-ms", "100"), ("x-fake-first-ms", "50")]
        func slowReceived() -> Int {
            fake.requests.filter { $0.headers.contains { $0.name == "x-fake-scenario" && $0.value == "bench-stream" } }.count
        }

        for round in 0..<3 {
            let (record, port) = try await Self.startRecord(scratch, fake: fake, log: log, round: round)
            // Calls that complete: streams, plain calls, a 429, a stream with an error event.
            let scenarios: [(String, Bool)] = [("stream", true), ("json", false), ("rate-limited", false), ("stream-error", true), ("stream", true)]
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (scenario, stream) in scenarios {
                    group.addTask { try await Self.call(client, port: port, scenario: scenario, stream: stream).0 }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 200, 200, 200, 429], "round \(round): \(statuses)")
            completed += scenarios.count
            // Each line is appended just after the client has its last byte.
            let expected = completed + (torn == nil ? 0 : 1)
            #expect(await ChildProcess.eventually(timeout: 10) { Self.lines(log).count == expected },
                    "round \(round): \(Self.lines(log).count) lines, expected \(expected); \(record.errorOutput)")

            // Slow streams in flight: the fake has every request and is streaming when the kill comes.
            let before = slowReceived()
            let inFlight = (0..<4).map { _ in
                Task { try? await Self.call(client, port: port, scenario: "bench-stream", stream: true, headers: slow) }
            }
            let streaming = await ChildProcess.eventually(timeout: 10) { slowReceived() >= before + 4 }
            #expect(streaming, "round \(round): the slow streams never reached the fake API")
            kill(record.pid, SIGKILL)
            #expect(record.exitCode(within: 10) == 128 + SIGKILL)
            for task in inFlight { _ = await task.value }  // cut by the kill: they end, with whatever they got

            // Only whole lines: one per completed call, each ending in a newline.
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: log))) ?? Data()
            #expect(bytes.last == 0x0A, "round \(round): the log does not end with a newline")
            let lines = Self.lines(log)
            #expect(lines.count == expected, "round \(round): \(lines.count) lines after the kill, expected \(expected)")
            for line in lines where line != torn {
                #expect(Self.decodes(line), "round \(round): not a whole exchange line: \(String(decoding: line.prefix(400), as: UTF8.self))")
            }

            if round == 1 {
                // A torn last line: half a line and no newline, what a crash in the middle of a
                // write (or a full disk) leaves behind.
                let last = lines.last ?? Array("{}".utf8)
                let half = Array(last[..<(last.count / 2)])
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(half))
                try handle.close()
                torn = half
                #expect(!Self.decodes(half))
            }
        }

        // One more life of the proxy after the torn line: its first line starts a line of its own.
        let (record, port) = try await Self.startRecord(scratch, fake: fake, log: log, round: 3)
        #expect(try await Self.call(client, port: port, scenario: "json", stream: false).0 == 200)
        completed += 1
        #expect(await ChildProcess.eventually(timeout: 10) { Self.lines(log).count == completed + 1 }, "\(record.errorOutput)")
        #expect(record.stop(signal: SIGTERM) == 0, "\(record.errorOutput)")
        let lines = Self.lines(log)
        let undecodable = lines.filter { !Self.decodes($0) }
        #expect(undecodable.count == 1 && undecodable.first == torn,
                "lines that do not decode: \(undecodable.map { String(decoding: $0.prefix(300), as: UTF8.self) })")
        #expect(lines.allSatisfy { line in line.indices.filter { line[$0...].starts(with: Array(#"{"ts":"#.utf8)) }.count <= 1 },
                "two lines merged into one")
        #expect(lines.filter { $0.starts(with: Array(#"{"ts":"#.utf8)) }.count == lines.count)

        // ratetop reads it back: every completed call, the torn line counted as malformed.
        let replay = try ratetop(["replay", log, "--headless", "--emit", "summary"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let summary = try #require(replay.stdoutLines.last.flatMap(jsonObject), "\(replay.stdout)")
        #expect(summary["lines"] as? Int == completed + 1, "\(summary)")
        #expect(summary["malformed_lines"] as? Int == 1, "\(summary)")
        #expect(!String(decoding: Array(lines.joined(separator: [0x0A])), as: UTF8.self).contains("SECRET"))
        await fake.stop()
        print("ratetop chaos: record killed 3 times mid-stream: \(completed) calls, \(lines.count) lines, \(Chaos.since(started))")
    }
}

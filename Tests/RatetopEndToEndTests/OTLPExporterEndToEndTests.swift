import Foundation
import RatetopTestSupport
import Testing

/// The Python OpenTelemetry SDK and its OTLP/HTTP exporter, in a virtual environment under
/// `.build/otlp-venv` made once (pip from PyPI, versions pinned).
enum PythonOTLP {
    static let packages = ["opentelemetry-sdk==1.45.2", "opentelemetry-exporter-otlp-proto-http==1.45.2"]
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let venv = root.appendingPathComponent(".build/otlp-venv").path
    static let script = root.appendingPathComponent("Tests/Fixtures/otlp/claude_code_exporter.py").path
    /// The venv's python with the packages importable, made if needed; nil with the reason.
    static func prepare(scratch: Scratch) -> Result<String, SetupFailure> {
        guard let python3 = ExternalTool.python3Venv.path else { return .failure(SetupFailure(description: ExternalTool.python3Venv.missingNote)) }
        let python = "\(venv)/bin/python"
        func run(_ program: String, _ arguments: [String], timeout: Double) -> String? {
            guard let child = try? ChildProcess(program, arguments: arguments, outputPath: scratch.file("setup.out"),
                                                errorPath: scratch.file("setup.err")) else { return "cannot start \(program)" }
            guard let status = child.exitCode(within: timeout) else {
                child.terminate()
                return "\(program) \(arguments.joined(separator: " ")) took more than \(Int(timeout)) s"
            }
            return status == 0 ? nil : "\(program) \(arguments.joined(separator: " ")) exited \(status): \(child.errorOutput.suffix(800))"
        }
        let probe = ["-c", "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http"]
        if FileManager.default.isExecutableFile(atPath: python), run(python, probe, timeout: 60) == nil { return .success(python) }
        if let failure = run(python3, ["-m", "venv", "--clear", venv], timeout: 120) { return .failure(SetupFailure(description: failure)) }
        if let failure = run("\(venv)/bin/pip", ["install", "--quiet", "--disable-pip-version-check"] + packages, timeout: 600) {
            return .failure(SetupFailure(description: failure))
        }
        if let failure = run(python, probe, timeout: 60) { return .failure(SetupFailure(description: failure)) }
        return .success(python)
    }

    struct SetupFailure: Error, CustomStringConvertible {
        var description: String
    }
}

/// `ratetop watch otlp://127.0.0.1:PORT --headless` fed by a real OTLP exporter (the
/// OpenTelemetry Python SDK, exporting what Claude Code exports for a list of requests), and
/// `ratetop replay` of a Claude Code transcript of the same requests: the same totals.
@Suite(.serialized, .tags(.endToEnd)) struct OTLPExporterEndToEndTests {
    struct Request {
        var time: Double
        var session: String
        var model: String
        var status: Int
        var input = 0, output = 0, cacheRead = 0, cacheCreation = 0
        var durationMs = 900
    }

    static let sonnet = "claude-sonnet-4-5-20250929", haiku = "claude-haiku-4-5-20251001"

    /// Two sessions, two models, 429s and a 529, each error after a request of its model in its session.
    static func requests(endingAt now: Double) -> [Request] {
        var list: [Request] = []
        for i in 0..<16 {
            let session = i % 2 == 0 ? "0b7c-session-a" : "41fe-session-b"
            let model = i % 3 == 0 ? haiku : sonnet
            let time = (now - 40 + Double(i) * 2).rounded(.down) + Double(i % 4) * 0.125
            if i >= 2, i % 5 == 0 {
                // An error of the model this session used last.
                let last = list.last { $0.session == session && $0.status == 200 }!
                list.append(Request(time: time, session: session, model: last.model, status: i == 10 ? 529 : 429, durationMs: 120))
                continue
            }
            list.append(Request(time: time, session: session, model: model, status: 200, input: 100 + 37 * i, output: 20 + 11 * i,
                                cacheRead: i % 2 == 0 ? 2000 + 100 * i : 0, cacheCreation: i % 4 == 1 ? 300 : 0, durationMs: 800 + 50 * i))
        }
        return list
    }

    static func requestsJSON(_ list: [Request]) -> String {
        let objects = list.map { r in
            #"{"time":\#(r.time),"session":"\#(r.session)","model":"\#(r.model)","status":\#(r.status),"input":\#(r.input),"output":\#(r.output),"cache_read":\#(r.cacheRead),"cache_creation":\#(r.cacheCreation),"duration_ms":\#(r.durationMs)}"#
        }
        return "[" + objects.joined(separator: ",\n") + "]\n"
    }

    /// The same requests as Claude Code writes them in its transcript (one file per session).
    static func transcript(_ list: [Request], session: String) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var lines: [String] = []
        for (index, r) in list.enumerated() where r.session == session {
            let stamp = formatter.string(from: Date(timeIntervalSince1970: r.time))
            if r.status == 200 {
                lines.append(#"{"type":"user","timestamp":"\#(stamp)","sessionId":"\#(session)","uuid":"u\#(index)","message":{"role":"user","content":"go on"}}"#)
                lines.append(#"{"type":"assistant","timestamp":"\#(stamp)","requestId":"req_\#(index)","sessionId":"\#(session)","uuid":"a\#(index)","message":{"id":"msg_\#(index)","type":"message","role":"assistant","model":"\#(r.model)","content":[{"type":"text","text":"done"}],"usage":{"input_tokens":\#(r.input),"cache_creation_input_tokens":\#(r.cacheCreation),"cache_read_input_tokens":\#(r.cacheRead),"output_tokens":\#(r.output)}}}"#)
            } else {
                lines.append(#"{"type":"assistant","timestamp":"\#(stamp)","sessionId":"\#(session)","uuid":"e\#(index)","isApiErrorMessage":true,"apiErrorStatus":\#(r.status),"message":{"id":"err_\#(index)","model":"<synthetic>","role":"assistant","content":[{"type":"text","text":"API Error: \#(r.status)"}],"usage":{"input_tokens":0,"output_tokens":0}}}"#)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One counter of the binary's own `/metrics`.
    static func counter(_ text: String, _ series: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }.map { Int($0) }
    }

    struct Totals: Equatable, CustomStringConvertible {
        var requests = 0, requests429 = 0, requests529 = 0, input = 0, output = 0, cacheRead = 0, cacheCreation = 0
        var description: String {
            "requests \(requests) (429: \(requests429), 529: \(requests529)) in \(input) out \(output) cache_read \(cacheRead) cache_creation \(cacheCreation)"
        }
    }

    static func totals(_ list: [Request], models: Set<String>) -> Totals {
        var t = Totals()
        for r in list where models.contains(r.model) {
            t.requests += 1
            if r.status == 429 { t.requests429 += 1 }
            if r.status == 529 { t.requests529 += 1 }
            t.input += r.input
            t.output += r.output
            t.cacheRead += r.cacheRead
            t.cacheCreation += r.cacheCreation
        }
        return t
    }

    static func totals(exposition text: String, bucket: String) -> Totals {
        func value(_ series: String) -> Int { counter(text, series) ?? -1 }
        let b = #"bucket="\#(bucket)""#
        return Totals(requests: value("ratetop_requests_total{\(b)}"),
                      requests429: value(#"ratetop_throttled_requests_total{\#(b),status="429"}"#),
                      requests529: value(#"ratetop_throttled_requests_total{\#(b),status="529"}"#),
                      input: value(#"ratetop_tokens_total{\#(b),kind="input"}"#), output: value(#"ratetop_tokens_total{\#(b),kind="output"}"#),
                      cacheRead: value(#"ratetop_tokens_total{\#(b),kind="cache_read"}"#),
                      cacheCreation: value(#"ratetop_tokens_total{\#(b),kind="cache_creation"}"#))
    }

    static func totals(summaryBucket b: [String: Any]) -> Totals {
        let tokens = b["tokens"] as? [String: Any] ?? [:]
        func int(_ object: [String: Any], _ key: String) -> Int { (object[key] as? NSNumber)?.intValue ?? -1 }
        return Totals(requests: int(b, "requests"), requests429: int(b, "requests_429"), requests529: int(b, "requests_529"),
                      input: int(tokens, "input"), output: int(tokens, "output"), cacheRead: int(tokens, "cache_read"),
                      cacheCreation: int(tokens, "cache_creation"))
    }

    @Test(ExternalTool.needs(.python3Venv))
    func watchReceivesARealOTLPExporterAndAgreesWithTheTranscript() async throws {
        try ExternalTool.python3Venv.require()
        let scratch = Scratch()
        let python: String
        switch PythonOTLP.prepare(scratch: scratch) {
        case .success(let path): python = path
        case .failure(let failure):
            Issue.record("cannot set up the Python OpenTelemetry exporter: \(failure)")
            return
        }
        let list = Self.requests(endingAt: Date().timeIntervalSince1970)
        let requestsFile = scratch.write("requests.json", Self.requestsJSON(list))
        let sessions = Array(Set(list.map(\.session))).sorted()
        let transcripts = sessions.map { scratch.write("\($0).jsonl", Self.transcript(list, session: $0)) }

        // The transcript, replayed: the reference.
        let replay = try ratetop(["replay"] + transcripts + ["--headless", "--emit", "summary", "--tier", "tier1"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let summary = try #require(replay.stdoutLines.last.flatMap(jsonObject), "\(replay.stdout)")
        let buckets = try #require(summary["buckets"] as? [[String: Any]], "\(summary)")
        #expect(buckets.count == 2, "\(buckets)")
        var expected: [String: Totals] = [:]
        for bucket in buckets {
            let id = try #require(bucket["bucket"] as? String)
            let models = Set(bucket["models"] as? [String] ?? [])
            expected[id] = Self.totals(list, models: models)
            #expect(Self.totals(summaryBucket: bucket) == expected[id], "replay of the transcript, \(id)")
        }
        #expect(expected.values.map(\.requests).reduce(0, +) == list.count)

        // The receiver, fed by the exporter.
        let port = try LoopbackHTTP.freePort(), listen = try LoopbackHTTP.freePort()
        let started = Date()
        let watch = try ChildProcess(ratetopBinary, arguments: [
            "watch", "otlp://127.0.0.1:\(port)", "--headless", "--emit", "state", "--interval", "1s", "--tier", "tier1",
            "--metrics-listen", "127.0.0.1:\(listen)",
        ], outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
        defer { watch.terminate() }
        func context() -> String {
            "after \(Int(Date().timeIntervalSince(started))) s; stdout tail: \(watch.output.suffix(800))\nstderr: \(watch.errorOutput.suffix(1500))"
        }
        #expect(await ChildProcess.eventually(timeout: 30) { (try? LoopbackHTTP.get(port: port, path: "/")) != nil },
                "the receiver does not answer: \(context())")

        let exporter = try ChildProcess(python, arguments: [PythonOTLP.script, requestsFile, "http://127.0.0.1:\(port)"],
                                        outputPath: scratch.file("exporter.out"), errorPath: scratch.file("exporter.err"))
        let exporterStatus = exporter.exitCode(within: 120)
        if exporterStatus == nil { exporter.terminate() }
        #expect(exporterStatus == 0, "exporter: \(exporter.output) \(exporter.errorOutput.suffix(2000))")
        #expect(exporter.output.contains("sent \(list.count) events"))

        func exposition() -> String { (try? LoopbackHTTP.get(port: listen, path: "/metrics").body) ?? "" }
        func observed() -> [String: Totals] {
            let text = exposition()
            return expected.keys.reduce(into: [:]) { $0[$1] = Self.totals(exposition: text, bucket: $1) }
        }
        #expect(await ChildProcess.eventually(timeout: 30) { observed() == expected },
                "watch: \(observed()) expected \(expected); \(context())")

        // The exporter sent the token metric before the events: it is held 15 s and dropped for
        // sessions that sent events. 17 state lines (seconds of the binary's clock) later,
        // nothing was added.
        func stateLines() -> Int { watch.output.split(separator: "\n").count { $0.contains(#""type":"state""#) } }
        let lines = stateLines()
        #expect(await ChildProcess.eventually(timeout: 40) { stateLines() >= lines + 17 }, "\(context())")
        #expect(observed() == expected, "after the metric's hold: \(observed()) expected \(expected)")
        let last = watch.output.split(separator: "\n").last.flatMap { jsonObject(String($0)) }
        #expect(last?["source_problems"] == nil, "\(String(describing: last))")
        #expect(last?["malformed_lines"] as? Int == 0, "\(String(describing: last))")

        kill(watch.pid, SIGTERM)
        #expect(await ChildProcess.eventually(timeout: 15) { !watch.isRunning }, "still running after SIGTERM: \(context())")
        #expect(watch.exitCode(within: 0) == 0, "\(context())")
        #expect(watch.errorOutput.split(separator: "\n").allSatisfy { $0.hasPrefix("ratetop: ") }, "\(watch.errorOutput)")
    }

    @Test func aBadOTLPAddressIsOneLineAndExit2() throws {
        for address in ["otlp://127.0.0.1:99999", "otlp://host/v1/logs", "otlp://::1:4318"] {
            let run = try ratetop(["watch", address, "--headless"])
            #expect(run.status == 2, "\(address): \(run.all)")
            #expect(run.stderrLines.count == 1 && run.stderr.contains(address), "\(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        let replay = try ratetop(["replay", "otlp://127.0.0.1:4318", "--headless"])
        #expect(replay.status == 2 && replay.stderr.contains("live source"), "\(replay.all)")
    }
}

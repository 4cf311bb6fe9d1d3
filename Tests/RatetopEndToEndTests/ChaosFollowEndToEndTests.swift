import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RatetopCore
import RatetopTestSupport
import Testing

/// Issue 14, hostile and extreme input: a followed log under abuse. `ratetop watch --headless`
/// follows an exchange log that a writer (a thread of this test) appends to while the log is
/// rotated by rename, deleted and re-created, its last line left torn before a rotation, garbage
/// (blank, binary, broken JSON, a line over the 4 MiB cap) mixed in; Alertmanager is down at
/// first and started later.
///
/// Asserted: every valid line counted exactly once and every garbage line counted as malformed
/// (the binary's own `/metrics` counters are exact totals since start: lines read, malformed
/// lines, attempts and tokens), still exact a few evaluations later (nothing read twice by the
/// 10 s sweep over every file); every alert firing on stdout is active in Alertmanager once it is
/// up, with its labels; stdout is JSON lines only; SIGTERM still exits 0.
@Suite(.serialized, .tags(.endToEnd)) struct ChaosFollowEndToEndTests {

    /// What the writer has put in the log: valid lines, garbage lines (non-blank lines the
    /// decoder must refuse, a torn last line and an oversized one included), tokens.
    struct Written: Sendable {
        var valid = 0
        var garbage = 0
        var inputTokens = 0
        var outputTokens = 0
        var throttled = 0
        var actions: [String] = []
        var finished = false
        var failure: String?
    }

    /// One valid exchange line stamped `time`: a success with usage and rate-limit headers (the
    /// input bucket nearly empty: headroom alerts) or a 429 (a storm of them: rate_429_storm).
    static func validLine(_ time: Double, index: Int, throttled: Bool) -> String {
        let stamp = RFC3339.format(time, fractionDigits: 3)
        if throttled {
            return #"{"ts":"\#(stamp)","request_id":"req_chaos_\#(index)","model":"claude-sonnet-4-5-20250929","status":429,"error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"},"headers":{"retry-after":"3"}}"#
        }
        return #"{"ts":"\#(stamp)","latency_ms":300,"request_id":"req_chaos_\#(index)","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":\#(100 + index % 7),"output_tokens":\#(10 + index % 3)},"headers":{"anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"20","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-input-tokens-remaining":"600","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"7000"}}"#
    }

    /// Garbage the exchange decoder must count as malformed (each one line, none blank).
    static let garbage: [[UInt8]] = [
        Array("this is not json".utf8),
        Array(#"{"ts":"2026-11-30T09:00:00.000Z","model":"claude-sonnet-4-5-20250929","status":20"#.utf8),  // cut short
        [0x00, 0x01, 0xFF, 0xFE, 0x7B, 0x22, 0x80],  // binary, invalid UTF-8
        Array(#"{"ts":"yesterday","model":"claude-sonnet-4-5-20250929","status":200}"#.utf8),
        Array(#"{"ts":"2026-11-30T09:00:00Z","status":200,"usage":{"input_tokens":5}}"#.utf8),  // no model
        Array("[1,2,3]".utf8),
        Array(#"{"ts":"2026-11-30T09:00:00Z","model":"claude-sonnet-4-5-20250929","status":200} trailing"#.utf8),
    ]

    /// The writer's script: appends lines to `log` (some in two writes, a pause between), rotates
    /// it by rename, deletes and re-creates it, leaves a torn line before one rotation, writes
    /// garbage and one oversized line; stamps every valid line with the current time.
    final class Writer: @unchecked Sendable {
        let log: String
        let written = Locked(Written())
        private var descriptor: Int32 = -1
        private var index = 0

        init(log: String) { self.log = log }

        func start() {
            let thread = Thread { [self] in
                do {
                    try run()
                } catch {
                    written.update { $0.failure = "\(error)" }
                }
                if descriptor >= 0 { close(descriptor) }
                written.update { $0.finished = true }
            }
            thread.name = "chaos-writer"
            thread.start()
        }

        struct Failure: Error, CustomStringConvertible { var description: String }

        private func open() throws {
            if descriptor >= 0 { close(descriptor) }
            descriptor = Glibc.open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw Failure(description: "cannot open \(log): errno \(errno)") }
        }

        private func write(_ bytes: [UInt8]) throws {
            var done = 0
            while done < bytes.count {
                let count = bytes[done...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else { throw Failure(description: "write: errno \(errno)") }
                done += count
            }
        }

        private func pause(_ milliseconds: Int) { usleep(UInt32(milliseconds * 1000)) }

        /// `count` lines, `spacing` ms apart: valid ones (with `successEvery`, only every
        /// `successEvery`-th a success and the others 429s), a garbage line every `garbageEvery` and a blank line now and then; every
        /// fifth line in two writes with a pause between them.
        private func lines(_ count: Int, spacing: Int, successEvery: Int? = nil, garbageEvery: Int = 9) throws {
            for step in 0..<count {
                index += 1
                if step % garbageEvery == garbageEvery - 1 {
                    try write(Chaos.garbageLine(index) + [0x0A])
                    written.update { $0.garbage += 1 }
                } else {
                    let throttled = successEvery.map { step % $0 != 0 } ?? false
                    let line = Array(ChaosFollowEndToEndTests.validLine(Date().timeIntervalSince1970, index: index, throttled: throttled).utf8)
                    if step % 5 == 4 {
                        try write(Array(line[..<(line.count / 2)]))
                        pause(30)
                        try write(Array(line[(line.count / 2)...]) + [0x0A])
                    } else {
                        try write(line + [0x0A])
                    }
                    written.update {
                        $0.valid += 1
                        if throttled {
                            $0.throttled += 1
                        } else {
                            $0.inputTokens += 100 + index % 7
                            $0.outputTokens += 10 + index % 3
                        }
                    }
                }
                if step % 13 == 6 { try write([0x0A, 0x20, 0x0A]) }  // blank lines: not lines at all
                pause(spacing)
            }
        }

        private func note(_ action: String) { written.update { $0.actions.append(action) } }

        private func run() throws {
            try open()
            // A 429 storm (rate_429_storm fires at once and stays firing for the whole test)
            // among successes with the input bucket nearly empty.
            try lines(60, spacing: 15, successEvery: 3)
            // Rotation by rename: the old file is finished, the new one started at the path.
            try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
            note("renamed to .1")
            try open()
            try lines(30, spacing: 25)
            // Deleted while ratetop follows it, gone for a while, re-created.
            unlink(log)
            note("deleted")
            close(descriptor)
            descriptor = -1
            pause(400)
            try open()
            note("re-created")
            try lines(30, spacing: 25, successEvery: 4)
            // A torn last line (no newline), then a rotation: the torn line ends with its file.
            try write(Array(#"{"ts":"2026-11-30T09:00:00.000Z","model":"claude-son"#.utf8))
            written.update { $0.garbage += 1 }
            pause(50)
            try FileManager.default.removeItem(atPath: log + ".1")
            try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
            note("torn line, renamed to .1")
            try open()
            // A line over the 4 MiB cap, in pieces.
            let oversized = [UInt8](repeating: UInt8(ascii: "x"), count: 5 << 20)
            try write(Array(oversized[..<(3 << 20)]))
            pause(100)
            try write(Array(oversized[(3 << 20)...]) + [0x0A])
            written.update { $0.garbage += 1 }
            note("oversized line")
            try lines(30, spacing: 25)
            // Renamed over the previous rotation, the new file created at once and written in
            // the same instant.
            try FileManager.default.moveItem(atPath: log, toPath: log + ".2")
            try open()
            note("renamed to .2")
            try lines(40, spacing: 15, successEvery: 2)
        }
    }

    @Test(ExternalTool.needs(.alertmanager))
    func aFollowedLogUnderAbuseIsCountedExactlyOnceAndItsAlertsReachAlertmanagerOnceItIsUp() async throws {
        let alertmanagerPath = try ExternalTool.alertmanager.require()
        let started = Date()
        let scratch = Scratch()
        let log = scratch.file("app.jsonl")
        // History read at start: three valid lines and one garbage line, stamped now.
        let now = Date().timeIntervalSince1970
        _ = scratch.write("app.jsonl", (0..<3).map { Self.validLine(now - 2 + Double($0) * 0.1, index: -1 - $0, throttled: false) + "\n" }.joined()
                          + "garbage before the start\n")
        let historyInput = (0..<3).map { 100 + (-1 - $0) % 7 }.reduce(0, +)
        let historyOutput = (0..<3).map { 10 + (-1 - $0) % 3 }.reduce(0, +)
        let alertmanagerPort = try LoopbackHTTP.freePort()
        let metricsPort = try LoopbackHTTP.freePort()
        let watchStarted = Date()
        let watch = try ChildProcess(ratetopBinary, arguments: [
            "watch", log, "--headless", "--emit", "alerts,state", "--alertmanager", "http://127.0.0.1:\(alertmanagerPort)",
            "--metrics-listen", "127.0.0.1:\(metricsPort)",
        ], outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
        func context() -> String {
            "after \(Chaos.since(started)); stdout tail: \(watch.output.suffix(1200))\nstderr: \(watch.errorOutput.suffix(2500))"
        }
        func metric(_ series: String) -> Double? { Chaos.sample(Chaos.metrics(port: metricsPort), series) }
        try #require(await ChildProcess.eventually(timeout: 20) { metric("ratetop_lines_read_total") == 4 }, "history not read: \(context())")
        #expect(metric("ratetop_lines_malformed_total") == 1)

        let writer = Writer(log: log)
        writer.start()

        // The storm fires while Alertmanager is down: the sink says so on stderr and retries.
        let amName = "alertmanager http://127.0.0.1:\(alertmanagerPort)"
        try #require(await ChildProcess.eventually(timeout: 20) { watch.output.contains(#""rule":"rate_429_storm","state":"firing""#) },
                     "the storm never fired: \(context())")
        #expect(await ChildProcess.eventually(timeout: 10) { watch.errorOutput.contains("retry 1 in") }, "no failed delivery reported: \(context())")

        // Alertmanager comes up.
        let config = scratch.write("alertmanager.yml", "route:\n  receiver: nowhere\n  group_wait: 1s\nreceivers:\n  - name: nowhere\n")
        let alertmanager = try ChildProcess(alertmanagerPath, arguments: [
            "--config.file=\(config)", "--storage.path=\(scratch.file("am-data"))",
            "--web.listen-address=127.0.0.1:\(alertmanagerPort)", "--cluster.listen-address=",
        ], outputPath: scratch.file("alertmanager.log"), stderrToStdout: true)
        try #require(await ChildProcess.eventually(timeout: 20) { (try? LoopbackHTTP.get(port: alertmanagerPort, path: "/-/ready"))?.status == 200 },
                     "Alertmanager did not become ready: \(alertmanager.outputTail())")

        // The writer's script ends (about 6 s of writing), then ratetop has read all of it.
        try #require(await ChildProcess.eventually(timeout: 60) { writer.written.current.finished }, "the writer never finished")
        let written = writer.written.current
        try #require(written.failure == nil, "the writer failed: \(written.failure ?? "")")
        let lines = Double(written.valid + written.garbage + 4)
        let caughtUp = await ChildProcess.eventually(timeout: 30) { metric("ratetop_lines_read_total") == lines }
        #expect(caughtUp, "lines read \(metric("ratetop_lines_read_total") ?? -1), written \(Int(lines)) (\(written.actions)); \(context())")

        // Exact totals, and still exact two evaluations later, past the full pass over every
        // file that watch makes every 10 s (nothing read twice).
        func check(_ when: String) {
            let exposition = Chaos.metrics(port: metricsPort)
            #expect(Chaos.sample(exposition, "ratetop_lines_read_total") == lines, "\(when)")
            #expect(Chaos.sample(exposition, "ratetop_lines_malformed_total") == Double(written.garbage + 1), "\(when)")
            #expect(Chaos.sample(exposition, #"ratetop_requests_total{bucket="sonnet-4.x"}"#) == Double(written.valid + 3), "\(when)")
            #expect(Chaos.sample(exposition, #"ratetop_throttled_requests_total{bucket="sonnet-4.x",status="429"}"#) == Double(written.throttled), "\(when)")
            #expect(Chaos.sample(exposition, #"ratetop_tokens_total{bucket="sonnet-4.x",kind="input"}"#) == Double(written.inputTokens + historyInput), "\(when)")
            #expect(Chaos.sample(exposition, #"ratetop_tokens_total{bucket="sonnet-4.x",kind="output"}"#) == Double(written.outputTokens + historyOutput), "\(when)")
        }
        check("once caught up")
        let stamp = metric("ratetop_state_timestamp_seconds") ?? 0
        #expect(await ChildProcess.eventually(timeout: 15) {
            (metric("ratetop_state_timestamp_seconds") ?? 0) >= stamp + 2 && Date().timeIntervalSince(watchStarted) > 11
        }, "\(context())")
        check("two evaluations and a full pass later")
        // The state lines say the same.
        #expect(Chaos.states(watch).last?["malformed_lines"] as? Int == written.garbage + 1)

        // Every alert firing now (its last transition on stdout) is active in Alertmanager.
        func firing() -> [String: [String: Any]] {
            var last: [String: [String: Any]] = [:]
            for alert in Chaos.objects(watch) where alert["type"] as? String == "alert" {
                let key = ["rule", "severity", "bucket", "dimension", "source"].map { "\(alert[$0] ?? "-")" }.joined(separator: "|")
                last[key] = alert
            }
            return last.filter { $0.value["state"] as? String == "firing" }
        }
        func delivered(_ alert: [String: Any], in active: [[String: Any]]) -> Bool {
            active.contains { candidate in
                let labels = candidate["labels"] as? [String: String] ?? [:]
                return labels["alertname"] == alert["rule"] as? String && labels["severity"] == alert["severity"] as? String
                    && labels["bucket"] == alert["bucket"] as? String
                    && (alert["dimension"] as? String).map { labels["dimension"] == $0 } ?? true
            }
        }
        var missing: [String] = []
        let allDelivered = await ChildProcess.eventually(timeout: 40) {
            let active = HeadlessAlertingTests.activeAlerts(port: alertmanagerPort)
            missing = firing().filter { !delivered($0.value, in: active) }.map(\.key).sorted()
            return missing.isEmpty
        }
        #expect(allDelivered, "firing on stdout, not active in Alertmanager: \(missing); \(context())")
        #expect(firing().keys.contains { $0.hasPrefix("rate_429_storm|critical|sonnet-4.x") }, "\(firing().keys)")
        #expect(watch.errorOutput.contains("ratetop: \(amName)"), "the sink's failures name it: \(context())")

        #expect(watch.isRunning, "\(context())")
        #expect(watch.stop(signal: SIGTERM, timeout: 20) == 0, "\(context())")
        for line in watch.output.split(separator: "\n") { #expect(jsonObject(String(line)) != nil, "not JSON: \(line.prefix(300))") }
        print("ratetop chaos: followed log under abuse: \(Int(lines)) lines (\(written.garbage + 1) garbage), \(written.actions.count) file actions, \(firing().count) alerts delivered late, \(Chaos.since(started))")
    }
}

extension Chaos {
    /// The garbage line for step `index` of the writer (never blank, never valid).
    static func garbageLine(_ index: Int) -> [UInt8] {
        ChaosFollowEndToEndTests.garbage[index % ChaosFollowEndToEndTests.garbage.count]
    }
}

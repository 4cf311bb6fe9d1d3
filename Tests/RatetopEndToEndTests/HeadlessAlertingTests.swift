import Foundation
import RatetopCore
import RatetopTestSupport
import Testing

/// A burst of `count` throttled attempts on sonnet-4.x starting at `start`, one every 0.1 s.
func throttledBurst(at start: Double, count: Int) -> String {
    (0..<count).map { index in
        let stamp = RFC3339.format(start + Double(index) * 0.1, fractionDigits: 3)
        return #"{"ts":"\#(stamp)","model":"claude-sonnet-4-5-20250929","status":429,"error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"},"headers":{"retry-after":"5","x-api-key":"sk-ant-SECRET"}}"#
    }.joined(separator: "\n") + "\n"
}

func successLine(at time: Double) -> String {
    let stamp = RFC3339.format(time, fractionDigits: 3)
    return #"{"ts":"\#(stamp)","latency_ms":500,"model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":100,"output_tokens":10}}"# + "\n"
}

@Suite(.serialized, .tags(.endToEnd)) struct HeadlessAlertingTests {
    /// A real Alertmanager (Debian's `prometheus-alertmanager`, installed by .ci/run) receives a
    /// firing alert from a headless replay, shows it through its own API with our labels, and
    /// drops it from the active list when the replay resolves it.
    @Test(ExternalTool.needs(.alertmanager)) func alertmanagerReceivesTheFiringAlertAndLaterItsResolution() throws {
        let alertmanagerPath = try ExternalTool.alertmanager.require()
        let scratch = Scratch()
        let port = try LoopbackHTTP.freePort()
        let config = scratch.write("alertmanager.yml", """
            route:
              receiver: nowhere
              group_wait: 1s
            receivers:
              - name: nowhere
            """)
        let alertmanager = try ChildProcess(alertmanagerPath, arguments: [
            "--config.file=\(config)", "--storage.path=\(scratch.file("data"))",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ], outputPath: scratch.file("alertmanager.log"), stderrToStdout: true)
        let ready = ChildProcess.eventually(timeout: 15) { (try? LoopbackHTTP.get(port: port, path: "/-/ready"))?.status == 200 }
        try #require(ready, "Alertmanager did not become ready: \(alertmanager.outputTail())")

        // A 429 storm two minutes ago, then calm: rate_429_storm fires at once and resolves once
        // the last minute holds fewer than 5 throttled attempts for 30 s.
        let base = (Date().timeIntervalSince1970 - 300).rounded(.down)
        let log = scratch.write("storm.jsonl", throttledBurst(at: base, count: 40) + successLine(at: base + 120))
        let replay = try ChildProcess(ratetopBinary, arguments: [
            "replay", log, "--headless", "--emit", "alerts", "--speed", "15", "--alertmanager", "http://127.0.0.1:\(port)",
        ], outputPath: scratch.file("replay.out"), errorPath: scratch.file("replay.err"))

        var firing: [String: Any]?
        _ = ChildProcess.eventually(timeout: 10) {
            firing = Self.activeAlerts(port: port).first { ($0["labels"] as? [String: String])?["alertname"] == "rate_429_storm" }
            return firing != nil
        }
        let alert = try #require(firing, "no firing alert reached Alertmanager; replay stderr: \(replay.errorOutput)")
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["severity"] == "critical")
        #expect(labels["bucket"] == "sonnet-4.x")
        #expect(labels["instance"] != nil)
        #expect(((alert["annotations"] as? [String: String])?["summary"] ?? "").contains("429 storm on sonnet-4.x"))
        #expect(((alert["status"] as? [String: Any])?["state"] as? String) == "active")

        #expect(replay.exitCode(within: 30) == 0, "replay stderr: \(replay.errorOutput)")
        let lines = replay.output.split(separator: "\n").compactMap { jsonObject(String($0)) }
        #expect(lines.contains { $0["rule"] as? String == "rate_429_storm" && $0["state"] as? String == "resolved" })
        let resolved = ChildProcess.eventually(timeout: 10) {
            !Self.activeAlerts(port: port).contains { ($0["labels"] as? [String: String])?["alertname"] == "rate_429_storm" }
        }
        #expect(resolved, "the storm alert is still active in Alertmanager after its resolution was sent")
        #expect(!replay.errorOutput.contains("sk-ant"))
    }

    static func activeAlerts(port: Int) -> [[String: Any]] {
        guard let answer = try? LoopbackHTTP.get(port: port, path: "/api/v2/alerts?active=true"), answer.status == 200,
              let alerts = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [[String: Any]] else { return [] }
        return alerts
    }

    /// `ratetop watch --headless` follows a growing log, writes the alert on stdout as it fires,
    /// runs `--exec` with it, and on SIGTERM flushes and exits 0.
    @Test func headlessWatchAlertsOnStdoutAndThroughACommandThenStopsCleanly() throws {
        let scratch = Scratch()
        let log = scratch.write("app.jsonl", "")
        let received = scratch.file("exec.jsonl")
        let watch = try ChildProcess(ratetopBinary, arguments: [
            "watch", log, "--headless", "--emit", "alerts,state", "--exec", "cat >> \(received)",
        ], outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
        // A state line each second even before any traffic.
        #expect(ChildProcess.eventually(timeout: 10) { watch.output.contains(#""type":"state""#) }, "stderr: \(watch.errorOutput)")

        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Data(throttledBurst(at: Date().timeIntervalSince1970 - 5, count: 40).utf8))
        try handle.close()

        let fired = ChildProcess.eventually(timeout: 10) { watch.output.contains(#""rule":"rate_429_storm","state":"firing""#) }
        #expect(fired, "stdout: \(watch.output.suffix(800)) stderr: \(watch.errorOutput)")
        #expect(ChildProcess.eventually(timeout: 10) {
            ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").contains(#""rule":"rate_429_storm","state":"firing""#)
        })
        #expect(watch.stop(signal: SIGTERM) == 0, "stderr: \(watch.errorOutput)")
        // Only JSON on stdout; the secret in the log's headers appears nowhere.
        for line in watch.output.split(separator: "\n") { #expect(jsonObject(String(line)) != nil, "not JSON: \(line)") }
        #expect(!(watch.output + watch.errorOutput).contains("sk-ant"))
    }

    @Test func sinkFlagsAreCheckedUpFront() throws {
        let bad = try ratetop(["watch", "/dev/null", "--headless", "--webhook", "hooks.example/SECRET"])
        #expect(bad.status == 2)
        #expect(bad.stderrLines == ["ratetop: --webhook hooks.example/…: expected an http:// or https:// URL"])
        let noScreen = try ratetop(["watch", "/dev/null", "--webhook", "http://127.0.0.1:9/x"])
        #expect(noScreen.status == 2)
        #expect(noScreen.stderrLines.first?.contains("need --headless") == true)
    }
}

/// The headless binary's operations: its `/metrics` endpoint, SIGHUP reloading the config (and
/// keeping the old rules when the new file is bad), SIGTERM ending it cleanly.
@Suite(.serialized, .tags(.endToEnd)) struct HeadlessOperationsTests {
    @Test func metricsEndpointAndConfigReloadOnSIGHUP() throws {
        let scratch = Scratch()
        let log = scratch.write("app.jsonl", "")
        // The storm threshold raised out of reach: 40 throttled attempts do not fire it.
        let config = scratch.write("config.yaml", """
            rules:
              - id: rate_429_storm
                fire: 100
                clear: 5
            """)
        let port = try LoopbackHTTP.freePort()
        let watch = try ChildProcess(ratetopBinary, arguments: [
            "watch", log, "--headless", "--config", config, "--metrics-listen", "127.0.0.1:\(port)",
        ], outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
        let up = ChildProcess.eventually(timeout: 15) { (try? LoopbackHTTP.get(port: port, path: "/metrics"))?.status == 200 }
        try #require(up, "no /metrics: \(watch.errorOutput)")
        let buildInfo = try LoopbackHTTP.get(port: port, path: "/metrics").body.split(separator: "\n")
            .first { $0.hasPrefix("ratetop_build_info{") }
        #expect(buildInfo?.wholeMatch(of: /ratetop_build_info\{version="\d+\.\d+\.\d+",limits_table="\d{4}-\d{2}-\d{2}"\} 1\.0/) != nil,
                "\(buildInfo ?? "no ratetop_build_info")")

        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Data(throttledBurst(at: Date().timeIntervalSince1970 - 5, count: 40).utf8))
        let counted = ChildProcess.eventually(timeout: 10) {
            ((try? LoopbackHTTP.get(port: port, path: "/metrics"))?.body ?? "")
                .contains(#"ratetop_throttled_requests_total{bucket="sonnet-4.x",status="429"} 40"#)
        }
        #expect(counted, "metrics: \((try? LoopbackHTTP.get(port: port, path: "/metrics"))?.body ?? "none")")
        #expect(!watch.output.contains("rate_429_storm"))

        // A bad file on SIGHUP: one line saying why, the old rules stay, the process goes on.
        _ = scratch.write("config.yaml", "rules:\n  - id: rate_429_storm\n    fire: lots\n")
        kill(watch.pid, SIGHUP)
        #expect(ChildProcess.eventually(timeout: 10) { watch.errorOutput.contains("keeping the previous rules") }, "\(watch.errorOutput)")
        #expect(watch.errorOutput.contains("rules[0].fire: expected a number"))

        // The default threshold back on SIGHUP: the storm now fires.
        _ = scratch.write("config.yaml", "rules:\n  - id: rate_429_storm\n    labels: {team: infra}\n")
        kill(watch.pid, SIGHUP)
        #expect(ChildProcess.eventually(timeout: 10) { watch.output.contains(#""rule":"rate_429_storm","state":"firing""#) },
                "stdout: \(watch.output) stderr: \(watch.errorOutput)")
        #expect(watch.output.contains(#""labels":{"team":"infra"}"#))
        #expect(watch.errorOutput.contains("reloaded"))
        #expect(ChildProcess.eventually(timeout: 10) {
            ((try? LoopbackHTTP.get(port: port, path: "/metrics"))?.body ?? "")
                .contains(#"ratetop_alert_firing{rule="rate_429_storm",severity="critical",bucket="sonnet-4.x",dimension="",source=""} 1.0"#)
        }, "metrics: \((try? LoopbackHTTP.get(port: port, path: "/metrics"))?.body.split(separator: "\n").filter { $0.contains("alert") } ?? [])")
        try handle.close()
        #expect(watch.stop(signal: SIGTERM) == 0, "stderr: \(watch.errorOutput)")
    }

    @Test func badMetricsAddressIsExitTwo() throws {
        let run = try ratetop(["watch", "/dev/null", "--headless", "--metrics-listen", "localhost:http"])
        #expect(run.status == 2)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderrLines.first?.hasPrefix("ratetop: --metrics-listen 'localhost:http': ") == true)
    }
}

/// A fleet through the binaries: one headless ratetop serves `/metrics`, a second one watches
/// that URL and shows the first one's bucket, its usage and its limits (`limits_source`
/// `ratetop`).
@Suite(.serialized, .tags(.endToEnd)) struct FleetTests {
    @Test func aRatetopWatchesAnotherRatetopsMetrics() throws {
        let scratch = Scratch()
        // One call already on the host before the fleet view starts: it is in the counters of the
        // fleet's first scrape (its baseline), so it must never count as traffic.
        let log = scratch.write("app.jsonl", DashboardInTmuxTests.exchange(Date().timeIntervalSince1970 - 5, input: 500, output: 50,
                                                                          remaining: (46, 24000, 7050)) + "\n")
        let port = try LoopbackHTTP.freePort()
        let host = try ChildProcess(ratetopBinary, arguments: [
            "watch", log, "--headless", "--metrics-listen", "127.0.0.1:\(port)",
        ], outputPath: scratch.file("host.out"), errorPath: scratch.file("host.err"))
        func hostMetrics() -> String { (try? LoopbackHTTP.get(port: port, path: "/metrics"))?.body ?? "" }
        try #require(ChildProcess.eventually(timeout: 15) { hostMetrics().contains(#"ratetop_tokens_total{bucket="sonnet-4.x",kind="input"} 500"#) },
                     "the host's /metrics never counted the first call: \(hostMetrics().prefix(2000)) stderr: \(host.errorOutput)")
        let fleet = try ChildProcess(ratetopBinary, arguments: [
            "watch", "http://127.0.0.1:\(port)/metrics", "--headless", "--emit", "state", "--scrape-interval", "1s",
        ], outputPath: scratch.file("fleet.out"), errorPath: scratch.file("fleet.err"))
        func fleetBucket() -> [String: Any]? {
            let states = fleet.output.split(separator: "\n").compactMap { jsonObject(String($0)) }
            return (states.last?["buckets"] as? [[String: Any]])?.first { $0["bucket"] as? String == "sonnet-4.x" }
        }
        func inputRate(_ bucket: [String: Any]?) -> Int? {
            ((bucket?["rate_per_min"] as? [String: Any])?["input_tokens"] as? NSNumber)?.intValue
        }

        // The fleet view's first scrape (its baseline) has been taken in once the host's bucket
        // shows in its state: only then does the new traffic go on the host.
        let baseline = ChildProcess.eventually(timeout: 15) { fleetBucket() != nil }
        try #require(baseline, "the fleet view never showed the host's bucket: \(fleet.output.suffix(1200)) stderr: \(fleet.errorOutput)")
        #expect((inputRate(fleetBucket()) ?? 0) == 0, "the baseline scrape was counted as usage: \(fleet.output.suffix(1200))")
        let now = Date().timeIntervalSince1970 - 1
        let lines = (0..<4).map { index in
            DashboardInTmuxTests.exchange(now + Double(index) * 0.1, input: 1000, output: 100, remaining: (45, 20000, 7000))
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try handle.close()

        var bucket: [String: Any]?
        let seen = ChildProcess.eventually(timeout: 15) {
            bucket = fleetBucket()
            return inputRate(bucket) == 4000
        }
        #expect(seen, "fleet stdout tail: \(fleet.output.suffix(1200)) stderr: \(fleet.errorOutput)")
        #expect(bucket?["limits_source"] as? String == "ratetop")
        #expect(((bucket?["limits"] as? [String: Any])?["input_tokens"] as? NSNumber)?.intValue == 30000)
        #expect(fleet.stop(signal: SIGTERM) == 0)
        #expect(host.stop(signal: SIGTERM) == 0)
    }
}

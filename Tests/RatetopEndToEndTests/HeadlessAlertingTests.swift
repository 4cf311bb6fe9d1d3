import Foundation
import RatetopCore
import Testing

/// A plain HTTP/1.0 GET on 127.0.0.1 (the daemons under test answer it): status and body.
func httpGet(port: Int, path: String) -> (status: Int, body: String)? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { return nil }
    let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == request.count else { return nil }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        response += chunk[0..<count]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let headerEnd = text.range(of: "\r\n\r\n"), let statusLine = text.split(separator: "\r\n").first else { return nil }
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
    return (status, String(text[headerEnd.upperBound...]))
}

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

@Suite(.serialized) struct HeadlessAlertingTests {
    static var alertmanagerInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager") }

    /// A real Alertmanager (Debian's `prometheus-alertmanager`, installed by .ci/run) receives a
    /// firing alert from a headless replay, shows it through its own API with our labels, and
    /// drops it from the active list when the replay resolves it.
    @Test func alertmanagerReceivesTheFiringAlertAndLaterItsResolution() throws {
        guard Self.alertmanagerInstalled else {
            Issue.record("/usr/bin/prometheus-alertmanager is missing: install the Debian package prometheus-alertmanager (.ci/run does)")
            return
        }
        let scratch = Scratch()
        let port = try freePort()
        let config = scratch.write("alertmanager.yml", """
            route:
              receiver: nowhere
              group_wait: 1s
            receivers:
              - name: nowhere
            """)
        let alertmanager = try BackgroundProcess("/usr/bin/prometheus-alertmanager", [
            "--config.file=\(config)", "--storage.path=\(scratch.file("data"))",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ], directory: scratch.path, name: "alertmanager")
        defer { alertmanager.stop() }
        let ready = eventually(timeout: 15) { httpGet(port: port, path: "/-/ready")?.status == 200 }
        try #require(ready, "Alertmanager did not become ready: \(alertmanager.stderr.suffix(500))")

        // A 429 storm two minutes ago, then calm: rate_429_storm fires at once and resolves once
        // the last minute holds fewer than 5 throttled attempts for 30 s.
        let base = (Date().timeIntervalSince1970 - 300).rounded(.down)
        let log = scratch.write("storm.jsonl", throttledBurst(at: base, count: 40) + successLine(at: base + 120))
        let replay = try BackgroundProcess(ratetopBinary, [
            "replay", log, "--headless", "--emit", "alerts", "--speed", "15", "--alertmanager", "http://127.0.0.1:\(port)",
        ], directory: scratch.path, name: "replay")
        defer { replay.stop() }

        var firing: [String: Any]?
        _ = eventually(timeout: 10) {
            firing = Self.activeAlerts(port: port).first { ($0["labels"] as? [String: String])?["alertname"] == "rate_429_storm" }
            return firing != nil
        }
        let alert = try #require(firing, "no firing alert reached Alertmanager; replay stderr: \(replay.stderr)")
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["severity"] == "critical")
        #expect(labels["bucket"] == "sonnet-4.x")
        #expect(labels["instance"] != nil)
        #expect(((alert["annotations"] as? [String: String])?["summary"] ?? "").contains("429 storm on sonnet-4.x"))
        #expect(((alert["status"] as? [String: Any])?["state"] as? String) == "active")

        #expect(replay.waitForExit(timeout: 30) == 0, "replay stderr: \(replay.stderr)")
        let lines = replay.stdout.split(separator: "\n").compactMap { jsonObject(String($0)) }
        #expect(lines.contains { $0["rule"] as? String == "rate_429_storm" && $0["state"] as? String == "resolved" })
        let resolved = eventually(timeout: 10) {
            !Self.activeAlerts(port: port).contains { ($0["labels"] as? [String: String])?["alertname"] == "rate_429_storm" }
        }
        #expect(resolved, "the storm alert is still active in Alertmanager after its resolution was sent")
        #expect(!replay.stderr.contains("sk-ant"))
    }

    static func activeAlerts(port: Int) -> [[String: Any]] {
        guard let answer = httpGet(port: port, path: "/api/v2/alerts?active=true"), answer.status == 200,
              let alerts = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [[String: Any]] else { return [] }
        return alerts
    }

    /// `ratetop watch --headless` follows a growing log, writes the alert on stdout as it fires,
    /// runs `--exec` with it, and on SIGTERM flushes and exits 0.
    @Test func headlessWatchAlertsOnStdoutAndThroughACommandThenStopsCleanly() throws {
        let scratch = Scratch()
        let log = scratch.write("app.jsonl", "")
        let received = scratch.file("exec.jsonl")
        let watch = try BackgroundProcess(ratetopBinary, [
            "watch", log, "--headless", "--emit", "alerts,state", "--exec", "cat >> \(received)",
        ], directory: scratch.path, name: "watch")
        defer { watch.stop(signal: SIGKILL) }
        // A state line each second even before any traffic.
        #expect(eventually(timeout: 10) { watch.stdout.contains(#""type":"state""#) }, "stderr: \(watch.stderr)")

        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        handle.write(Data(throttledBurst(at: Date().timeIntervalSince1970 - 5, count: 40).utf8))
        try handle.close()

        let fired = eventually(timeout: 10) { watch.stdout.contains(#""rule":"rate_429_storm","state":"firing""#) }
        #expect(fired, "stdout: \(watch.stdout.suffix(800)) stderr: \(watch.stderr)")
        #expect(eventually(timeout: 10) {
            ((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").contains(#""rule":"rate_429_storm","state":"firing""#)
        })
        #expect(watch.stop(signal: SIGTERM) == 0, "stderr: \(watch.stderr)")
        // Only JSON on stdout; the secret in the log's headers appears nowhere.
        for line in watch.stdout.split(separator: "\n") { #expect(jsonObject(String(line)) != nil, "not JSON: \(line)") }
        #expect(!(watch.stdout + watch.stderr).contains("sk-ant"))
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

import Foundation
import RatetopFakeUpstream
import RatetopTestSupport
import Testing

/// `ratetop watch http://…/metrics --headless` as a user runs it against a LiteLLM proxy: the
/// built binary scrapes a LiteLLM-shaped fixture in this process while its counters grow, while
/// it fails and comes back, and after it restarts.
///
/// The fixture's handlers run on Swift's cooperative pool (two threads here), so the test never
/// blocks a pool thread while the fixture must answer: it waits with `Task.sleep`, not `usleep`.
@Suite(.serialized, .tags(.endToEnd)) struct LiteLLMSourceTests {
    /// The state lines on stdout so far, parsed.
    static func states(_ child: ChildProcess) -> [[String: Any]] {
        child.output.split(separator: "\n").compactMap { jsonObject(String($0)) }.filter { $0["type"] as? String == "state" }
    }

    /// The sonnet-4.x bucket of a state line.
    static func sonnet(_ state: [String: Any]?) -> [String: Any]? {
        (state?["buckets"] as? [[String: Any]])?.first { $0["bucket"] as? String == "sonnet-4.x" }
    }

    static func number(_ object: [String: Any]?, _ key: String, _ field: String? = nil) -> Double? {
        let value = field.map { (object?[key] as? [String: Any])?[$0] } ?? object?[key]
        return (value as? NSNumber)?.doubleValue
    }

    /// The binary's stderr reports about `url`, in order: the reason of each `scrape failed`
    /// line, and `scraping again`.
    static func reports(_ child: ChildProcess, _ url: String) -> [String] {
        child.errorOutput.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("ratetop: \(url): ") else { return nil }
            let text = line.dropFirst("ratetop: \(url): ".count)
            if text == "scraping again" { return "scraping again" }
            guard text.hasPrefix("scrape failed: "), let end = text.firstIndex(of: ";") else { return String(text) }
            return String(text[text.index(text.startIndex, offsetBy: "scrape failed: ".count)..<end])
        }
    }

    /// One counter of the binary's own `/metrics` (its cumulative totals, not a window).
    static func counter(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    /// The issue's bar, through the binary: usage counted once across an outage and a restart,
    /// `limits_source` litellm, the combined tokens remaining as reported, the outage reported in
    /// one stderr line and in `source_problems`, recovery, and SIGTERM → exit 0.
    ///
    /// `rate_per_min` in the state lines is the last 60 s, so it holds every increment as long as
    /// the run takes less than a minute (8–25 s here, alone or beside the whole suite; the
    /// messages say how long it took); the binary's own `/metrics` counters check the totals
    /// independently of that window.
    @Test func watchFollowsALiteLLMProxyThroughGrowthAnOutageAndARestart() async throws {
        let scratch = Scratch()
        var fixture = try await FakeMetricsEndpoint()
        let port = fixture.port, url = fixture.url
        /// The proxy's counters (attempts, 429s among them, tokens), gauges and `_created` time.
        func proxy(_ requests: Int, _ throttled: Int, _ input: Int, _ output: Int, remaining: Int, tokens: Int,
                   created: Double) -> String {
            liteLLMExposition(requests: requests, throttled: throttled, input: input, output: output,
                                   remainingRequests: remaining, remainingTokens: tokens, created: created)
        }
        fixture.serve(proxy(10, 0, 1000, 100, remaining: 45, tokens: 25000, created: 1000))
        let listen = try LoopbackHTTP.freePort()
        let started = Date()
        let watch = try ChildProcess(ratetopBinary, arguments: [
            "watch", url, "--headless", "--emit", "state", "--interval", "1s", "--scrape-interval", "250ms",
            "--tier", "tier1", "--metrics-listen", "127.0.0.1:\(listen)",
        ], outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
        func context() -> String {
            "after \(Int(Date().timeIntervalSince(started))) s; stdout tail: \(watch.output.suffix(1500))\nstderr: \(watch.errorOutput)"
        }
        func latest() -> [String: Any]? { Self.sonnet(Self.states(watch).last) }
        func rate(_ dimension: String) -> Double? { Self.number(latest(), "rate_per_min", dimension) }

        // The first scrape taken in is the counters' baseline (what the proxy counted before
        // ratetop started cannot be placed in time); the bucket shows from then on. Only then do
        // the counters grow. (The first answer is not enough: on a loaded machine it can miss the
        // scrape's 1 s timeout.)
        try #require(await ChildProcess.eventually(timeout: 30) { latest() != nil }, "no bucket from the first scrape; \(context())")
        fixture.serve(proxy(20, 2, 5000, 500, remaining: 30, tokens: 21000, created: 1000))  // +10 attempts (2 throttled), +4000 in, +400 out
        #expect(await ChildProcess.eventually(timeout: 20) { rate("input_tokens") == 4000 }, "growth: \(context())")
        #expect(rate("output_tokens") == 400)
        #expect(rate("requests") == 10)
        #expect(Self.number(latest(), "requests_429") == 2)

        // The proxy fails: HTTP 500 for a while, then nothing listens at all. It goes on counting.
        fixture.fail(with: 500)
        fixture.serve(proxy(26, 3, 6000, 600, remaining: 20, tokens: 18000, created: 1000))  // +6 attempts (1 throttled), +1000 in, +100 out
        let failing = "ratetop: \(url): scrape failed: HTTP 500; other sources go on, retrying in "
        #expect(await ChildProcess.eventually(timeout: 20) { watch.errorOutput.contains(failing) }, "no stale report: \(context())")
        let problem = #""source_problems":[{"source":"\#(url)","problem":"stale "#
        #expect(await ChildProcess.eventually(timeout: 20) { watch.output.split(separator: "\n").last?.contains(problem) == true },
                "no source_problems: \(context())")
        let stale = try #require(Self.states(watch).last?["source_problems"] as? [[String: Any]])
        #expect((stale.first?["problem"] as? String)?.contains("HTTP 500") == true, "\(stale)")
        #expect(stale.first?["last_data_at"] is String)
        await fixture.stop()
        #expect(await ChildProcess.eventually(timeout: 30) { watch.errorOutput.contains("ratetop: \(url): scrape failed: connection refused") },
                "refused: \(context())")
        #expect(rate("input_tokens") == 4000, "nothing arrives while it fails: \(context())")

        // Back on the same port: the usage of the failed period arrives once, as one interval.
        fixture = try await FakeMetricsEndpoint(port: port, shared: fixture.shared)
        fixture.fail(with: nil)
        #expect(await ChildProcess.eventually(timeout: 90) { Self.reports(watch, url).last == "scraping again" }, "recovery: \(context())")
        #expect(await ChildProcess.eventually(timeout: 20) { rate("input_tokens") == 5000 }, "after the outage: \(context())")
        #expect(await ChildProcess.eventually(timeout: 10) { Self.states(watch).last?["source_problems"] == nil }, "still stale: \(context())")

        // The proxy restarts: its counters start again (new `_created` times), 600 / 60 since.
        fixture.serve(proxy(3, 0, 600, 60, remaining: 44, tokens: 24000, created: 2000))
        #expect(await ChildProcess.eventually(timeout: 20) { rate("input_tokens") == 5600 }, "after the restart: \(context())")
        // A few more scrapes of the same text and state lines later, nothing is counted twice.
        let answers = fixture.answers, lines = Self.states(watch).count
        #expect(await ChildProcess.eventually(timeout: 20) { fixture.answers >= answers + 3 && Self.states(watch).count >= lines + 2 }, "\(context())")
        let last = try #require(latest(), "\(context())")
        #expect(Self.number(last, "rate_per_min", "input_tokens") == 5600, "\(context())")
        #expect(Self.number(last, "rate_per_min", "output_tokens") == 560, "\(last)")
        #expect(Self.number(last, "rate_per_min", "requests") == 19, "\(last)")  // 10 + 6 + 3 attempts
        #expect(Self.number(last, "requests_429") == 3, "\(last)")
        #expect(last["limits_source"] as? String == "litellm")
        #expect(last["tier"] as? String == "tier1")
        #expect(Self.number(last, "limits", "input_tokens") == 30000)
        #expect(Self.number(last, "tokens_remaining_combined") == 24000, "as the proxy last reported it: \(last)")
        // Every state line, any time: never more than was used (nothing counted twice).
        for state in Self.states(watch) {
            #expect((Self.number(Self.sonnet(state), "rate_per_min", "input_tokens") ?? 0) <= 5600, "\(state)")
        }

        // The totals since start, from the binary's own endpoint: exact whatever the run's length.
        let exposition = try LoopbackHTTP.get(port: listen, path: "/metrics").body
        #expect(Self.counter(exposition, #"ratetop_tokens_total{bucket="sonnet-4.x",kind="input"}"#) == 5600, "\(exposition)")
        #expect(Self.counter(exposition, #"ratetop_tokens_total{bucket="sonnet-4.x",kind="output"}"#) == 560)
        #expect(Self.counter(exposition, #"ratetop_requests_total{bucket="sonnet-4.x"}"#) == 19)
        #expect(Self.counter(exposition, #"ratetop_throttled_requests_total{bucket="sonnet-4.x",status="429"}"#) == 3)
        #expect(exposition.contains(#"ratetop_bucket_limit_source{bucket="sonnet-4.x",source="litellm"} 1"#))

        // One line when the source starts failing, changes reason or recovers, not one per
        // retry. (A loaded machine may add a timed-out scrape and its recovery anywhere.)
        let reports = Self.reports(watch, url)
        let outage = Array(reports.drop { $0 != "HTTP 500" })
        #expect(outage.first == "HTTP 500" && outage.contains("connection refused"), "\(reports)")
        #expect(reports.last == "scraping again", "\(reports)")
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0 != $1 }, "a report repeated: \(reports)")
        #expect(watch.errorOutput.split(separator: "\n").allSatisfy { $0.hasPrefix("ratetop: ") }, "\(watch.errorOutput)")

        kill(watch.pid, SIGTERM)
        #expect(await ChildProcess.eventually(timeout: 15) { !watch.isRunning }, "still running after SIGTERM: \(context())")
        #expect(watch.exitCode(within: 0) == 0, "\(context())")
        for line in watch.output.split(separator: "\n") { #expect(jsonObject(String(line)) != nil, "not JSON: \(line)") }
        await fixture.stop()
    }
}

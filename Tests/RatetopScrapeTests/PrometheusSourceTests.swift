import Foundation
import RatetopFakeUpstream
@testable import RatetopCore
import RatetopIO
import RatetopMetrics
import RatetopTestSupport
import Synchronization
import Testing
@testable import RatetopScrape

/// A LiteLLM proxy's `/metrics` for one Sonnet deployment, as prometheus_client writes it.
func liteLLMMetrics(requests: Int, throttled: Int, input: Int, output: Int, remainingRequests: Int, created: Double) -> String {
    let deployment = #"api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_id="d1",requested_model="sonnet""#
    let tokens = #"api_key_alias="ci",end_user="",hashed_api_key="abc",model="claude-sonnet-4-5-20250929",requested_model="sonnet",team="None",team_alias="None",user="u1""#
    return """
        # HELP litellm_deployment_total_requests_total LLM Deployment Analytics - Total number of LLM API calls via litellm
        # TYPE litellm_deployment_total_requests_total counter
        litellm_deployment_total_requests_total{\(deployment)} \(requests).0
        litellm_deployment_total_requests_created{\(deployment)} \(created)
        # TYPE litellm_deployment_failure_responses_total counter
        litellm_deployment_failure_responses_total{\(deployment),exception_class="RateLimitError",exception_status="429"} \(throttled).0
        # TYPE litellm_input_tokens_metric_total counter
        litellm_input_tokens_metric_total{\(tokens)} \(input).0
        litellm_input_tokens_metric_created{\(tokens)} \(created)
        # TYPE litellm_output_tokens_metric_total counter
        litellm_output_tokens_metric_total{\(tokens)} \(output).0
        # TYPE litellm_remaining_requests_metric gauge
        litellm_remaining_requests_metric{api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_group="sonnet"} \(remainingRequests).0
        # TYPE litellm_remaining_tokens_metric gauge
        litellm_remaining_tokens_metric{api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_group="sonnet"} 25000.0
        a broken line the parser counts {
        """
}

/// Drives a `HeadlessWatch` in real time (scrapes are real HTTP) without blocking the pool.
final class LiveRun {
    let watch: HeadlessWatch
    let source: PrometheusSource
    let outputPath: String
    /// The headless runner's notices (called on the stepping thread).
    var notices: [String] = []
    let file: String

    init(sources: [PrometheusSource], directory: String, tier: String? = "tier1") throws {
        self.source = sources[0]
        file = directory + "/app.jsonl"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        outputPath = directory + "/out.jsonl"
        let table = try BundledLimitsTable.load()
        let diagnostics = Diagnostics(limit: 100)
        let live = try LiveSources(arguments: [file], format: nil, models: ModelCatalog(), diagnostics: diagnostics, feeds: sources)
        watch = HeadlessWatch(live: live, configuration: EngineConfiguration(table: table, tierID: tier), rules: AlertRule.defaults,
                              options: .init(emitAlerts: true, emitState: true, interval: 1), output: try OutputSink(path: outputPath),
                              diagnostics: diagnostics)
        watch.notice = { [unowned self] line in self.notices.append(line) }
    }

    func step() { watch.step(wallNow: Date().timeIntervalSince1970) }

    /// Steps until `condition` holds (or `seconds` pass); true when it held.
    func until(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            step()
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        step()
        return condition()
    }

    /// Steps until the server has answered two more scrapes (so one whole scrape saw what it
    /// serves now) and that scrape has been taken in.
    func settle(_ server: FakeMetricsEndpoint) async -> Bool {
        let answers = server.answers
        let scrapes = source.scrapes
        return await until { server.answers >= answers + 2 && source.scrapes >= scrapes + 1 }
    }

    var totals: BucketSummary? { watch.engine.summary(from: nil, to: nil).first { $0.classID == "sonnet-4.x" } }
    var stateLines: [String] {
        ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            .filter { $0.contains(#""type":"state""#) }
    }
}

@Suite(.serialized, .tags(.endToEnd)) struct PrometheusSourceEndToEndTests {
    /// The issue's bar: a LiteLLM-shaped `/metrics` whose counters grow, reset (a restart), fail
    /// (HTTP 500, then connection refused) for a while and recover — buckets, `limits_source`,
    /// stale reporting, the other sources going on, and no usage lost or counted twice.
    @Test func liteLLMProxyGrowsRestartsFailsAndRecovers() async throws {
        let directory = NSTemporaryDirectory() + "ratetop-scrape-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var server = try await FakeMetricsEndpoint()
        let port = server.port
        server.serve(liteLLMMetrics(requests: 10, throttled: 0, input: 1000, output: 100, remainingRequests: 45, created: 1000))
        let source = PrometheusSource(target: try ScrapeTarget(server.url), interval: 0.1, maxBackoff: 0.4,
                                      table: try BundledLimitsTable.load())
        let run = try LiveRun(sources: [source], directory: directory)
        source.start()
        defer { source.stop() }

        // Baseline, then growth: 10 attempts (2 throttled), 4000 input, 400 output.
        #expect(await run.settle(server))
        #expect(source.kind == .litellm)
        server.serve(liteLLMMetrics(requests: 20, throttled: 2, input: 5000, output: 500, remainingRequests: 30, created: 1000))
        #expect(await run.settle(server))
        #expect(run.totals?.inputTokens == 4000)
        #expect(run.totals?.requests == 10)
        #expect(run.totals?.requests429 == 2)

        // The proxy restarts: counters start again from zero and have counted 600 / 60 since.
        server.serve(liteLLMMetrics(requests: 3, throttled: 0, input: 600, output: 60, remainingRequests: 44, created: 2000))
        #expect(await run.settle(server))
        #expect(run.totals?.inputTokens == 4600)
        #expect(run.totals?.outputTokens == 460)
        #expect(source.counterResets >= 1)

        // Failing: HTTP 500 for a while, then nothing listens at all. The proxy keeps counting.
        server.fail(with: 500)
        server.serve(liteLLMMetrics(requests: 9, throttled: 1, input: 1600, output: 160, remainingRequests: 20, created: 2000))
        #expect(await run.until { source.problem?.reason == "HTTP 500" })
        // Other sources go on meanwhile.
        let line = #"{"ts":"\#(RFC3339.format(Date().timeIntervalSince1970, fractionDigits: 3))","model":"claude-haiku-4-5","status":200,"usage":{"input_tokens":70,"output_tokens":7}}"#
        try (line + "\n").write(toFile: run.file, atomically: false, encoding: .utf8)
        #expect(await run.until { run.watch.engine.classIDs.contains("haiku-4.5") })
        await server.stop()
        #expect(await run.until { source.problem?.reason == "connection refused" })
        let failures = source.problem?.failures ?? 0
        #expect(failures >= 2)
        #expect(await run.until(3) { run.stateLines.last?.contains(#""source_problems":[{"source":"http://127.0.0.1:\#(port)/metrics","problem":"stale "#) == true })
        #expect(run.totals?.inputTokens == 4600)  // nothing arrives while it fails

        // Back (the same port): the usage of the failed period arrives once, as one interval.
        server.fail(with: nil)  // the state outlives the stop: the restarted proxy answers
        server = try await FakeMetricsEndpoint(port: port, shared: server.shared)
        #expect(await run.until(15) { source.problem == nil && run.totals?.inputTokens != 4600 })
        #expect(run.totals?.inputTokens == 5600)
        #expect(run.totals?.outputTokens == 560)
        #expect(run.totals?.requests == 19)  // 10 + 3 after the restart + 6 during the failures
        #expect(run.totals?.requests429 == 3)
        // Several more scrapes taken in, and a state line written since the recovery (one a
        // second): the usage stays counted once, and the last state no longer reports the source.
        let scrapesAtRecovery = source.scrapes
        let stateLinesAtRecovery = run.stateLines.count
        #expect(await run.until { source.scrapes >= scrapesAtRecovery + 5 && run.stateLines.count > stateLinesAtRecovery },
                "scrapes \(source.scrapes) (\(scrapesAtRecovery) at the recovery), state lines \(run.stateLines.count)")
        #expect(await run.settle(server))
        #expect(run.totals?.inputTokens == 5600)  // and never again

        let notices = run.notices
        #expect(notices.contains { $0.contains("scrape failed: HTTP 500") })
        #expect(notices.contains { $0.contains("scrape failed: connection refused") })
        #expect(notices.last?.hasSuffix("scraping again") == true)
        let last = try #require(run.stateLines.last)
        #expect(last.contains(#""bucket":"sonnet-4.x""#))
        #expect(last.contains(#""limits_source":"litellm""#))
        #expect(last.contains(#""tokens_remaining_combined":25000"#))
        #expect(!last.contains("source_problems"))
        #expect(run.watch.diagnostics.malformedLines >= 1)  // the broken line, reported once per count change
        await server.stop()
    }

    /// Two headless ratetops (their `/metrics`, served by RatetopMetrics) merged into one
    /// organization view: one bucket per class, usage summed, the org's limit and level.
    @Test func twoRatetopsMergeIntoOneOrganization() async throws {
        let directory = NSTemporaryDirectory() + "ratetop-merge-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exporters = [MetricsExporter(), MetricsExporter()]
        func publish(_ host: Int, requests: Int, input: Int, remaining: Double) {
            let bucket = hostBucket(remaining: remaining, source: host == 0 ? .tier : .headers)
            exporters[host].update(state: EngineState(at: Date().timeIntervalSince1970, buckets: [bucket]),
                                   totals: [hostTotals(requests: requests, input: input)], linesRead: requests, malformedLines: 0,
                                   firingAlerts: [])
        }
        publish(0, requests: 10, input: 1000, remaining: 25000)
        publish(1, requests: 5, input: 400, remaining: 21000)
        let servers = try await onPlainThread {
            try exporters.map { try MetricsServer.start(host: "127.0.0.1", port: 0, exporter: $0) }
        }
        let organization = OrganizationBox()
        let table = try BundledLimitsTable.load()
        let sources = try servers.map {
            PrometheusSource(target: try ScrapeTarget("http://127.0.0.1:\($0.boundPort)/metrics"), interval: 0.1, table: table,
                             organization: organization)
        }
        let run = try LiveRun(sources: sources, directory: directory, tier: nil)
        sources.forEach { $0.start() }
        #expect(await run.until { sources.allSatisfy { $0.scrapes >= 1 } })
        publish(0, requests: 20, input: 3000, remaining: 22000)
        publish(1, requests: 15, input: 1400, remaining: 19000)
        #expect(await run.until { (run.totals?.inputTokens ?? 0) >= 3000 })
        sources.forEach { $0.stop() }
        try await onPlainThread { servers.forEach { $0.stop() } }

        #expect(sources.allSatisfy { $0.kind == .ratetop })
        let state = run.watch.engine.state(at: Date().timeIntervalSince1970)
        #expect(state.buckets.map(\.classID) == ["sonnet-4.x"])
        let bucket = try #require(state.buckets.first)
        #expect(run.totals?.inputTokens == 3000)  // 2000 + 1000: both hosts, once each
        #expect(run.totals?.requests == 20)
        #expect(bucket.limitsSource == .ratetop)
        #expect(bucket.limits.inputTokens == 30000)
        // Never above the lowest host's estimate (19000), plus the refill since (≤ 500 per second).
        let remaining = try #require(bucket.remaining.inputTokens)
        #expect(remaining <= 19000 + 500 * 2)
        #expect(remaining >= 0)
    }
}

func hostBucket(remaining: Double, source: LimitsSource) -> BucketState {
    BucketState(
        classID: "sonnet-4.x", models: ["claude-sonnet-4-5-20250929"], tier: "tier1",
        limits: PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000), limitsSource: source,
        remaining: PerDimension(requests: 40, inputTokens: remaining, outputTokens: 7000),
        ratePerMinute: PerDimension(requests: 5, inputTokens: 1000, outputTokens: 100),
        secondsToEmpty: PerDimension(repeating: nil), cacheHitRate: nil, rate429: nil, requests429: 0, requests529: 0,
        untrackedPerMinute: PerDimension(repeating: 0), lastRetryAfter: nil, uncachedInput5m: 0, cacheRead5m: 0,
        cacheCreation5m: 0, cacheReadsCount: false)
}

func hostTotals(requests: Int, input: Int) -> BucketSummary {
    BucketSummary(classID: "sonnet-4.x", models: [], requests: requests, requests429: 0, requests529: 0, inputTokens: input,
                  cacheCreationTokens: 0, cacheReadTokens: 0, outputTokens: 0, cacheHitRate: nil,
                  peakPerMinute: PerDimension(repeating: 0), p95PerMinute: PerDimension(repeating: 0), tier: nil,
                  recommendedTier: nil, costUSD: 0)
}

/// Runs `body` on a plain thread: MetricsServer's start and stop block and must not hold a pool thread.
func onPlainThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

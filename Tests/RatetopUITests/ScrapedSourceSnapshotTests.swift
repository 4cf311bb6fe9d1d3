import Foundation
import RatetopCore
import RatetopUI
import Testing
import RatetopTestSupport

/// A dashboard fed by a LiteLLM proxy's `/metrics`, built the way `DashboardSession` builds it but
/// without its I/O: every scrape's text goes through Core's `PrometheusScrapeDecoder` into a real
/// `UsageEngine`; the level graph samples the engine each second (`LevelHistory`), the activity
/// graph is the use each event took (`UseHistory`), and who is
/// draining comes from a `DrainLedger` (a scraped endpoint is one consumer, named by its address).
/// So the bucket the view draws — `limits_source` litellm, estimated ITPM/OTPM, the combined
/// tokens remaining — is what the engine makes of LiteLLM's counters, not a hand-made value.
enum ScrapedDashboard {
    static let url = "http://litellm.internal:4000/metrics"
    /// 2026-11-20 09:00:00Z; the proxy is scraped every 5 s from then on.
    static let start = 1_795_165_200.0

    /// The bundled limits table (the file in RatetopIO's resources, read by path: this target
    /// depends on Core only).
    static let table: LimitsTable = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try! String(contentsOf: root.appendingPathComponent("Sources/RatetopIO/Resources/limits-table.yaml"), encoding: .utf8)
        return try! LimitsTable.decode(text)
    }()

    /// The proxy's counters after `scrape` scrapes: three calm minutes (about 18 requests and
    /// 14k input tokens a minute), then two busy ones (36 requests, 41k input tokens a minute:
    /// above the 30k ITPM of Tier 1, so the bucket drains) with a 429 now and then.
    static func exposition(scrape: Int) -> String {
        var requests = 0, throttled = 0, input = 0, output = 0
        for index in 0..<scrape {
            let busy = index >= 36
            let calls = busy ? 3 : 1 + index % 2
            requests += calls
            input += calls * (busy ? 1_150 : 800)
            output += calls * (busy ? 90 : 120)
            if busy && index % 4 == 0 { throttled += 1 }
        }
        // What the last response's headers said: requests left, and input + output tokens left.
        let remainingRequests = scrape > 36 ? 49 : 50
        let remainingTokens = 36_000 - max(0, scrape - 36) * 950
        let deployment = #"api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_id="d1",requested_model="sonnet""#
        let tokens = #"api_key_alias="ci",end_user="",hashed_api_key="abc",model="claude-sonnet-4-5-20250929",requested_model="sonnet",team="None",team_alias="None",user="u1""#
        let group = #"api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_group="sonnet""#
        return """
            # TYPE litellm_deployment_total_requests_total counter
            litellm_deployment_total_requests_total{\(deployment)} \(requests + throttled).0
            # TYPE litellm_deployment_failure_responses_total counter
            litellm_deployment_failure_responses_total{\(deployment),exception_class="RateLimitError",exception_status="429"} \(throttled).0
            # TYPE litellm_input_tokens_metric_total counter
            litellm_input_tokens_metric_total{\(tokens)} \(input).0
            # TYPE litellm_output_tokens_metric_total counter
            litellm_output_tokens_metric_total{\(tokens)} \(output).0
            # TYPE litellm_remaining_requests_metric gauge
            litellm_remaining_requests_metric{\(group)} \(remainingRequests).0
            # TYPE litellm_remaining_tokens_metric gauge
            litellm_remaining_tokens_metric{\(group)} \(remainingTokens).0

            """
    }

    /// The dashboard after `scrapes` successful scrapes (one every 5 s) and `failing` more
    /// seconds in which the endpoint did not answer (`problem`: the status line then).
    static func model(scrapes: Int = 60, failing: Double = 0, problem: String? = nil) -> DashboardModel {
        let models = ModelCatalog()
        let engine = UsageEngine(configuration: EngineConfiguration(table: table, tierID: "tier1"), models: models)
        let decoder = PrometheusScrapeDecoder(host: "litellm.internal:4000", table: table)
        var history = LevelHistory()
        var ledger = DrainLedger()
        var use = UseHistory()
        let lastScrape = start + Double(scrapes) * 5
        let now = lastScrape + failing
        var second = start
        for scrape in 0...scrapes {
            let at = start + Double(scrape) * 5
            while second < at {
                history.record(engine.state(at: second))
                second += 1
            }
            let result = decoder.decode(exposition(scrape: scrape), at: at, models: models,
                                        origin: LineOrigin(source: 1 << 24, line: scrape + 1))
            for event in result.events {
                _ = engine.ingest(event)
                if !event.isThrottled && !event.isOverloaded, let info = engine.modelClass(of: event) {
                    let counted = event.usage.countedInputTokens(cacheReadsCount: info.cacheReadsCountTowardITPM)
                    ledger.record(event, classID: info.id, countedInput: counted)
                    use.record(classID: info.id, requests: Double(event.requests), input: Double(counted),
                               output: Double(event.usage.outputTokens), start: event.start, end: event.end)
                }
            }
        }
        while second <= now {
            history.record(engine.state(at: second))
            second += 1
        }
        let state = engine.state(at: now)
        let panels = state.buckets.map { bucket in
            ClassPanel(state: bucket,
                       history: PerDimension(requests: history.levels(classID: bucket.classID, dimension: .requests, seconds: 300),
                                             inputTokens: history.levels(classID: bucket.classID, dimension: .inputTokens, seconds: 300),
                                             outputTokens: history.levels(classID: bucket.classID, dimension: .outputTokens, seconds: 300)),
                       drainers: ledger.top(classID: bucket.classID, now: now, limit: 8) { _ in url }.map {
                           Drainer(name: $0.name, sharePerDimension: $0.share, perMinute: $0.perMinute)
                       },
                       use: PerDimension(
                           requests: use.use(classID: bucket.classID, dimension: .requests, through: now, seconds: 300),
                           inputTokens: use.use(classID: bucket.classID, dimension: .inputTokens, through: now, seconds: 300),
                           outputTokens: use.use(classID: bucket.classID, dimension: .outputTokens, through: now, seconds: 300)))
        }
        var model = DashboardModel(mode: .live, clock: now, sources: [url], classes: panels, graphWindowMinutes: 5,
                                   grouping: "source", lastProblem: problem)
        model.staleSources = problem == nil ? 0 : 1
        model.onlyScraping = true  // the endpoint is the only source
        return model
    }
}

@Suite(.tags(.unit)) struct ScrapedSourceSnapshotTests {
    static func render(_ model: DashboardModel, width: Int = 80, height: Int = 24) -> [String] {
        var grid = CellGrid(width: width, height: height)
        DashboardView.render(model, into: &grid, glyphs: .unicode)
        return grid.lines()
    }

    /// The engine's view of the proxy: what the snapshots below rely on.
    @Test func theBucketComesFromLiteLLMsCounters() throws {
        let bucket = try #require(ScrapedDashboard.model().classes.first?.state)
        #expect(bucket.classID == "sonnet-4.x")
        #expect(bucket.limitsSource == .litellm)
        #expect(bucket.tier == "tier1")
        #expect(bucket.combinedTokensRemaining == 13_200)  // the proxy's last report, as it is
    }

    /// A healthy LiteLLM source at 80×24.
    @Test func liteLLMSource80x24() {
        assertSnapshot(Self.render(ScrapedDashboard.model()), named: "litellm-80x24")
    }

    /// The same source with its details open (`e`): the combined tokens remaining as reported.
    @Test func liteLLMSourceDetails80x24() {
        var model = ScrapedDashboard.model()
        model.expanded = .buckets
        assertSnapshot(Self.render(model), named: "litellm-details-80x24")
    }

    /// No answer for 25 s since the last scrape: the scrapes at +5, +10 and +20 s failed (the
    /// interval doubling), the next is at +40 s. The header says `stale` instead of `live`, and
    /// the status line why (the text is `LiveSources.feedProblems`'; DashboardSessionTests checks
    /// the session uses it).
    @Test func staleLiteLLMSource80x24() {
        let model = ScrapedDashboard.model(
            failing: 25, problem: "stale 20 s: HTTP 500 (3 failures), retrying in 15 s — \(ScrapedDashboard.url)")
        assertSnapshot(Self.render(model), named: "litellm-stale-80x24")
    }
}

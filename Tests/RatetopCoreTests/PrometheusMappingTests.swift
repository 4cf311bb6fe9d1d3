import Testing
@testable import RatetopCore
import RatetopIO
import RatetopTestSupport

@Suite(.tags(.unit)) struct CounterTrackerTests {
    @Test func firstScrapeIsTheBaselineAndLaterSeriesCountFromZero() {
        var tracker = CounterTracker()
        #expect(tracker.increment(series: "a", value: 100) == 0)
        tracker.finishScrape()
        #expect(tracker.increment(series: "a", value: 130) == 30)
        #expect(tracker.increment(series: "b", value: 7) == 7)  // created since the previous scrape
        tracker.finishScrape()
        #expect(tracker.increment(series: "a", value: 130) == 0)
        #expect(tracker.resets == 0)
    }

    @Test func aLowerValueIsAResetAndCountsWhatFollowedIt() {
        var tracker = CounterTracker()
        _ = tracker.increment(series: "a", value: 500)
        tracker.finishScrape()
        #expect(tracker.increment(series: "a", value: 40) == 40)
        #expect(tracker.resets == 1)
        #expect(tracker.increment(series: "a", value: 45) == 5)
    }

    @Test func aChangedCreatedTimeIsAResetEvenWhenTheValueGrew() {
        var tracker = CounterTracker()
        _ = tracker.increment(series: "a", value: 10, created: 1000)
        tracker.finishScrape()
        // The exporter restarted during failed scrapes and has counted 25 since.
        #expect(tracker.increment(series: "a", value: 25, created: 2000) == 25)
        #expect(tracker.resets == 1)
        #expect(tracker.increment(series: "a", value: 30, created: 2000) == 5)
    }

    @Test func notCountsAreIgnored() {
        var tracker = CounterTracker()
        _ = tracker.increment(series: "a", value: 10)
        tracker.finishScrape()
        #expect(tracker.increment(series: "a", value: .nan) == 0)
        #expect(tracker.increment(series: "a", value: -3) == 0)
        #expect(tracker.increment(series: "a", value: .infinity) == 0)
        #expect(tracker.increment(series: "a", value: 12) == 2)
    }
}

/// A LiteLLM proxy's exposition, as prometheus_client writes it, for one Sonnet and one Haiku
/// deployment; `scale` multiplies every counter.
func liteLLMExposition(requests: Int, throttled: Int, input: Int, output: Int, remainingRequests: Int = 40,
                       remainingTokens: Int = 30000, created: Double = 1_763_600_000) -> String {
    """
    # HELP litellm_deployment_total_requests_total LLM Deployment Analytics - Total number of LLM API calls via litellm
    # TYPE litellm_deployment_total_requests_total counter
    litellm_deployment_total_requests_total{api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_id="d1",requested_model="sonnet"} \(requests).0
    litellm_deployment_total_requests_created{api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_id="d1",requested_model="sonnet"} \(created)
    # HELP litellm_deployment_failure_responses_total LLM Deployment Analytics - Total number of failed LLM API calls
    # TYPE litellm_deployment_failure_responses_total counter
    litellm_deployment_failure_responses_total{api_base="https://api.anthropic.com",api_provider="anthropic",exception_class="RateLimitError",exception_status="429",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_id="d1",requested_model="sonnet"} \(throttled).0
    litellm_deployment_failure_responses_total{api_base="https://api.anthropic.com",api_provider="anthropic",exception_class="APIError",exception_status="500",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_id="d1",requested_model="sonnet"} 1.0
    # HELP litellm_input_tokens_metric_total Total number of input tokens from LLM requests
    # TYPE litellm_input_tokens_metric_total counter
    litellm_input_tokens_metric_total{api_key_alias="ci",end_user="",hashed_api_key="abc",model="claude-sonnet-4-5-20250929",requested_model="sonnet",team="None",team_alias="None",user="u1"} \(input).0
    # HELP litellm_output_tokens_metric_total Total number of output tokens from LLM requests
    # TYPE litellm_output_tokens_metric_total counter
    litellm_output_tokens_metric_total{api_key_alias="ci",end_user="",hashed_api_key="abc",model="claude-sonnet-4-5-20250929",requested_model="sonnet",team="None",team_alias="None",user="u1"} \(output).0
    # HELP litellm_remaining_requests_metric LLM Deployment Analytics - remaining requests for model, returned from LLM API Provider
    # TYPE litellm_remaining_requests_metric gauge
    litellm_remaining_requests_metric{api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_group="sonnet"} \(remainingRequests).0
    # HELP litellm_remaining_tokens_metric remaining tokens for model, returned from LLM API Provider
    # TYPE litellm_remaining_tokens_metric gauge
    litellm_remaining_tokens_metric{api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_group="sonnet"} \(remainingTokens).0
    # HELP python_gc_objects_collected_total Objects collected during gc
    # TYPE python_gc_objects_collected_total counter
    python_gc_objects_collected_total{generation="0"} 1234.0

    """
}

@Suite(.tags(.unit)) struct LiteLLMMetricsMapperTests {
    static let table = try! BundledLimitsTable.load()

    @Test func mapsDeploymentCountersAndGaugesOntoTheModelClass() {
        let mapper = LiteLLMMetricsMapper(table: Self.table)
        var counters = CounterTracker()
        let first = mapper.map(PrometheusTextParser.parse(liteLLMExposition(requests: 10, throttled: 2, input: 5000, output: 500)),
                               counters: &counters)
        counters.finishScrape()
        // The baseline: no usage, and no levels (the gauges are only trusted with fresh traffic).
        #expect(first.count == 1)
        #expect(first.first?.hasActivity == false)
        #expect(first.first?.remaining.requests == nil)

        let second = mapper.map(PrometheusTextParser.parse(liteLLMExposition(requests: 16, throttled: 3, input: 9000, output: 800,
                                                                             remainingRequests: 33, remainingTokens: 21000)),
                                counters: &counters)
        let usage = try! #require(second.first)
        #expect(second.count == 1)
        #expect(usage.model == "claude-sonnet-4-5-20250929")
        #expect(usage.requests == 5)  // 6 attempts, 1 of them throttled
        #expect(usage.throttled == 1)
        #expect(usage.usage.inputTokens == 4000)
        #expect(usage.usage.outputTokens == 300)
        #expect(usage.remaining.requests == 33)
        #expect(usage.remaining.inputTokens == nil)
        #expect(usage.remaining.outputTokens == nil)
        #expect(usage.combinedTokensRemaining == 21000)
    }

    @Test func olderNamesAndUnknownGroupsAndTheLowestGaugeAcrossDeployments() {
        let mapper = LiteLLMMetricsMapper(table: Self.table)
        var counters = CounterTracker()
        counters.finishScrape()  // not the first scrape: everything counts
        let text = """
            litellm_input_tokens_total{model="anthropic/claude-haiku-4-5"} 100
            litellm_remaining_requests{model_group="haiku",litellm_model_name="anthropic/claude-haiku-4-5",api_base="a"} 40
            litellm_remaining_requests{model_group="haiku",litellm_model_name="anthropic/claude-haiku-4-5",api_base="b"} 12
            litellm_remaining_tokens{model_group="haiku",litellm_model_name="anthropic/claude-haiku-4-5"} NaN
            litellm_deployment_total_requests{requested_model="my-local-llama",litellm_model_name="ollama/llama3"} 4
            """
        let usages = mapper.map(PrometheusTextParser.parse(text), counters: &counters)
        #expect(usages.count == 2)
        let haiku = usages.first { $0.model == "claude-haiku-4-5" }
        #expect(haiku?.usage.inputTokens == 100)
        #expect(haiku?.remaining.requests == 12)
        #expect(haiku?.combinedTokensRemaining == nil)
        let llama = usages.first { $0.model == "my-local-llama" }
        #expect(llama?.requests == 4)
    }

    @Test func aRestartedProxyLosesNothingAndCountsNothingTwice() {
        let mapper = LiteLLMMetricsMapper(table: Self.table)
        var counters = CounterTracker()
        var input = 0
        for (index, total) in [1000, 1500, 300, 900].enumerated() {
            let created = index < 2 ? 1_763_600_000.0 : 1_763_600_500.0
            let usages = mapper.map(PrometheusTextParser.parse(liteLLMExposition(requests: 1, throttled: 0, input: total, output: 0,
                                                                                 created: created)),
                                    counters: &counters)
            counters.finishScrape()
            input += usages.reduce(0) { $0 + $1.usage.inputTokens }
        }
        // 500 before the restart, 300 up to the first scrape after it, 600 since.
        #expect(input == 1400)
        #expect(counters.resets >= 1)
    }
}

@Suite(.tags(.unit)) struct RatetopMetricsMapperTests {
    static func host(remaining: Double, requests: Int, input: Int, limit: Int = 30000, source: String = "tier") -> String {
        """
        # TYPE ratetop_bucket_limit gauge
        ratetop_bucket_limit{bucket="sonnet-4.x",dimension="input_tokens"} \(limit)
        ratetop_bucket_limit{bucket="sonnet-4.x",dimension="requests"} 50
        # TYPE ratetop_bucket_remaining gauge
        ratetop_bucket_remaining{bucket="sonnet-4.x",dimension="input_tokens"} \(remaining)
        ratetop_bucket_consumption_per_minute{bucket="sonnet-4.x",dimension="input_tokens"} 999999
        ratetop_bucket_limit_source{bucket="sonnet-4.x",source="\(source)"} 1
        # TYPE ratetop_requests_total counter
        ratetop_requests_total{bucket="sonnet-4.x"} \(requests)
        ratetop_throttled_requests_total{bucket="sonnet-4.x",status="429"} 1
        ratetop_throttled_requests_total{bucket="sonnet-4.x",status="529"} 0
        ratetop_tokens_total{bucket="sonnet-4.x",kind="input"} \(input)
        ratetop_tokens_total{bucket="sonnet-4.x",kind="cache_read"} 50
        ratetop_tokens_total{bucket="sonnet-4.x",kind="cache_creation"} 0
        ratetop_tokens_total{bucket="sonnet-4.x",kind="output"} 10
        ratetop_lines_read_total 99
        """
    }

    @Test func readsBucketsLimitsLevelsAndExactUsage() {
        var counters = CounterTracker()
        counters.finishScrape()
        let usages = RatetopMetricsMapper.map(PrometheusTextParser.parse(Self.host(remaining: 12000, requests: 5, input: 700)),
                                              counters: &counters)
        let usage = try! #require(usages.first)
        #expect(usages.count == 1)
        #expect(usage.model == "sonnet-4.x")
        #expect(usage.limits == PerDimension(requests: 50, inputTokens: 30000, outputTokens: nil))
        #expect(usage.limitsSource == .tier)
        #expect(usage.remaining.inputTokens == 12000)
        #expect(usage.requests == 4)
        #expect(usage.throttled == 1)
        #expect(usage.usage == Usage(inputTokens: 700, cacheReadInputTokens: 50, outputTokens: 10))
    }

    @Test func theOrganizationTakesTheBestLimitAndTheLowestLevelOfCurrentHosts() {
        var organization = RatetopOrganization(maxAge: 30)
        var a = ScrapedUsage(model: "sonnet-4.x")
        a.limits.inputTokens = 30000
        a.limitsSource = .tier
        a.remaining.inputTokens = 20000
        var b = ScrapedUsage(model: "sonnet-4.x")
        b.limits.inputTokens = 450000
        b.limitsSource = .headers
        b.remaining.inputTokens = 400000
        _ = organization.merge(host: "a", [a], at: 100)
        let merged = organization.merge(host: "b", [b], at: 101)
        #expect(merged.first?.limits.inputTokens == 450000)  // headers beat a tier guess
        #expect(merged.first?.limitsSource == .headers)
        #expect(merged.first?.remaining.inputTokens == 20000)
        // Host a goes quiet: after maxAge it bounds nothing.
        let later = organization.merge(host: "b", [b], at: 140)
        #expect(later.first?.remaining.inputTokens == 400000)
    }

    @Test func twoHostsSumIntoOneBucketInTheEngine() {
        let models = ModelCatalog()
        let engine = UsageEngine(configuration: EngineConfiguration(table: LiteLLMMetricsMapperTests.table), models: models)
        let organization = OrganizationBox()
        let hosts = [PrometheusScrapeDecoder(host: "a", table: engine.configuration.table, organization: organization),
                     PrometheusScrapeDecoder(host: "b", table: engine.configuration.table, organization: organization)]
        let start = 1_763_600_000.0
        for (step, (requests, input)) in [(0, 0), (5, 1000), (10, 3000)].enumerated() {
            for (index, decoder) in hosts.enumerated() {
                let text = Self.host(remaining: index == 0 ? 25000 : 18000, requests: requests + 1, input: input)
                let result = decoder.decode(text, at: start + Double(step) * 5 + Double(index) * 0.1, models: models,
                                            origin: LineOrigin(source: Int32(index), line: step))
                #expect(decoder.kind == .ratetop)
                for event in result.events { engine.ingest(event) }
            }
        }
        let state = engine.state(at: start + 11)
        let bucket = try! #require(state.buckets.first)
        #expect(state.buckets.count == 1)
        #expect(bucket.classID == "sonnet-4.x")
        #expect(bucket.limitsSource == .ratetop)
        #expect(bucket.limits.inputTokens == 30000)
        // Each host used 3000 input tokens and 10 requests after its baseline scrape.
        #expect(bucket.ratePerMinute.inputTokens == 6000)
        #expect(bucket.ratePerMinute.requests == 20)
        #expect(bucket.requests429 == 0)
        // Never above the lowest host's estimate (18000 at the last scrape, refilled since).
        let remaining = try! #require(bucket.remaining.inputTokens)
        #expect(remaining <= 18000 + 30000.0 / 60 * 1.0)
        let summary = engine.summary(from: nil, to: nil).first
        #expect(summary?.inputTokens == 6000)
    }
}

@Suite(.tags(.unit)) struct LiteLLMScrapeEngineTests {
    @Test func scrapesBecomeBucketsWithAnHonestLimitsSource() {
        let models = ModelCatalog()
        let engine = UsageEngine(configuration: EngineConfiguration(table: LiteLLMMetricsMapperTests.table, tierID: "tier1"),
                                 models: models)
        let decoder = PrometheusScrapeDecoder(host: "proxy", table: engine.configuration.table)
        let start = 1_763_600_000.0
        let scrapes = [(10, 0, 1000, 100), (20, 2, 6000, 600), (26, 5, 9000, 900)]
        for (index, scrape) in scrapes.enumerated() {
            let text = liteLLMExposition(requests: scrape.0, throttled: scrape.1, input: scrape.2, output: scrape.3,
                                         remainingRequests: 30, remainingTokens: 12000)
            let result = decoder.decode(text, at: start + Double(index) * 5, models: models, origin: LineOrigin(source: 0, line: index))
            for event in result.events { engine.ingest(event) }
        }
        #expect(decoder.kind == .litellm)
        let bucket = try! #require(engine.state(at: start + 10).buckets.first)
        #expect(bucket.classID == "sonnet-4.x")
        #expect(bucket.limitsSource == .litellm)
        #expect(bucket.tier == "tier1")
        #expect(bucket.ratePerMinute.inputTokens == 8000)
        #expect(bucket.ratePerMinute.outputTokens == 800)
        #expect(bucket.ratePerMinute.requests == 16)  // attempts, the 5 throttled ones included (as for logs)
        #expect(engine.summary(from: nil, to: nil).first?.requests == 16)
        #expect(bucket.requests429 == 5)
        #expect(bucket.combinedTokensRemaining == 12000)
        // The requests bucket follows LiteLLM's gauge (30 at the last scrape, refilled 0 s since).
        #expect(abs((bucket.remaining.requests ?? -1) - 30) <= 1)
        let line = JSONLines.state(engine.state(at: start + 10), malformedLines: 0, lateLines: 0)
        #expect(line.contains(#""limits_source":"litellm""#))
        #expect(line.contains(#""tokens_remaining_combined":12000"#))
        // LiteLLM's input counter holds cache reads too: the hit rate is unknown, not 0 %, until
        // 5 minutes after its last aggregate.
        #expect(bucket.cacheSplitUnknown)
        #expect(bucket.cacheHitRate == nil)
        #expect(line.contains(#""cache_hit_rate":null"#))
        let later = try! #require(engine.state(at: start + 10 + 301).buckets.first)
        #expect(!later.cacheSplitUnknown)
    }
}

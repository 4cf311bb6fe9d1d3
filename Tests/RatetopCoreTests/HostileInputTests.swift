import Foundation
import RatetopIO
import RatetopTestSupport
import Testing
@testable import RatetopCore

/// Issue 14's table, row by row: numbers out of range are refused where they are decoded and
/// counted with their reason (never a zero, never a trap), totals saturate, a flood of unknown
/// model ids costs bounded memory, and a scraped endpoint cannot make ratetop trap.
@Suite(.tags(.unit)) struct HostileInputTests {
    static func exchangeDecoder(_ models: ModelCatalog) -> ExchangeLogDecoder { ExchangeLogDecoder(models: models) }
    static func liteLLMDecoder(_ models: ModelCatalog) -> LiteLLMDecoder { LiteLLMDecoder(models: models) }

    static func exchange(_ usage: String, ts: String = "2026-11-20T09:00:00Z") -> String {
        #"{"ts":"\#(ts)","model":"claude-sonnet-4-5-20250929","status":200,"usage":{\#(usage)}}"#
    }

    static let outOfRangeExchanges: [(line: String, reason: String)] = [
        (exchange(#""input_tokens":8.9e18"#), "input_tokens: 8900000000000000000 is outside 0 to 10^12"),
        (exchange(#""input_tokens":5000000000000000000"#), "input_tokens: 5000000000000000000 is outside 0 to 10^12"),
        (exchange(#""input_tokens":8e18,"cache_creation_input_tokens":8e18"#), "input_tokens: 8000000000000000000 is outside 0 to 10^12"),
        (exchange(#""input_tokens":1e400"#), "number 1e400 is out of range"),
        (exchange(#""input_tokens":9223372036854775808"#), "number 9223372036854775808 is out of range"),
        (exchange(#""output_tokens":1000000000001"#), "output_tokens: 1000000000001 is outside 0 to 10^12"),
        (exchange(#""input_tokens":1"#, ts: "0000-01-01T00:00:00Z"), "ts: -62167219200 is outside 2000–2100"),
        (#"{"ts":"2026-11-20T09:00:00Z","latency_ms":1e30,"model":"claude-sonnet-4-5-20250929","status":200}"#,
         "latency_ms: 1e+27 s is outside 0 to 7 days"),
        (#"{"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-5-20250929","status":429,"headers":{"retry-after":"999999999999"}}"#,
         "retry-after: 999999999999 s is outside 0 to 7 days"),
        (#"{"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-5-20250929","status":200,"headers":{"anthropic-ratelimit-input-tokens-limit":"999999999999999999"}}"#,
         "rate-limit header: 999999999999999999 is outside 0 to 10^12"),
    ]

    @Test(arguments: outOfRangeExchanges)
    func exchangeLinesOutOfRangeAreMalformedWithTheirReason(_ line: String, reason: String) {
        let result = run(line, Self.exchangeDecoder)
        #expect(result.outcomes == [.malformed(reason)], "\(result.outcomes)")
        #expect(result.events.isEmpty)
    }

    static let outOfRangeLiteLLM: [(line: String, reason: String)] = [
        (#"{"endTime":1e30,"model":"c"}"#, "endTime: 1e+27 is outside 2000–2100"),
        (#"{"startTime":1001e19,"endTime":1763629202,"model":"c"}"#, "startTime: 1.001e+19 is outside 2000–2100"),
        (#"{"endTime":1e40,"model":"c"}"#, "endTime: 1.0000000000000001e+37 is outside 2000–2100"),
        (#"{"endTime":-1e30,"model":"c"}"#, "endTime: -1e+30 is outside 2000–2100"),
        (#"{"endTime":1e19,"model":"c"}"#, "endTime: 1e+16 is outside 2000–2100"),
        (#"{"endTime":1.00000000001e19,"model":"c"}"#, "endTime: 1.00000000001e+16 is outside 2000–2100"),
        (#"{"endTime":1763629202,"model":"c","prompt_tokens":5e18}"#, "input_tokens: 5000000000000000000 is outside 0 to 10^12"),
        (#"{"endTime":1763629202,"model":"c","prompt_tokens":9e18}"#, "number 9e18 is out of range"),
    ]

    @Test(arguments: outOfRangeLiteLLM)
    func liteLLMLinesOutOfRangeAreMalformedWithTheirReason(_ line: String, reason: String) {
        let result = run(line, Self.liteLLMDecoder)
        #expect(result.outcomes == [.malformed(reason)], "\(result.outcomes)")
    }

    @Test func aTranscriptLineStampedOutsideTheWindowIsMalformedAndMovesNoClock() {
        var decoder = ClaudeCodeTranscriptDecoder(models: ModelCatalog())
        let models = decoder.models
        let lines = [
            #"{"type":"assistant","timestamp":"0000-01-01T00:00:00Z","requestId":"r1","message":{"id":"m1","model":"claude-sonnet-4-6","usage":{"input_tokens":1,"output_tokens":1}}}"#,
            #"{"type":"user","timestamp":"9999-01-01T00:00:00Z"}"#,
            #"{"type":"assistant","timestamp":"2026-11-20T09:00:00Z","requestId":"r2","message":{"id":"m2","model":"claude-sonnet-4-6","usage":{"input_tokens":1,"output_tokens":1}}}"#,
        ]
        let result = RatetopCoreTests.run(&decoder, lines, models: models)
        #expect(result.outcomes.first == .malformed("timestamp: -62167219200 is outside 2000–2100"))
        #expect(result.events.map(\.end) == [RFC3339.parse("2026-11-20T09:00:00Z")!])
    }

    @Test func totalsSaturateInsteadOfTrapping() throws {
        // Past the decoders (a bug upstream, or a path not yet checked): the engine must not trap.
        let h = EngineHarness(table: try #require(bundledTable), tier: "tier1")
        h.ingest([
            h.event(creditEra, input: Int.max - 10, output: Int.max),
            h.event(creditEra + 1, input: Int.max, output: 5, cacheRead: Int.max, cacheCreation: Int.max),
            h.event(creditEra + 61, input: 1, output: 1),
        ])
        let summary = try #require(h.summary())
        #expect(summary.inputTokens == Int.max)
        #expect(summary.outputTokens == Int.max)
        #expect(summary.saturated)
        #expect(JSONLines.summary([summary], from: nil, to: nil,
                                  counts: JSONLines.InputCounts(lines: 3, malformedLines: 0, duplicatesSkipped: 0),
                                  alerts: (0, [:])).contains(#""saturated":true"#))
        _ = h.engine.state(at: creditEra + 62)
    }

    @Test func twentyThousandInventedModelsShareOneClassPastTheCap() throws {
        let models = ModelCatalog()
        let monitor = Monitor(configuration: EngineConfiguration(table: try #require(bundledTable)), models: models)
        var notices: [String] = []
        monitor.engine.onNotice = { notices.append($0) }
        for index in 0..<20_000 {
            monitor.ingest(Exchange(end: creditEra + Double(index) / 10, model: models.intern("model-\(index)"),
                                    usage: Usage(inputTokens: 10, outputTokens: 1)))
            monitor.advance(through: creditEra + Double(index) / 10)
        }
        #expect(monitor.engine.bucketCount == UsageEngine.maxUnknownClasses + 1)
        #expect(monitor.engine.classIDs.last == UsageEngine.otherClassID)
        // One notice for the cap; models without a price named ten times, then no more.
        #expect(notices.filter { $0.contains("more than 64 model ids the limits table does not know") }.count == 1, "\(notices)")
        #expect(notices.filter { $0.contains("no price in the limits table") }.count == 10)
        #expect(notices.count == 11)
        let other = try #require(monitor.summary(from: nil, to: nil).last)
        #expect(other.requests == 20_000 - UsageEngine.maxUnknownClasses)
        #expect(other.models.count == 16, "the shared class lists a few of its ids, not thousands")
    }

    static let hostileScrapes = [
        #"ratetop_bucket_limit{bucket="sonnet-4.x",dimension="input_tokens"} 1e30"#,
        #"ratetop_bucket_remaining{bucket="sonnet-4.x",dimension="input_tokens"} 1e19"#,
        #"ratetop_tokens_total{bucket="sonnet-4.x",kind="input"} 1e30"#,
        #"ratetop_requests_total{bucket="sonnet-4.x"} 1e30"#,
        #"litellm_input_tokens{model="claude-sonnet-4-5"} 1e30"#,
        #"litellm_input_tokens_metric_total{model="claude-sonnet-4-5"} 9e14"#,
        #"ratetop_bucket_remaining{bucket="sonnet-4.x",dimension="requests"} NaN"#,
    ]

    @Test(arguments: hostileScrapes)
    func aHostileScrapeIsCountedNotFatal(_ series: String) throws {
        let decoder = PrometheusScrapeDecoder(host: "h", table: try #require(bundledTable))
        let models = ModelCatalog()
        let monitor = Monitor(configuration: EngineConfiguration(table: try #require(bundledTable)), models: models)
        let healthy = #"ratetop_requests_total{bucket="sonnet-4.x"} 1"# + "\n"
            + #"litellm_deployment_total_requests{model="claude-sonnet-4-5"} 1"#
        var time = creditEra
        // The first scrape is the baseline; the later ones carry the hostile value, growing.
        for round in 0..<3 {
            let body = healthy + "\n" + series.replacingOccurrences(of: "} 1e30", with: "} \(round + 1)e30") + "\n"
            let result = decoder.decode(body, at: time, models: models, origin: LineOrigin(source: 0, line: 0))
            for event in result.events { monitor.ingest(event) }
            monitor.advance(through: time)
            _ = monitor.state(at: time)
            time += 5
        }
        _ = monitor.summary(from: nil, to: nil)
    }

    @Test func outOfRangeSamplesAreCountedWithTheirName() throws {
        let decoder = PrometheusScrapeDecoder(host: "h", table: try #require(bundledTable))
        let result = decoder.decode(#"ratetop_bucket_limit{bucket="sonnet-4.x",dimension="input_tokens"} 1e30"# + "\n",
                                    at: creditEra, models: ModelCatalog(), origin: LineOrigin(source: 0, line: 0))
        #expect(result.malformedLines == 1)
        #expect(result.problems.first?.reason == "ratetop_bucket_limit: 1e+30 is out of range")
    }
}

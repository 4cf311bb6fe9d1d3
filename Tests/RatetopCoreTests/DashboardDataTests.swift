import RatetopCore
import RatetopIO
import Testing
import RatetopTestSupport

/// The data behind the dashboard: level history, who is draining, the replay clock.
@Suite(.tags(.unit)) struct DashboardDataTests {
    static func state(at time: Double, requests: Double?) -> EngineState {
        EngineState(at: time, buckets: [BucketState(
            classID: "sonnet-4.x", models: [], tier: "tier1", limits: PerDimension(repeating: 50), limitsSource: .tier,
            remaining: PerDimension(requests: requests, inputTokens: nil, outputTokens: 10), ratePerMinute: PerDimension(repeating: 0),
            secondsToEmpty: PerDimension(repeating: nil), cacheHitRate: nil, rate429: nil, requests429: 0, requests529: 0,
            untrackedPerMinute: PerDimension(repeating: 0), lastRetryAfter: nil, uncachedInput5m: 0, cacheRead5m: 0,
            cacheCreation5m: 0, cacheReadsCount: false)])
    }

    @Test func historyKeepsOneSamplePerSecondAndFillsGaps() {
        var history = LevelHistory()
        history.record(Self.state(at: 100.2, requests: 50))
        history.record(Self.state(at: 100.9, requests: 1))  // same second: ignored
        history.record(Self.state(at: 103.0, requests: 44))  // 101 and 102 repeat the previous sample
        #expect(history.levels(classID: "sonnet-4.x", dimension: .requests, seconds: 6) == [nil, nil, 50, 50, 50, 44])
        #expect(history.levels(classID: "sonnet-4.x", dimension: .inputTokens, seconds: 2) == [nil, nil])
        #expect(history.levels(classID: "opus-4.x", dimension: .requests, seconds: 2) == [nil, nil])
    }

    @Test func historyIsBoundedByTheWindow() {
        var history = LevelHistory()
        for second in 0..<10_000 { history.record(Self.state(at: Double(second), requests: Double(second % 50))) }
        let levels = history.levels(classID: "sonnet-4.x", dimension: .requests, seconds: LevelHistory.seconds)
        #expect(levels.count == LevelHistory.seconds)
        #expect(levels.last == 49)
    }

    @Test func drainersAreTheLastMinutesSharesPerGroup() {
        var ledger = DrainLedger()
        let model = ModelCatalog().intern("claude-sonnet-4-5")
        func event(_ time: Double, source: Int32, output: Int) -> Exchange {
            Exchange(end: time, model: model, usage: Usage(outputTokens: output), origin: LineOrigin(source: source, line: 1))
        }
        ledger.record(event(10, source: 0, output: 900), classID: "sonnet-4.x", countedInput: 0)  // leaves the window
        ledger.record(event(100, source: 0, output: 300), classID: "sonnet-4.x", countedInput: 100)
        ledger.record(event(110, source: 1, output: 100), classID: "sonnet-4.x", countedInput: 300)
        ledger.record(event(111, source: 1, output: 0), classID: "haiku-4.5", countedInput: 5000)
        let top = ledger.top(classID: "sonnet-4.x", now: 120, limit: 5) { "file\($0.source)" }
        #expect(top.map(\.name) == ["file0", "file1"] || top.map(\.name) == ["file1", "file0"])
        let file0 = top.first { $0.name == "file0" }
        #expect(file0?.share.outputTokens == 0.75)
        #expect(file0?.share.inputTokens == 0.25)
        #expect(file0?.perMinute.requests == 1)
    }

    @Test func replayClockSpeedsPausesAndSeeks() {
        var clock = VirtualClock(start: 1000)
        clock.advance(wallSeconds: 0.5)
        #expect(clock.now == 1030)
        clock.faster()
        #expect(clock.speed == 120)
        clock.slower()
        clock.slower()
        #expect(clock.speed == 30)
        clock.togglePause()
        clock.advance(wallSeconds: 10)
        #expect(clock.now == 1030)
        clock.seek(to: 500)
        #expect(clock.now == 500)
        clock.hold(at: 2000)
        #expect(clock.paused && clock.now == 2000)
    }
}

@Suite(.tags(.unit)) struct GroupByTests {
    @Test func theGroupByFieldIsInternedPerLine() {
        let groups = ModelCatalog()
        let lines = [
            #"{"ts":"2026-11-20T09:00:00Z","status":200,"model":"claude-sonnet-4-5","app":"checkout"}"#,
            #"{"ts":"2026-11-20T09:00:01Z","status":200,"app":"search","model":"claude-sonnet-4-5"}"#,
            #"{"ts":"2026-11-20T09:00:02Z","status":200,"model":"claude-sonnet-4-5","app":7}"#,
            #"{"ts":"2026-11-20T09:00:03Z","status":200,"model":"claude-sonnet-4-5"}"#,
            #"{"ts":"2026-11-20T09:00:04Z","status":200,"model":"claude-sonnet-4-5","application":"x","app":"checkout"}"#,
        ]
        var decoder = ExchangeLogDecoder(models: ModelCatalog(), groupBy: "app", groups: groups)
        var events: [Exchange] = []
        for line in lines {
            var bytes = Array(line.utf8)
            _ = bytes.withUnsafeMutableBytes { decoder.decode(line: UnsafeRawBufferPointer($0), origin: LineOrigin(source: 0, line: 1), into: &events) }
        }
        #expect(events.map { $0.group >= 0 ? groups.names[Int($0.group)] : "-" } == ["checkout", "search", "7", "-", "checkout"])
    }
}

@Suite(.tags(.unit)) struct UntrackedUsageTests {
    static let start = 1_795_165_200.0

    /// An exchange with headers saying what the server had left.
    static func event(_ models: ModelCatalog, end: Double, latency: Double, input: Int, remainingInput: Int) -> Exchange {
        var headers = RateLimitHeaders()
        headers.limit = PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000)
        headers.remaining.inputTokens = remainingInput
        return Exchange(end: end, start: end - latency, model: models.intern("claude-sonnet-4-5"), usage: Usage(inputTokens: input),
                        headers: headers)
    }

    static func untrackedInput(_ events: [Exchange], models: ModelCatalog, at time: Double) throws -> Double {
        let engine = UsageEngine(configuration: EngineConfiguration(table: try BundledLimitsTable.load()), models: models)
        for event in events { engine.ingest(event) }
        return engine.state(at: time).buckets.first?.untrackedPerMinute.inputTokens ?? -1
    }

    @Test func ourOwnRequestsInFlightAreNotUntrackedUsage() throws {
        let models = ModelCatalog()
        // A long request (5,000 input) starts at 0 and ends at 20; a short one ends at 2 and its
        // header already shows the long one's input. When the long one is logged it explains
        // the gap.
        let events = [
            Self.event(models, end: Self.start + 2, latency: 1, input: 1000, remainingInput: 24000),
            Self.event(models, end: Self.start + 20, latency: 20, input: 5000, remainingInput: 29000),
            Self.event(models, end: Self.start + 70, latency: 1, input: 10, remainingInput: 30000),
        ]
        #expect(try Self.untrackedInput(events, models: models, at: Self.start + 70) == 0)
    }

    @Test func anotherConsumerShowsAsUntrackedOnceSettled() throws {
        let models = ModelCatalog()
        // The header says 12,000 went that no logged request explains.
        let events = [
            Self.event(models, end: Self.start + 2, latency: 1, input: 1000, remainingInput: 17000),
            Self.event(models, end: Self.start + 30, latency: 1, input: 10, remainingInput: 30000),
            Self.event(models, end: Self.start + 70, latency: 1, input: 10, remainingInput: 30000),
        ]
        #expect(try Self.untrackedInput(Array(events.prefix(2)), models: models, at: Self.start + 30) == 0, "still settling")
        let settled = try Self.untrackedInput(events, models: models, at: Self.start + 70)
        #expect(settled > 11_000 && settled < 12_500, "\(settled)")
    }
}

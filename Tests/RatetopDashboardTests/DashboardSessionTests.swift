import Foundation
import RatetopCore
import RatetopIO
import RatetopUI
import RatetopTestSupport
import Testing
@testable import RatetopDashboard

/// The dashboard's behaviour without a terminal: the clock, the feed, keys, the model.
@Suite(.tags(.unit)) struct DashboardSessionTests {
    static let start = 1_795_165_200.0  // 2026-11-20T09:00:00Z

    static func line(_ seconds: Double, model: String = "claude-sonnet-4-5-20250929", input: Int = 1000, output: Int = 100,
                     status: Int = 200) -> String {
        let stamp = RFC3339.format(start + seconds, fractionDigits: 3)
        if status != 200 {
            return #"{"ts":"\#(stamp)","model":"\#(model)","status":\#(status),"error":{"type":"rate_limit_error","message":"... 30,000 input tokens per minute"}}"#
        }
        return #"{"ts":"\#(stamp)","latency_ms":1000,"model":"\#(model)","status":200,"usage":{"input_tokens":\#(input),"output_tokens":\#(output)}}"#
    }

    func replaySession(_ lines: [String], speed: Double = 60) throws -> (DashboardSession, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-dash-\(UUID().uuidString).jsonl").path
        FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let diagnostics = Diagnostics(limit: 10)
        let feed = try ReplayFeed(paths: [path], format: nil, models: ModelCatalog(), diagnostics: diagnostics)
        let session = DashboardSession(input: .replay(feed, speed: speed),
                                       configuration: EngineConfiguration(table: try BundledLimitsTable.load(), tierID: "tier1"),
                                       models: feed.models, diagnostics: diagnostics)
        return (session, path)
    }

    @Test func theReplayClockPlaysTheLogAtItsSpeedAndHoldsTheLastFrame() throws {
        let (session, path) = try replaySession((0..<10).map { Self.line(Double($0) * 6) })
        defer { try? FileManager.default.removeItem(atPath: path) }
        session.tick(wallNow: 1000)
        #expect(session.now == Self.start)
        session.tick(wallNow: 1000.5)  // 30 s of log at 60×
        #expect(session.now == Self.start + 30)
        let model = session.model()
        #expect(model.classes.count == 1)
        #expect(model.classes.first?.state.ratePerMinute.requests == 6)  // lines at 0, 6, ..., 30
        if case .replay(let speed, let paused, _) = model.mode {
            #expect(speed == 60 && !paused)
        } else {
            Issue.record("not in replay mode")
        }
        session.tick(wallNow: 1010)  // far past the end
        #expect(session.now == Self.start + 54)
        if case .replay(_, let paused, let finished) = session.model().mode {
            #expect(paused && finished)
        }
    }

    @Test func theStateOnScreenMatchesTheHeadlessEngine() throws {
        let lines = (0..<40).map { Self.line(Double($0) * 1.5, input: 2000 + $0 * 10) }
        let (session, path) = try replaySession(lines)
        defer { try? FileManager.default.removeItem(atPath: path) }
        session.tick(wallNow: 0)
        session.tick(wallNow: 1)
        let shown = try #require(session.model().classes.first?.state)
        let models = ModelCatalog()
        let monitor = Monitor(configuration: EngineConfiguration(table: try BundledLimitsTable.load(), tierID: "tier1"),
                              models: models)
        let feed = try ReplayFeed(paths: [path], format: nil, models: models, diagnostics: Diagnostics())
        feed.schedule(monitor: monitor).advanceTime(to: session.now) { _ in }
        let headless = try #require(monitor.state(at: session.now).buckets.first)
        #expect(shown.remaining == headless.remaining)
        #expect(shown.ratePerMinute == headless.ratePerMinute)
    }

    @Test func seekingBackReplaysFromTheTopAndForwardSkipsAhead() throws {
        let (session, path) = try replaySession((0..<200).map { Self.line(Double($0) * 10) })
        defer { try? FileManager.default.removeItem(atPath: path) }
        session.tick(wallNow: 0)
        session.handle(.seekForward)
        #expect(session.now == Self.start + 300)
        let forward = try #require(session.model().classes.first?.state)
        session.handle(.seekForward)
        session.handle(.seekBack)
        #expect(session.now == Self.start + 300)
        let back = try #require(session.model().classes.first?.state)
        #expect(back.remaining == forward.remaining)
        #expect(back.ratePerMinute == forward.ratePerMinute)
        session.handle(.seekBack)
        session.handle(.seekBack)
        #expect(session.now == Self.start, "never before the first line")
    }

    @Test func theActivityGraphIsTheUseThatDrainedTheBuckets() throws {
        // Ten requests of 1,000 input tokens, one every 6 s, a 429, then a minute of nothing.
        let (session, path) = try replaySession((0..<10).map { Self.line(Double($0) * 6, input: 1000, output: 100) }
                                                + [Self.line(60, status: 429), Self.line(120, input: 10, output: 1)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        session.tick(wallNow: 0)
        session.tick(wallNow: 2)  // 120 s of log at 60×
        var model = session.model()
        #expect(model.graphKind == .activity)
        let panel = try #require(model.classes.first)
        let input = panel.use.inputTokens.compactMap { $0 }
        let output = panel.use.outputTokens.compactMap { $0 }
        // Every token is in the series once (input at the start, output over the call), and
        // every attempt, the throttled one too, as in the use/min column.
        #expect(abs(input.reduce(0, +) - 10_010) < 1e-6)
        #expect(abs(output.reduce(0, +) - 1_001) < 1e-6)
        #expect(input.filter { $0 > 0 }.count == 11)
        #expect(abs(panel.use.requests.compactMap { $0 }.reduce(0, +) - 12) < 1e-6)
        // The minute between the last burst and the final line is idle: zeros, not unknown.
        #expect(panel.use.requests.suffix(50).dropLast(2).allSatisfy { $0 == 0 })
        // The window before the log began is unknown.
        #expect(panel.use.requests.first == .some(nil))
        // `v` switches to the level graph (the activity series is then not computed) and back.
        session.handle(.graphKind)
        model = session.model()
        #expect(model.graphKind == .level)
        #expect(model.classes.first?.history.requests.contains { $0 != nil } == true)
        #expect(model.classes.first?.use.requests.isEmpty == true)
        session.handle(.graphKind)
        #expect(session.model().graphKind == .activity)
    }

    @Test func aLabelNamesTheInputInsteadOfItsPath() throws {
        let (session, path) = try replaySession([Self.line(0)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(session.model().sourceLabel == nil)
        session.sourceLabel = "sample: a day on Tier 1"
        session.tick(wallNow: 0)
        #expect(session.model().sourceLabel == "sample: a day on Tier 1")
        #expect(session.model().sources == [path])
    }

    @Test func keysChangeWhatIsShown() throws {
        let (session, path) = try replaySession([Self.line(0), Self.line(1, model: "claude-haiku-4-5-20251001")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        session.tick(wallNow: 0)
        session.tick(wallNow: 0.1)
        #expect(session.model().classes.count == 2)
        session.handle(.nextClass)
        #expect(session.model().selectedClass == 1)
        session.handle(.nextClass)
        #expect(session.model().selectedClass == 0)
        session.handle(.graphWindow)
        #expect(session.model().graphWindowMinutes == 15)
        session.handle(.grouping)
        #expect(session.model().grouping == "project")
        session.handle(.help)
        #expect(session.model().showHelp)
        session.handle(.dismiss)
        #expect(!session.model().showHelp)
        session.handle(.pause)
        let before = session.now
        session.tick(wallNow: 5)
        #expect(session.now == before, "paused")
        session.handle(.quit)
        #expect(session.quit)
    }

    @Test func whoIsDrainingGroupsTheLastMinute() throws {
        let (session, path) = try replaySession([Self.line(0, input: 3000), Self.line(30, input: 1000), Self.line(90)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        session.tick(wallNow: 0)
        session.tick(wallNow: 0.9)  // 54 s: both lines are in the last minute
        let drainers = try #require(session.model().classes.first?.drainers)
        #expect(drainers.count == 1)
        #expect(drainers.first?.perMinute.inputTokens == 4000)
        #expect(drainers.first?.sharePerDimension.inputTokens == 1)
    }

    @Test func liveSessionsFollowAppendedLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-live-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data())
        let diagnostics = Diagnostics()
        let live = try LiveSources(arguments: [path], format: nil, models: ModelCatalog(), diagnostics: diagnostics)
        let session = DashboardSession(input: .live(live),
                                       configuration: EngineConfiguration(table: try BundledLimitsTable.load(), tierID: "tier1"),
                                       models: live.models, diagnostics: diagnostics)
        session.tick(wallNow: Self.start + 10)
        #expect(session.model().classes.isEmpty)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.write(Data((Self.line(9) + "\n").utf8))
        try handle.close()
        session.tick(wallNow: Self.start + 10.1)
        let model = session.model()
        #expect(model.mode == .live)
        #expect(model.linesRead == 1)
        #expect(model.classes.first?.state.ratePerMinute.inputTokens == 1000)
    }

    /// A scraped source that has stopped answering.
    final class FailingFeed: LiveFeed {
        let name = "http://litellm.internal:4000/metrics"
        var problem: FeedProblem?
        var lastDataAt: Double?
        func poll(now: Double, models: ModelCatalog, source: Int32, diagnostics: Diagnostics, each: (Exchange) -> Void) {}
    }

    /// The status line says what is wrong with a failing scraped source before naming it, so an
    /// 80-column screen, which cuts the end, still shows that it is stale and why.
    @Test func aFailingScrapedSourceLeadsTheStatusLineWithTheReason() throws {
        let feed = FailingFeed()
        feed.lastDataAt = Self.start - 5
        feed.problem = FeedProblem(reason: "HTTP 500", since: Self.start, failures: 4, retryAt: Self.start + 28)
        let diagnostics = Diagnostics()
        let live = try LiveSources(arguments: [], format: nil, models: ModelCatalog(), diagnostics: diagnostics, feeds: [feed])
        let session = DashboardSession(input: .live(live),
                                       configuration: EngineConfiguration(table: try BundledLimitsTable.load(), tierID: "tier1"),
                                       models: live.models, diagnostics: diagnostics)
        session.tick(wallNow: Self.start + 25)
        let model = session.model()
        #expect(model.lastProblem == "stale 25 s: HTTP 500 (4 failures), retrying in 3 s — http://litellm.internal:4000/metrics")
        #expect(model.staleSources == 1)
        var grid = CellGrid(width: 80, height: 24)
        DashboardView.render(model, into: &grid, glyphs: .unicode)
        let status = grid.lines().last?.trimmingCharacters(in: .whitespaces) ?? ""
        // Only an endpoint is watched: no `lines 0`, which leaves the problem more room.
        #expect(status.hasSuffix("? help    malformed 0  stale 25 s: HTTP 500 (4 failures), retrying in…"), "\(status)")
        #expect(grid.lines().first?.hasPrefix(" ratetop  ● stale  ") == true, "\(grid.lines().first ?? "")")
        feed.problem = nil
        #expect(session.model().lastProblem == nil)
        #expect(session.model().staleSources == 0)
        // Healthy again: the status line has no `lines 0` (only an endpoint is watched).
        grid = CellGrid(width: 80, height: 24)
        DashboardView.render(session.model(), into: &grid, glyphs: .unicode)
        let healthy = grid.lines().last?.trimmingCharacters(in: .whitespaces) ?? ""
        #expect(healthy.hasSuffix("malformed 0") && !healthy.contains("lines"), "\(healthy)")
    }

    @Test func groupByAFieldNamesTheConsumers() throws {
        let lines = [("checkout", 3000), ("search", 1000), ("checkout", 1000)].enumerated().map { index, pair in
            Self.line(Double(index)).replacingOccurrences(of: #""status":200"#, with: #""status":200,"app":"\#(pair.0)""#)
                .replacingOccurrences(of: #""input_tokens":1000"#, with: #""input_tokens":\#(pair.1)"#)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-group-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        let feed = try ReplayFeed(paths: [path], format: nil, models: ModelCatalog(), diagnostics: Diagnostics(), groupBy: "app")
        let session = DashboardSession(input: .replay(feed, speed: 60),
                                       configuration: EngineConfiguration(table: try BundledLimitsTable.load(), tierID: "tier1"),
                                       models: feed.models, diagnostics: Diagnostics(), groupBy: "app")
        session.tick(wallNow: 0)
        session.tick(wallNow: 0.1)
        let model = session.model()
        #expect(model.grouping == "app")
        let drainers = try #require(model.classes.first?.drainers)
        #expect(drainers.map(\.name) == ["checkout", "search"])
        #expect(drainers.first?.sharePerDimension.inputTokens == 0.8)
    }

    @Test func firingAlertsFillTheAlertsPanelAndLeaveItWhenResolved() throws {
        // 40 throttled attempts in 20 s (a storm), then calm traffic for ten minutes.
        let storm = (0..<40).map { Self.line(Double($0) / 2, status: 429) }
        let calm = (0..<60).map { Self.line(30 + Double($0) * 10) }
        let (session, path) = try replaySession(storm + calm)
        defer { try? FileManager.default.removeItem(atPath: path) }
        session.tick(wallNow: 0)
        session.tick(wallNow: 0.5)  // 30 s in
        let during = session.model().alerts
        #expect(during.contains { $0.severity == "critical" && $0.summary.contains("429 storm") }, "\(during)")
        session.tick(wallNow: 8)  // far past the end: the storm is over
        #expect(!session.model().alerts.contains { $0.summary.contains("429 storm") }, "\(session.model().alerts)")
    }
}

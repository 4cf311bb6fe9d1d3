import Foundation
import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopIO

/// `watch` at start: the last hour of every file, merged by time, older history skipped without
/// being read; then only what changes.
@Suite(.tags(.unit)) struct LiveHistoryTests {
    static let start = 1_795_165_200.0  // 2026-11-20T09:00:00Z: line stamps are `start + seconds`

    @Test func aDirectoryOfFilesReadsAsOneLogInTimeOrder() throws {
        let directory = TemporaryDirectory()
        // Two sessions open at once: read file after file, b's lines would be minutes late.
        directory.write("logs/a.jsonl", [0, 60, 120, 180].map { exchange($0) }.joined(separator: "\n") + "\n")
        directory.write("logs/b.jsonl", [30, 90, 150].map { exchange($0, input: 7) }.joined(separator: "\n") + "\n")
        let diagnostics = Diagnostics()
        let live = try LiveSources(arguments: [directory.file("logs")], format: nil, models: ModelCatalog(), diagnostics: diagnostics)
        let driver = LiveMonitor(live: live, configuration: EngineConfiguration(table: try BundledLimitsTable.load()),
                                 rules: AlertRule.defaults, diagnostics: diagnostics)
        var order: [Double] = []
        driver.onEvent = { event, _ in order.append(event.end - Self.start) }
        _ = driver.step(wallNow: Self.start + 200)
        #expect(order == [0, 30, 60, 90, 120, 150, 180])
        #expect(diagnostics.malformedLines == 0 && diagnostics.lateLines == 0 && driver.monitor.lateLines == 0)
        #expect(driver.monitor.summary(from: nil, to: nil).first?.requests == 7)
    }

    @Test func olderHistoryIsSkippedBySeekingNotRead() throws {
        let directory = TemporaryDirectory()
        // Three hours, a line every 5 s (about 300 KB).
        let stamps = stride(from: 0.0, to: 3 * 3600, by: 5).map { $0 }
        let path = directory.write("app.jsonl", stamps.map { exchange($0) }.joined(separator: "\n") + "\n")
        let now = Self.start + 3 * 3600
        let live = try LiveSources(arguments: [path], format: nil, models: ModelCatalog(), diagnostics: Diagnostics())
        var events: [Exchange] = []
        live.poll(now: now, into: &events)
        let cutoff = now - LiveSources.defaultWarmUp
        // Every line of the last hour, in order...
        #expect(events.filter { $0.end >= cutoff }.count == stamps.filter { Self.start + $0 >= cutoff }.count)
        #expect(events.map(\.end) == events.map(\.end).sorted())
        // ...and of the two hours before it only what the search reads around its start: the
        // slack and at most one probe's span of lines.
        let lineBytes = exchange(0).utf8.count + 1
        let allowance = LiveSources.historySlack + Double(HistoryStart.closeEnough / lineBytes + 1) * 5
        #expect(try #require(events.first).end >= cutoff - allowance)
        #expect(live.lines == events.count, "lines before the start point were neither read nor counted")
        #expect(live.lines < stamps.count / 2)
    }

    @Test func aFileNotWrittenWithinTheWarmUpIsSkippedWholeThenFollowed() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("old.jsonl", [0, 10, 20].map { exchange($0) }.joined(separator: "\n") + "\n")
        let now = Self.start + 86_400
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Self.start + 30)], ofItemAtPath: path)
        let diagnostics = Diagnostics()
        let live = try LiveSources(arguments: [path], format: nil, models: ModelCatalog(), diagnostics: diagnostics)
        var events: [Exchange] = []
        live.poll(now: now, into: &events)
        #expect(events.isEmpty && live.lines == 0)
        // Said, with where the history is, instead of an unexplained "waiting for data".
        #expect(diagnostics.messages == ["the file was last written 23 hours ago: watch shows what is written from now on; "
                                         + "`ratetop replay` reads its history"], "\(diagnostics.messages)")
        #expect(diagnostics.lastMessage?.hasPrefix("the file was last written") == true)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data((exchange(86_399) + "\n").utf8))
        try handle.close()
        live.poll(now: now + 1, into: &events)
        #expect(events.map { $0.end - Self.start } == [86_399])
        // Data came: the status line no longer says the file is old (the message log keeps it).
        #expect(diagnostics.lastMessage == nil)
        #expect(diagnostics.messages.count == 1)
    }

    @Test func aFileJustCopiedHereWithOldLinesStartsAfterThem() throws {
        let directory = TemporaryDirectory()
        // Written now (a recent modification time), but its lines are from the day before.
        let path = directory.write("copied.jsonl", [0, 10, 20].map { exchange($0) }.joined(separator: "\n") + "\n")
        let live = try LiveSources(arguments: [path], format: nil, models: ModelCatalog(), diagnostics: Diagnostics())
        var events: [Exchange] = []
        live.poll(now: Self.start + 86_400, into: &events)
        #expect(events.isEmpty && live.lines == 0)
    }

    @Test func ofTheHistorysAlertsOnlyThoseStillFiringAreReported() throws {
        let directory = TemporaryDirectory()
        let refused = #"{"ts":"STAMP","model":"claude-sonnet-4-5-20250929","status":429,"error":{"type":"rate_limit_error","message":"You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC.","details":{"error_code":"enforced_spend_limit_reached"}}}"#
        func refusal(_ seconds: Double) -> String {
            refused.replacingOccurrences(of: "STAMP", with: RFC3339.format(Self.start + seconds, fractionDigits: 3))
        }
        // Refused 40 minutes ago, then a success (resolved); refused again a minute ago (firing).
        let path = directory.write("app.jsonl", [refusal(0), exchange(100), refusal(2340)].joined(separator: "\n") + "\n")
        let live = try LiveSources(arguments: [path], format: nil, models: ModelCatalog(), diagnostics: Diagnostics())
        let driver = LiveMonitor(live: live, configuration: EngineConfiguration(table: try BundledLimitsTable.load()),
                                 rules: AlertRule.defaults, diagnostics: Diagnostics())
        let (transitions, second) = driver.step(wallNow: Self.start + 2400)
        #expect(second == Self.start + 2400)
        #expect(transitions.map(\.rule) == ["spend_cap_reached"])
        #expect(transitions.first?.state == .firing)
        #expect(transitions.first?.at == Self.start + 2340)
        // It fired and resolved once before, in the history.
        #expect(driver.monitor.alerts.firedByRule["spend_cap_reached"] == 2)
    }

    @Test func theKernelSaysWhichFilesChanged() throws {
        let directory = TemporaryDirectory()
        directory.write("logs/a.jsonl", exchange(0) + "\n")
        let live = try LiveSources(arguments: [directory.file("logs")], format: nil, models: ModelCatalog(), diagnostics: Diagnostics())
        #expect(live.watchesChanges, "inotify is available on Linux")
        var events: [Exchange] = []
        live.poll(now: Self.start + 10, into: &events)
        #expect(events.count == 1)
        // An append and a file in a new folder are seen at the next poll, not at the next sweep.
        let handle = try #require(FileHandle(forWritingAtPath: directory.file("logs/a.jsonl")))
        handle.seekToEndOfFile()
        handle.write(Data((exchange(11) + "\n").utf8))
        try handle.close()
        live.poll(now: Self.start + 10.1, into: &events)
        #expect(events.count == 2)
        directory.write("logs/new-project/b.jsonl", exchange(12) + "\n")
        live.poll(now: Self.start + 10.2, into: &events)
        live.poll(now: Self.start + 10.3, into: &events)
        #expect(events.count == 3)
        #expect(live.paths.count == 2)
    }

    /// A transcript's API error line names no model (`<synthetic>`): the session's earlier
    /// lines do. When `watch` starts reading after them, the lines just before its start are
    /// recalled for that, not counted: the error is the session's model's 429, not malformed.
    @Test func anAPIErrorAfterTheWarmUpsStartBelongsToTheSessionsEarlierModel() throws {
        let directory = TemporaryDirectory()
        func stamp(_ seconds: Double) -> String { RFC3339.format(Self.start + seconds, fractionDigits: 3) }
        let lines = [
            #"{"type":"user","timestamp":"\#(stamp(0))","sessionId":"s1","uuid":"u1","message":{"role":"user","content":"hi"}}"#,
            #"{"type":"assistant","timestamp":"\#(stamp(1))","sessionId":"s1","uuid":"a1","message":{"id":"msg_1","model":"claude-haiku-4-5-20251001","usage":{"input_tokens":10,"output_tokens":5}}}"#,
            #"{"type":"user","timestamp":"\#(stamp(7000))","sessionId":"s1","uuid":"u2","message":{"role":"user","content":"again"}}"#,
            #"{"type":"assistant","timestamp":"\#(stamp(7001))","sessionId":"s1","uuid":"e1","isApiErrorMessage":true,"apiErrorStatus":429,"error":"rate_limit","message":{"id":"x","model":"<synthetic>","usage":{"input_tokens":0,"output_tokens":0},"content":[{"type":"text","text":"API Error: 429 rate limit"}]}}"#,
        ]
        let path = directory.write("project/session.jsonl", lines.joined(separator: "\n") + "\n")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Self.start + 7001)], ofItemAtPath: path)
        let diagnostics = Diagnostics()
        let models = ModelCatalog()
        let live = try LiveSources(arguments: [path], format: nil, models: models, diagnostics: diagnostics)
        var events: [Exchange] = []
        live.poll(now: Self.start + 7200, into: &events)
        #expect(diagnostics.malformedLines == 0, "\(diagnostics.messages)")
        #expect(live.lines == 2, "the two lines of the last hour are read; the first two only recalled")
        let throttled = try #require(events.first)
        #expect(events.count == 1 && throttled.isThrottled)
        #expect(models.name(throttled.model) == "claude-haiku-4-5-20251001")
    }
}

import Foundation
import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopIO

/// `watch --headless` and `replay --headless --emit alerts` must tell the same story for the same
/// data: the live runner is driven second by second on a file that grows as the log's clock
/// passes, the replay reads the finished file, and their alert lines are compared.
@Suite(.tags(.unit)) struct HeadlessWatchTests {
    /// The bundled sample's 10:00–11:00 hour: the 10:30 backfill storm with its retries.
    static func stormHour() throws -> [(time: Double, line: String)] {
        let text = BundledSample.text
        let from = try #require(RFC3339.parse("2026-04-14T10:00:00Z")), to = try #require(RFC3339.parse("2026-04-14T11:00:00Z"))
        return text.split(separator: "\n").compactMap { line -> (Double, String)? in
            guard let start = line.range(of: #""ts":""#), let time = RFC3339.parse(String(line[start.upperBound...].prefix(24))),
                  time >= from, time < to else { return nil }
            return (time, String(line))
        }
    }

    @Test func liveAndReplayRaiseTheSameAlerts() throws {
        let lines = try Self.stormHour()
        try #require(lines.count > 100)
        let directory = TemporaryDirectory()
        let table = try BundledLimitsTable.load()
        let configuration = EngineConfiguration(table: table, tierID: "tier1")

        // Replay: the whole hour at once.
        let finished = directory.write("hour.jsonl", lines.map(\.line).joined(separator: "\n") + "\n")
        do {
            let sink = try OutputSink(path: directory.file("replay.out"))
            let runner = try ReplayRunner(options: ReplayOptions(paths: [finished], emitSummary: false, emitAlerts: true),
                                          configuration: configuration, output: sink, diagnostics: Diagnostics())
            runner.run()
        }

        // Live: the file grows as the clock passes each line's time; one step per second.
        let growing = directory.write("live.jsonl", "")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: growing))
        let diagnostics = Diagnostics()
        let live = try LiveSources(arguments: [growing], format: nil, models: ModelCatalog(), diagnostics: diagnostics)
        do {
            let sink = try OutputSink(path: directory.file("live.out"))
            let watch = HeadlessWatch(live: live, configuration: configuration, rules: AlertRule.defaults,
                                      options: .init(emitAlerts: true), output: sink, diagnostics: diagnostics)
            var next = 0
            var second = lines[0].time.rounded(.down)
            let end = lines[lines.count - 1].time.rounded(.up)
            while second <= end {
                var chunk = ""
                while next < lines.count, lines[next].time <= second {
                    chunk += lines[next].line + "\n"
                    next += 1
                }
                if !chunk.isEmpty { handle.write(Data(chunk.utf8)) }
                watch.step(wallNow: second)
                second += 1
            }
        }
        try handle.close()

        let replayed = directory.read("replay.out").split(separator: "\n")
        let followed = directory.read("live.out").split(separator: "\n")
        #expect(replayed.count >= 4, "the storm hour should raise and resolve alerts")
        #expect(replayed.contains { $0.contains(#""rule":"rate_429_storm","state":"firing""#) })
        #expect(followed == replayed)
        #expect(diagnostics.malformedLines == 0)
    }
}

import Foundation
import RatetopCore
import Testing
@testable import RatetopIO
import RatetopTestSupport

@Suite(.tags(.unit)) struct ReplayFeedTests {
    @Test func itsScheduleHandsEventsOutUpToTheClockAndAgainAfterReopening() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("a.jsonl", logFile([exchange(0), exchange(10), "garbage", exchange(20)].joined(separator: "\n")))
        let feed = try ReplayFeed(paths: [path], format: nil, models: ModelCatalog(), diagnostics: Diagnostics())
        let start = try #require(feed.firstTime)
        let table = try BundledLimitsTable.load()
        let monitor = Monitor(configuration: EngineConfiguration(table: table), models: feed.models)
        let schedule = feed.schedule(monitor: monitor)
        var seen: [Double] = []
        schedule.onEvent = { event, _ in seen.append(event.end - start) }
        schedule.advanceTime(to: start + 10) { _ in }
        #expect(seen == [0, 10])
        #expect(!schedule.drained)
        #expect(schedule.nextEventTime() == start + 20)
        schedule.advanceTime(to: start + 100) { _ in }
        #expect(seen == [0, 10, 20])
        #expect(schedule.drained)
        #expect(feed.diagnostics.malformedLines == 1)
        #expect(monitor.sources.map(\.name) == [path])
        let again = try feed.reopen(diagnostics: Diagnostics())
        var count = 0
        let replayed = again.schedule(monitor: Monitor(configuration: EngineConfiguration(table: table), models: again.models))
        replayed.onEvent = { _, _ in count += 1 }
        replayed.advanceTime(to: start + 100) { _ in }
        #expect(count == 3)
    }
}

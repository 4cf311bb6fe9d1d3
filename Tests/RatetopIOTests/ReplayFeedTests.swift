import Foundation
import RatetopCore
import Testing
@testable import RatetopIO
import RatetopTestSupport

@Suite(.tags(.unit)) struct ReplayFeedTests {
    @Test func eventsAreHandedOutUpToTheClockAndAgainAfterReopening() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("a.jsonl", logFile([exchange(0), exchange(10), "garbage", exchange(20)].joined(separator: "\n")))
        let feed = try ReplayFeed(paths: [path], format: nil, models: ModelCatalog(), diagnostics: Diagnostics())
        let start = try #require(feed.firstTime)
        var seen: [Double] = []
        feed.events(through: start + 10) { seen.append($0.end - start) }
        #expect(seen == [0, 10])
        #expect(!feed.finished)
        #expect(feed.nextTime == start + 20)
        feed.events(through: start + 100) { seen.append($0.end - start) }
        #expect(seen == [0, 10, 20])
        #expect(feed.finished)
        #expect(feed.diagnostics.malformedLines == 1)
        let again = try feed.reopen(diagnostics: Diagnostics())
        var count = 0
        again.events(through: start + 100) { _ in count += 1 }
        #expect(count == 3)
    }
}

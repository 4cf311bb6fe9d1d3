import Testing
@testable import RatetopCore
import RatetopTestSupport

/// The merge of several streams, and the copies of a transcript event it drops.
@Suite(.tags(.unit)) struct MergedEventsTests {
    final class ListStream: EventStream {
        var events: [Exchange]
        init(_ events: [Exchange]) { self.events = events }
        func next() -> Exchange? { events.isEmpty ? nil : events.removeFirst() }
    }

    static func event(_ end: Double, key: UInt64 = 0, source: Int32, line: Int, output: Int = 1) -> Exchange {
        var event = Exchange(end: end, model: ModelRef(index: 0), usage: Usage(outputTokens: output),
                             origin: LineOrigin(source: source, line: line))
        event.dedupKey = key
        return event
    }

    static func drain(_ merged: inout MergedEvents) -> [String] {
        var seen: [String] = []
        while let time = merged.peekTime() {
            let event = merged.next()!
            #expect(event.end == time, "the time peeked is the time taken")
            seen.append("\(event.origin.source):\(event.origin.line)")
        }
        return seen
    }

    @Test func streamsAreMergedByTimeTiesToTheLowerStream() {
        var merged = MergedEvents([
            ListStream([Self.event(1, source: 0, line: 1), Self.event(3, source: 0, line: 2)]),
            ListStream([Self.event(1, source: 1, line: 1), Self.event(2, source: 1, line: 2)]),
        ])
        #expect(Self.drain(&merged) == ["0:1", "1:1", "1:2", "0:2"])
    }

    @Test func aCopyFromAnotherStreamIsDroppedOncePerLine() {
        var copies: [Int] = []
        let streams = [
            // The original: a message, then a `claude -p` result's two events (one line, one key).
            ListStream([Self.event(10, key: 7, source: 0, line: 1), Self.event(50, key: 9, source: 0, line: 4),
                        Self.event(50, key: 9, source: 0, line: 4)]),
            // The resumed session: the message copied with its stamp (later snapshot: ends later),
            // the result copied, and a message of its own.
            ListStream([Self.event(10.5, key: 7, source: 1, line: 1), Self.event(60, key: 9, source: 1, line: 2),
                        Self.event(60, key: 9, source: 1, line: 2), Self.event(70, key: 11, source: 1, line: 3)]),
            ListStream([Self.event(5, source: 2, line: 1), Self.event(65, source: 2, line: 2)]),
        ]
        var merged = MergedEvents(streams, dropCopies: true) { copies.append($0) }
        #expect(Self.drain(&merged) == ["2:1", "0:1", "0:4", "0:4", "2:2", "1:3"])
        #expect(copies == [1, 1], "two lines of stream 1 dropped, whatever their events")
    }

    @Test func withoutDropCopiesNothingIsDropped() {
        var merged = MergedEvents([
            ListStream([Self.event(10, key: 7, source: 0, line: 1)]),
            ListStream([Self.event(10, key: 7, source: 1, line: 1)]),
        ])
        #expect(Self.drain(&merged) == ["0:1", "1:1"])
    }

    @Test func aStreamRepeatingItsOwnKeyKeepsIt() {
        // A file's decoder already decided about its own lines (say, a key its memory forgot).
        var merged = MergedEvents([
            ListStream([Self.event(10, key: 7, source: 0, line: 1), Self.event(20, key: 7, source: 0, line: 9)]),
            ListStream([Self.event(15, source: 1, line: 1)]),
        ], dropCopies: true)
        #expect(Self.drain(&merged) == ["0:1", "1:1", "0:9"])
    }

    @Test func keysAreForgottenAWindowBehindTheNewest() {
        let copies = CrossStreamDedup(window: 100)
        #expect(copies.verdict(Self.event(0, key: 1, source: 0, line: 1), stream: 0) == .take)
        #expect(copies.verdict(Self.event(0, key: 1, source: 1, line: 1), stream: 1) == .drop(newLine: true))
        #expect(copies.verdict(Self.event(0, key: 1, source: 1, line: 1), stream: 1) == .drop(newLine: false))
        #expect(copies.verdict(Self.event(101, key: 2, source: 0, line: 2), stream: 0) == .take)
        #expect(copies.count == 1, "key 1 is 101 s behind the newest")
        #expect(copies.verdict(Self.event(0, key: 1, source: 1, line: 5), stream: 1) == .take)
        let small = CrossStreamDedup(capacity: 2)
        for key: UInt64 in 1...3 { _ = small.verdict(Self.event(0, key: key, source: 0, line: Int(key)), stream: 0) }
        #expect(small.count == 2)
        #expect(small.verdict(Self.event(0, key: 1, source: 1, line: 1), stream: 1) == .take, "the oldest went first")
    }
}

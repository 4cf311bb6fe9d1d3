import RatetopCore
import Testing
import RatetopTestSupport

/// The use per second behind the activity graph: counted as the buckets consume, bounded.
@Suite(.tags(.unit)) struct UseHistoryTests {
    static let id = "sonnet-4.x"

    func series(_ history: UseHistory, _ dimension: Dimension, through now: Double, seconds: Int) -> [Double?] {
        history.use(classID: Self.id, dimension: dimension, through: now, seconds: seconds)
    }

    @Test func requestsAndInputAtTheStartOutputSpreadToTheEnd() {
        var history = UseHistory()
        // Started at 100.4, ended at 103.9: input at 100, output over 100...103 (4 seconds).
        history.record(classID: Self.id, requests: 1, input: 2000, output: 400, start: 100.4, end: 103.9)
        #expect(series(history, .requests, through: 105, seconds: 7) == [nil, 1, 0, 0, 0, 0, 0])
        #expect(series(history, .inputTokens, through: 105, seconds: 7) == [nil, 2000, 0, 0, 0, 0, 0])
        #expect(series(history, .outputTokens, through: 105, seconds: 7) == [nil, 100, 100, 100, 100, 0, 0])
        // Another class, or a time before anything: unknown.
        #expect(history.use(classID: "opus-4.x", dimension: .requests, through: 105, seconds: 2) == [nil, nil])
    }

    @Test func eventsInTheSameSecondAddUpAndIdleIsZero() {
        var history = UseHistory()
        for offset in 0..<5 {
            history.record(classID: Self.id, requests: 1, input: 100, output: 0, start: 200 + Double(offset) * 0.1, end: 200.5)
        }
        #expect(series(history, .requests, through: 202, seconds: 3) == [5, 0, 0])
        #expect(series(history, .inputTokens, through: 202, seconds: 3) == [500, 0, 0])
        // Much later, after a quiet hour and more: idle, not unknown.
        #expect(series(history, .requests, through: 20_000, seconds: 3) == [0, 0, 0])
    }

    @Test func aLateArrivingLongGenerationFillsThePastSeconds() {
        var history = UseHistory()
        history.record(classID: Self.id, requests: 1, input: 10, output: 10, start: 1000, end: 1000)
        // Arrives at 1300, started 10 minutes before: its output is spread over 700...1300.
        history.record(classID: Self.id, requests: 1, input: 0, output: 601, start: 700, end: 1300)
        let output = series(history, .outputTokens, through: 1301, seconds: 4)
        #expect(output == [1, 1, 1, 0])
        let all = series(history, .outputTokens, through: 1300, seconds: 601).compactMap { $0 }
        #expect(abs(all.reduce(0, +) - (601 + 10)) < 1e-6)
    }

    @Test func theRingIsBoundedAndKeepsTheLastHourAcrossGaps() {
        var history = UseHistory()
        var time = 0.0
        for index in 0..<20_000 {
            time += index > 0 && index % 1000 == 0 ? 100_000 : 0.7  // now and then a long gap
            history.record(classID: Self.id, requests: 1, input: 50, output: 20, start: time - 2, end: time)
        }
        let window = series(history, .requests, through: time, seconds: UseHistory.seconds)
        #expect(window.count == UseHistory.seconds)
        // The last 1,000 requests came in the last 700 s, after a gap: the rest of the hour is idle.
        #expect(window.allSatisfy { $0 != nil && $0! >= 0 })
        #expect(abs(window.compactMap { $0 }.reduce(0, +) - 1000) < 1e-6)
        let output = series(history, .outputTokens, through: time, seconds: UseHistory.seconds).compactMap { $0 }
        #expect(abs(output.reduce(0, +) - 20 * 1000) < 1e-6)
    }

    @Test func absurdTimesAreIgnoredNotTrapped() {
        var history = UseHistory()
        history.record(classID: Self.id, requests: 1, input: 1, output: 1, start: 1e300, end: .infinity)
        history.record(classID: Self.id, requests: 1, input: 1, output: 1, start: 10, end: 10)
        #expect(series(history, .requests, through: 1e300, seconds: 1) == [nil])
        #expect(series(history, .requests, through: .nan, seconds: 1) == [nil])
        #expect(series(history, .requests, through: 10, seconds: 1) == [1])
    }

    @Test func resetForgetsEverything() {
        var history = UseHistory()
        history.record(classID: Self.id, requests: 1, input: 1, output: 1, start: 5, end: 5)
        history.reset()
        #expect(series(history, .requests, through: 5, seconds: 1) == [nil])
    }
}

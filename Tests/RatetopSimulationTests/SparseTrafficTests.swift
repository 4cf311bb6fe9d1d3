import RatetopCore
import RatetopSimulation
import RatetopTestSupport
import Testing

@Suite("SparseTraffic", .tags(.unit))
struct SparseTrafficTests {
    static let start = Shapes.epoch("2026-09-21")
    static let span = 21.0 * 86_400
    /// Three weeks, 30,000 lines.
    static let log: (bytes: [UInt8], attempts: [SimulatedAttempt]) = {
        var traffic = SparseTraffic(lines: 30_000, start: start, span: span, seed: 11)
        return Shapes.exchangeLog(&traffic, seed: 11)
    }()

    @Test func exactlyTheLinesAskedFor() {
        #expect(Self.log.attempts.count == 30_000)
        #expect(Shapes.lines(Self.log.bytes).count == 30_000)
        for lines in [1, 2, 3, 17, 1_000] {
            var traffic = SparseTraffic(lines: lines, start: Self.start, span: 14 * 86_400, seed: 3)
            #expect(Shapes.exchangeLog(&traffic).attempts.count == lines, "\(lines) lines")
        }
    }

    @Test func inOrderAndSpreadOverTheSpan() throws {
        let ends = Self.log.attempts.map(\.end)
        #expect(ends == ends.sorted())
        let first = try #require(ends.first), last = try #require(ends.last)
        #expect(first >= Self.start && last <= Self.start + Self.span)
        // The first working morning and the last working days (the span ends on a Monday).
        #expect(first < Self.start + 19 * 3_600)
        #expect(last > Self.start + Self.span - 4 * 86_400)
    }

    @Test func nightsAndWeekendsAreMostlyIdle() {
        let working = Self.log.attempts.filter { Shapes.isWorkingHours($0.end) }.count
        #expect(Double(working) / Double(Self.log.attempts.count) > 0.97)
        // Idle gaps of hours on most nights; weekends nearly empty.
        let ends = Self.log.attempts.map(\.end)
        let gaps = zip(ends, ends.dropFirst()).map { $1 - $0 }
        #expect(gaps.filter { $0 > 10 * 3_600 }.count >= 12)
        let weekend = Self.log.attempts.filter { !WorkCalendar.isWeekday($0.end) }.count
        #expect(Double(weekend) / Double(Self.log.attempts.count) < 0.02)
        // Every weekday has traffic.
        var days = Set<Int>()
        for end in ends { days.insert(Int(end / 86_400)) }
        let weekdays = (0..<21).map { Int(Self.start / 86_400) + $0 }.filter { WorkCalendar.isWeekday(Double($0) * 86_400) }
        #expect(weekdays.allSatisfy { days.contains($0) })
    }

    @Test func workHourBurstsAndStorms() {
        let traffic = SparseTraffic(lines: 30_000, start: Self.start, span: Self.span, seed: 11)
        #expect(traffic.bursts.contains { $0.kind == .storm })
        #expect(traffic.bursts.map(\.lines).reduce(0, +) == 30_000)
        let throttled = Self.log.attempts.filter { $0.status == 429 }
        #expect(throttled.count > 300, "\(throttled.count) 429s")
        // The 429s come in storms: most of them within a minute of another.
        let ends = throttled.map(\.end)
        let clustered = zip(ends, ends.dropFirst()).filter { $1 - $0 < 60 }.count
        #expect(Double(clustered) / Double(max(1, ends.count - 1)) > 0.9)
        // A minute in a burst is far busier than the average minute of the span.
        var perMinute: [Int: Int] = [:]
        for attempt in Self.log.attempts { perMinute[Int(attempt.end / 60), default: 0] += 1 }
        let busiest = perMinute.values.max() ?? 0
        #expect(Double(busiest) > 20 * Double(Self.log.attempts.count) / (Self.span / 60))
        #expect(Double(perMinute.count) < 0.25 * Self.span / 60, "most minutes are idle")
    }

    @Test func twoLinesAYearApart() throws {
        let start = Shapes.epoch("2025-12-01")
        var traffic = SparseTraffic(lines: 2, start: start, span: 365 * 86_400, seed: 7)
        let log = Shapes.exchangeLog(&traffic)
        #expect(log.attempts.count == 2)
        let first = try #require(log.attempts.first), last = try #require(log.attempts.last)
        #expect(last.end - first.end > 360 * 86_400)
        #expect(first.end >= start && last.end <= start + 365 * 86_400)
    }

    @Test func ratetopDecodesEveryLine() {
        var decoder = ExchangeLogDecoder(models: ModelCatalog())
        let lines = Shapes.lines(Self.log.bytes)
        let decoded = Shapes.decode(lines, with: &decoder)
        #expect(decoded.outcomes.allSatisfy { $0 == .decoded })
        #expect(decoded.events.count == 30_000)
        #expect(Shapes.detect(lines) == .exchange)
    }

    @Test func sameSeedSameBytes() {
        var again = SparseTraffic(lines: 30_000, start: Self.start, span: Self.span, seed: 11)
        #expect(Shapes.exchangeLog(&again, seed: 11).bytes == Self.log.bytes)
        var other = SparseTraffic(lines: 30_000, start: Self.start, span: Self.span, seed: 12)
        #expect(Shapes.exchangeLog(&other, seed: 11).bytes != Self.log.bytes)
    }
}

import RatetopCore
import RatetopSimulation
import RatetopTestSupport
import Testing

@Suite("DenseTraffic and LateLines", .tags(.unit))
struct DenseAndLateTrafficTests {
    @Test(arguments: [(20_000, 1_800.0), (10_000, 3 * 3_600.0)])
    func denseLinesFillTheSpanAskedFor(_ lines: Int, _ span: Double) throws {
        var simulation = TrafficSimulation(model: DenseTraffic.model(lines: lines, span: span, seed: 5), seed: 5)
        var ends: [Double] = []
        while ends.count < lines, let attempt = simulation.nextAttempt() { ends.append(attempt.end) }
        #expect(ends.count == lines)
        let covered = try #require(ends.last) - (try #require(ends.first))
        #expect(abs(covered - span) < 0.15 * span, "\(lines) lines cover \(covered) s, asked \(span) s")
    }

    @Test func theBenchmarkModelIsUnchangedAtScaleOne() {
        let model = TrafficModel.benchmark(hours: 3)
        #expect(model.streams.count == 4 + 2)
        #expect(model.streams.compactMap { if case .poisson(let profile) = $0.arrivals { profile.perMinute } else { nil } }
                == [900, 180, 650, 160])
        #expect(model.streams.allSatisfy {
            if case .workers(let count, _, let total) = $0.arrivals { count == 400 && total == 12_000 } else { true }
        })
    }

    /// 10,000 lines over about ten minutes.
    static let baseAttempts: [SimulatedAttempt] = {
        var simulation = TrafficSimulation(model: DenseTraffic.model(lines: 10_000, span: 600, seed: 3), seed: 3)
        return attempts(&simulation, limit: 10_000)
    }()

    static func base() -> Attempts {
        Attempts(baseAttempts)
    }

    static func attempts<Source: AttemptSource>(_ source: inout Source, limit: Int = .max) -> [SimulatedAttempt] {
        var out: [SimulatedAttempt] = []
        while out.count < limit, let attempt = source.nextAttempt() { out.append(attempt) }
        return out
    }

    @Test func lateLinesKeepEveryAttemptAndEachWorkersOrder() {
        var plain = Self.base()
        let original = Self.attempts(&plain)
        var late = LateLines(base: Self.base(), workers: 6, flushDelay: 0.2...3, stallChance: 0, seed: 1)
        let shuffled = Self.attempts(&late)
        #expect(shuffled.count == original.count)
        func key(_ attempt: SimulatedAttempt) -> String { "\(attempt.callID)/\(attempt.retryNumber)" }
        #expect(shuffled.map(key).sorted() == original.map(key).sorted())
        // A call's attempts (its retries) stay in order.
        var lastOfCall: [Int: Int] = [:]
        for attempt in shuffled {
            #expect((lastOfCall[attempt.callID] ?? -1) < attempt.retryNumber)
            lastOfCall[attempt.callID] = attempt.retryNumber
        }
        // Lines are late by up to the flush delay, never more.
        var newest = -Double.infinity
        var lateCount = 0
        var latest = 0.0
        for attempt in shuffled {
            if attempt.end < newest {
                lateCount += 1
                latest = max(latest, newest - attempt.end)
            }
            newest = max(newest, attempt.end)
        }
        #expect(lateCount > shuffled.count / 10)
        #expect(latest > 1 && latest <= 3 + 1e-9, "latest by \(latest) s")
    }

    @Test func stalledWorkersWriteMinutesLate() {
        var late = LateLines(base: Self.base(), workers: 4, flushDelay: 0.2...1, stallChance: 0.02,
                             stallDelay: 60...120, seed: 2)
        let shuffled = Self.attempts(&late)
        var newest = -Double.infinity
        var minutesLate = 0
        for attempt in shuffled {
            if newest - attempt.end > 60 { minutesLate += 1 }
            newest = max(newest, attempt.end)
        }
        #expect(minutesLate > 0)
        #expect(Double(minutesLate) < 0.2 * Double(shuffled.count))
    }

    @Test func lateLogDecodesAndIsReproducible() {
        func log() -> [UInt8] {
            var late = LateLines(base: Self.base(), workers: 8, seed: 9)
            return Shapes.exchangeLog(&late, seed: 9).bytes
        }
        let bytes = log()
        var decoder = ExchangeLogDecoder(models: ModelCatalog())
        let decoded = Shapes.decode(Shapes.lines(bytes), with: &decoder)
        #expect(decoded.outcomes.allSatisfy { $0 == .decoded })
        #expect(log() == bytes)
    }
}

/// Attempts handed out from an array.
struct Attempts: AttemptSource {
    private var attempts: [SimulatedAttempt]
    private var next = 0

    init(_ attempts: [SimulatedAttempt]) {
        self.attempts = attempts
    }

    mutating func nextAttempt() -> SimulatedAttempt? {
        guard next < attempts.count else { return nil }
        next += 1
        return attempts[next - 1]
    }
}

@testable import RatetopCore
import RatetopUI

/// Deterministic dashboard models for the snapshot tests.
enum DashboardFixtures {
    /// 2026-11-20 09:03:11Z.
    static let clock = 1_795_165_391.0

    static func state(classID: String, models: [String], tier: String?, limits: PerDimension<Int?>,
                      source: LimitsSource, remaining: PerDimension<Double?>, rate: PerDimension<Double>,
                      secondsToEmpty: PerDimension<Double?> = PerDimension(repeating: nil),
                      cacheHitRate: Double? = nil, rate429: Double? = nil, requests429: Int = 0,
                      requests529: Int = 0, untracked: PerDimension<Double> = PerDimension(repeating: 0),
                      lastRetryAfter: Double? = nil, uncached: Double = 0, cacheRead: Double = 0,
                      cacheCreation: Double = 0, cacheReadsCount: Bool = false) -> BucketState {
        BucketState(classID: classID, models: models, tier: tier, limits: limits, limitsSource: source,
                    remaining: remaining, ratePerMinute: rate, secondsToEmpty: secondsToEmpty,
                    cacheHitRate: cacheHitRate, rate429: rate429, requests429: requests429,
                    requests529: requests529, untrackedPerMinute: untracked, lastRetryAfter: lastRetryAfter,
                    uncachedInput5m: uncached, cacheRead5m: cacheRead, cacheCreation5m: cacheCreation,
                    cacheReadsCount: cacheReadsCount)
    }

    /// A piecewise-linear series of `count` samples through `points` (fractions of the length).
    static func series(count: Int, capacity: Double, points: [(Double, Double)], gapUntil: Int = 0) -> [Double?] {
        (0..<count).map { index in
            if index < gapUntil { return nil }
            let t = Double(index) / Double(max(1, count - 1))
            var previous = points[0]
            for point in points.dropFirst() {
                if t <= point.0 {
                    let span = point.0 - previous.0
                    let u = span > 0 ? (t - previous.0) / span : 0
                    return (previous.1 + (point.1 - previous.1) * u) * capacity
                }
                previous = point
            }
            return previous.1 * capacity
        }
    }

    /// Use per second, bursty: `count` seconds whose average share of the refill rate follows
    /// `points` (fractions of the length → share), as spikes of three times that share in 3 of
    /// every 11 seconds (a fixed pattern, so snapshots are stable).
    static func useSeries(count: Int, limit: Double, points: [(Double, Double)], gapUntil: Int = 0) -> [Double?] {
        let shares = series(count: count, capacity: 1, points: points, gapUntil: gapUntil)
        return shares.enumerated().map { index, share in
            guard let share else { return nil }
            return (index * 37) % 11 < 3 ? share * 11 / 3 * limit / 60 : 0
        }
    }

    /// Sonnet with its admission line: a p95 request of 14k input waits for ITPM (3.6k left,
    /// refilling at 500/s while 435/s are consumed).
    static let sonnet: ClassPanel = {
        var panel = sonnetWithoutAdmission
        let request = RequestSize(inputTokens: 14_000, outputTokens: 900)
        panel.admission = AdmissionLine(request: request, scale: 0, forecast: AdmissionForecast.forecast(for: request, in: panel.state))
        return panel
    }()

    static let sonnetWithoutAdmission = ClassPanel(
        state: state(classID: "sonnet-4.x", models: ["claude-sonnet-4-5-20250929"], tier: "tier1",
                     limits: PerDimension(requests: 50, inputTokens: 30_000, outputTokens: 8_000), source: .headers,
                     remaining: PerDimension(requests: 20.5, inputTokens: 3_600, outputTokens: 7_400),
                     rate: PerDimension(requests: 31, inputTokens: 26_100, outputTokens: 2_900),
                     secondsToEmpty: PerDimension(requests: nil, inputTokens: 42, outputTokens: nil),
                     cacheHitRate: 0.81, rate429: 0.04, requests429: 3, requests529: 1,
                     untracked: PerDimension(requests: 0, inputTokens: 1_200, outputTokens: 0),
                     lastRetryAfter: 9, uncached: 22_100, cacheRead: 120_400, cacheCreation: 8_200),
        history: PerDimension(
            requests: series(count: 300, capacity: 50, points: [(0, 1), (0.3, 0.8), (0.5, 0.35), (0.7, 0.6), (1, 0.41)],
                             gapUntil: 20),
            inputTokens: series(count: 300, capacity: 30_000, points: [(0, 1), (0.4, 0.7), (0.6, 0.9), (1, 0.12)],
                                gapUntil: 20),
            outputTokens: series(count: 300, capacity: 8_000, points: [(0, 1), (0.5, 0.85), (1, 0.925)], gapUntil: 20)),
        drainers: sonnetDrainers,
        use: PerDimension(
            requests: useSeries(count: 300, limit: 50, points: [(0, 0.2), (0.3, 0.5), (0.5, 0.9), (0.7, 0.4), (1, 0.62)],
                                gapUntil: 20),
            inputTokens: useSeries(count: 300, limit: 30_000, points: [(0, 0.1), (0.4, 0.4), (0.6, 0.2), (1, 0.87)],
                                   gapUntil: 20),
            outputTokens: useSeries(count: 300, limit: 8_000, points: [(0, 0.3), (0.5, 0.4), (1, 0.36)], gapUntil: 20)))

    static let sonnetDrainers = [
        Drainer(name: "billing-agent", sharePerDimension: PerDimension(requests: 0.45, inputTokens: 0.62, outputTokens: 0.30),
                perMinute: PerDimension(requests: 14, inputTokens: 16_200, outputTokens: 870)),
        Drainer(name: "support-bot", sharePerDimension: PerDimension(requests: 0.35, inputTokens: 0.25, outputTokens: 0.55),
                perMinute: PerDimension(requests: 11, inputTokens: 6_500, outputTokens: 1_600)),
        Drainer(name: "claude-code: ~/src/ratetop (session 7f3a9c21-long-session-identifier)",
                sharePerDimension: PerDimension(requests: 0.15, inputTokens: 0.10, outputTokens: 0.12),
                perMinute: PerDimension(requests: 4.5, inputTokens: 2_600, outputTokens: 350)),
        Drainer(name: "nightly-evals", sharePerDimension: PerDimension(requests: 0.05, inputTokens: 0.03, outputTokens: 0.03),
                perMinute: PerDimension(requests: 1.5, inputTokens: 800, outputTokens: 80)),
    ]

    static let haiku = ClassPanel(
        state: state(classID: "haiku-4.5", models: ["claude-haiku-4-5"], tier: "tier1",
                     limits: PerDimension(requests: 50, inputTokens: 50_000, outputTokens: 10_000), source: .headers,
                     remaining: PerDimension(requests: 44, inputTokens: 45_000, outputTokens: 9_800),
                     rate: PerDimension(requests: 6, inputTokens: 5_000, outputTokens: 200),
                     cacheHitRate: 0.1, rate429: 0, uncached: 20_000, cacheRead: 2_000, cacheCreation: 0),
        history: PerDimension(repeating: series(count: 300, capacity: 1, points: [(0, 1), (1, 1)])),
        use: PerDimension(repeating: Array(repeating: 0, count: 300)))

    static let opus = ClassPanel(
        state: state(classID: "opus-4.x", models: ["claude-opus-4-1"], tier: nil,
                     limits: PerDimension(repeating: nil), source: .unknown,
                     remaining: PerDimension(repeating: nil),
                     rate: PerDimension(requests: 2, inputTokens: 1_400, outputTokens: 300)))

    static func model(mode: DashboardModel.Mode = .replay(speed: 10, paused: false, finished: false),
                      selected: Int = 0) -> DashboardModel {
        DashboardModel(mode: mode, clock: clock, sources: ["samples/day.jsonl"], classes: [sonnet, haiku, opus],
                       selectedClass: selected, graphWindowMinutes: 5, grouping: "project", linesRead: 12_345,
                       malformedLines: 2, lastProblem: "day.jsonl:17: unterminated string")
    }

    static func render(_ model: DashboardModel, width: Int, height: Int, glyphs: Glyphs = .unicode) -> CellGrid {
        var grid = CellGrid(width: width, height: height)
        DashboardView.render(model, into: &grid, glyphs: glyphs)
        return grid
    }
}

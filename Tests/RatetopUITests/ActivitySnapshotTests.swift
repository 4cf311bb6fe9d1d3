import RatetopCore
import RatetopUI
import Testing
import RatetopTestSupport

/// The activity graph (use against the refill rate), the level graph behind `v`, the
/// one-line-per-class overview and the demo's header, at 80×24 and 120×40.
@Suite(.tags(.unit)) struct ActivitySnapshotTests {
    typealias F = DashboardFixtures

    /// The sonnet class alone, with its use per second following `shares` of the refill rate.
    static func sonnetAlone(shares: [(Double, Double)]?, rate: PerDimension<Double>,
                            remaining: PerDimension<Double?>, secondsToEmpty: PerDimension<Double?>) -> DashboardModel {
        var panel = F.sonnet
        panel.state.ratePerMinute = rate
        panel.state.remaining = remaining
        panel.state.secondsToEmpty = secondsToEmpty
        if let shares {
            panel.use = PerDimension(
                requests: F.useSeries(count: 300, limit: 50, points: shares, gapUntil: 20),
                inputTokens: F.useSeries(count: 300, limit: 30_000, points: shares, gapUntil: 20),
                outputTokens: F.useSeries(count: 300, limit: 8_000, points: shares.map { ($0.0, $0.1 / 3) }, gapUntil: 20))
        } else {
            panel.use = PerDimension(repeating: Array(repeating: nil, count: 20) + Array(repeating: 0, count: 280))
        }
        var model = F.model()
        model.classes = [panel]
        return model
    }

    static let atRest = sonnetAlone(shares: nil, rate: PerDimension(repeating: 0),
                                    remaining: PerDimension(requests: 50, inputTokens: 30_000, outputTokens: 8_000),
                                    secondsToEmpty: PerDimension(repeating: nil))

    static let draining = sonnetAlone(shares: [(0, 0), (0.3, 0.2), (0.5, 0.8), (0.8, 0.5), (1, 0.9)],
                                      rate: PerDimension(requests: 31, inputTokens: 26_100, outputTokens: 2_900),
                                      remaining: PerDimension(requests: 20.5, inputTokens: 3_600, outputTokens: 7_400),
                                      secondsToEmpty: PerDimension(requests: nil, inputTokens: 42, outputTokens: nil))

    static let overLimit = sonnetAlone(shares: [(0, 0.3), (0.4, 0.9), (0.6, 1.4), (1, 1.6)],
                                       rate: PerDimension(requests: 80, inputTokens: 48_000, outputTokens: 4_300),
                                       remaining: PerDimension(requests: 0.5, inputTokens: 0, outputTokens: 5_100),
                                       secondsToEmpty: PerDimension(requests: 1, inputTokens: 0, outputTokens: 120))

    static let sizes = [(80, 24), (120, 40)]

    @Test(arguments: sizes) func activityAtRest(width: Int, height: Int) {
        let grid = F.render(Self.atRest, width: width, height: height)
        assertSnapshot(grid.lines(), named: "activity-rest-\(width)x\(height)")
        // Empty but for the 100 % line: not a solid block.
        #expect(!grid.lines().joined().contains("⣿"))
    }

    @Test(arguments: sizes) func activityDraining(width: Int, height: Int) {
        assertSnapshot(F.render(Self.draining, width: width, height: height).lines(), named: "activity-draining-\(width)x\(height)")
    }

    @Test(arguments: sizes) func activityOverTheLimit(width: Int, height: Int) {
        let grid = F.render(Self.overLimit, width: width, height: height)
        assertSnapshot(grid.lines(), named: "activity-over-limit-\(width)x\(height)")
        // Bars over the line are warnings, bars cut off at the top critical.
        let styles = grid.styleLines().joined()
        #expect(styles.contains("w") && styles.contains("C"))
    }

    @Test(arguments: sizes) func levelGraphAfterV(width: Int, height: Int) {
        var model = Self.draining
        model.graphKind = .level
        assertSnapshot(F.render(model, width: width, height: height).lines(), named: "level-\(width)x\(height)")
    }

    @Test func asciiAndBlockGraphsDrawTheLine() {
        assertSnapshot(F.render(Self.overLimit, width: 80, height: 24, glyphs: .ascii).lines(), named: "activity-ascii-80x24")
        assertSnapshot(F.render(Self.overLimit, width: 80, height: 24, glyphs: .unicodeBlocks).lines(),
                       named: "activity-blocks-80x24")
    }

    // MARK: Overview

    /// `count` classes: the fixtures' three, then renamed copies with other levels.
    static func classes(_ count: Int) -> [ClassPanel] {
        let names = ["sonnet-4.x", "haiku-4.5", "opus-4.x", "opus-4.x-fast", "sonnet-5", "opus-5", "haiku-3.5", "sonnet-3.7"]
        let base = [F.sonnet, F.haiku, F.opus]
        return (0..<count).map { index in
            var panel = base[index % 3]
            panel.state.classID = names[index]
            let limits = panel.state.limits
            if index >= 3, limits.requests != nil {
                let left = [0.05, 0.5, 0.97, 0.3, 0.8][index % 5]
                panel.state.remaining = PerDimension(requests: Double(limits.requests ?? 0) * left,
                                                     inputTokens: Double(limits.inputTokens ?? 0) * (1 - left / 2),
                                                     outputTokens: Double(limits.outputTokens ?? 0) * left)
                panel.state.rate429 = index % 2 == 0 ? 0.125 : 0
            }
            return panel
        }
    }

    @Test(arguments: [1, 3, 8], [(80, 24), (120, 40)])
    func overview(classes count: Int, size: (Int, Int)) {
        var model = F.model()
        model.classes = Self.classes(count)
        model.selectedClass = count > 1 ? 1 : 0
        let grid = F.render(model, width: size.0, height: size.1)
        assertSnapshot(grid.lines(), named: "overview-\(count)-\(size.0)x\(size.1)")
    }

    @Test(arguments: [(2, 24, 2), (3, 24, 0), (8, 24, 0), (2, 23, 0), (1, 40, 0), (8, 40, 8), (18, 40, 18), (19, 40, 0)])
    func theOverviewNeedsRoomForTheDetail(classes: Int, height: Int, rows: Int) {
        #expect(DashboardView.overviewRows(classes: classes, width: 80, height: height) == rows)
        // Never in the compact layout.
        #expect(DashboardView.overviewRows(classes: 3, width: 60, height: 40) == 0)
    }

    @Test func theSelectedRowIsMarkedAndTheDetailFollowsIt() {
        var model = F.model()
        model.classes = Self.classes(3)
        model.selectedClass = 1
        let lines = F.render(model, width: 120, height: 40).lines()
        #expect(lines[2].hasPrefix("▸2 haiku-4.5"))
        #expect(lines[4].contains("haiku-4.5") && lines[4].contains("left"))
    }

    // MARK: Demo

    @Test(arguments: sizes) func theDemoHeaderNamesTheSample(width: Int, height: Int) {
        var model = F.model()
        model.sources = ["/tmp/ratetop-demo-1234/day.jsonl"]
        model.sourceLabel = "sample: a day on Tier 1"
        let lines = F.render(model, width: width, height: height).lines()
        assertSnapshot(Array(lines.prefix(1)), named: "demo-header-\(width)x\(height)")
        #expect(lines[0].hasSuffix("sample: a day on Tier 1 ") && !lines[0].contains("tmp"))
    }
}

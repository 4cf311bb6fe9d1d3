import RatetopCore
import RatetopUI
import Testing
import RatetopTestSupport

/// The whole dashboard, drawn into grids of several sizes and compared with golden files.
@Suite(.tags(.unit)) struct DashboardSnapshotTests {
    typealias F = DashboardFixtures

    @Test func full80x24() {
        let grid = F.render(F.model(), width: 80, height: 24)
        assertSnapshot(grid.lines(), named: "full-80x24")
        assertSnapshot(grid.styleLines(), named: "full-80x24.styles")
    }

    @Test func smallestFull70x20() {
        assertSnapshot(F.render(F.model(), width: 70, height: 20).lines(), named: "full-70x20")
    }

    @Test func full120x40() {
        assertSnapshot(F.render(F.model(), width: 120, height: 40).lines(), named: "full-120x40")
    }

    @Test func compact60x16() {
        assertSnapshot(F.render(F.model(), width: 60, height: 16).lines(), named: "compact-60x16")
    }

    @Test func tooSmall40x10() {
        assertSnapshot(F.render(F.model(), width: 40, height: 10).lines(), named: "too-small-40x10")
    }

    @Test func ascii80x24() {
        assertSnapshot(F.render(F.model(), width: 80, height: 24, glyphs: .ascii).lines(), named: "ascii-80x24")
    }

    @Test func blocks80x24Live() {
        let model = F.model(mode: .live)
        assertSnapshot(F.render(model, width: 80, height: 24, glyphs: .unicodeBlocks).lines(), named: "blocks-live-80x24")
    }

    @Test func unknownLimits80x24() {
        assertSnapshot(F.render(F.model(selected: 2), width: 80, height: 24).lines(), named: "unknown-limits-80x24")
    }

    @Test func helpOverlay80x24() {
        var model = F.model(mode: .live)
        model.showHelp = true
        assertSnapshot(F.render(model, width: 80, height: 24).lines(), named: "help-80x24")
    }

    @Test func expandedGraph80x24() {
        var model = F.model(mode: .replay(speed: 0.5, paused: true, finished: false))
        model.expanded = .graph
        assertSnapshot(F.render(model, width: 80, height: 24).lines(), named: "expanded-graph-80x24")
    }

    @Test(arguments: [Panel.buckets, .cache, .throttling, .drainers])
    func expandedPanel80x24(panel: Panel) {
        var model = F.model()
        model.expanded = panel
        assertSnapshot(F.render(model, width: 80, height: 24).lines(), named: "expanded-\(panel.rawValue)-80x24")
    }

    @Test func hostileNumbersNeverTrap() {
        var state = F.sonnet.state
        state.remaining = PerDimension(requests: .nan, inputTokens: -.infinity, outputTokens: 1e300)
        state.ratePerMinute = PerDimension(requests: .infinity, inputTokens: -5, outputTokens: .nan)
        state.secondsToEmpty = PerDimension(requests: .nan, inputTokens: .infinity, outputTokens: -3)
        state.limits = PerDimension(requests: 0, inputTokens: 1, outputTokens: Int.max)
        state.cacheHitRate = .nan
        state.rate429 = .infinity
        state.lastRetryAfter = -.infinity
        state.uncachedInput5m = .nan
        var panel = F.sonnet
        panel.state = state
        panel.history = PerDimension(requests: [.nan, .infinity], inputTokens: [-1, nil], outputTokens: [1e308])
        var model = F.model()
        model.classes = [panel]
        model.clock = .nan
        for (width, height) in [(80, 24), (60, 16), (120, 40)] {
            for glyphs in [Glyphs.unicode, .unicodeBlocks, .ascii] {
                _ = F.render(model, width: width, height: height, glyphs: glyphs)
            }
        }
    }

    @Test func alertsFiring80x24() {
        var model = F.model()
        model.alerts = [AlertRow(severity: "critical", summary: "ITPM headroom 12% on sonnet-4.x (3.6k of 30k); empty in ~42 s",
                                 since: F.clock - 30)]
        assertSnapshot(F.render(model, width: 80, height: 24).lines(), named: "alerts-80x24")
    }

    @Test func waitingForData() {
        let model = DashboardModel(clock: F.clock, sources: ["logs/"], linesRead: 0)
        assertSnapshot(F.render(model, width: 80, height: 24).lines(), named: "waiting-80x24")
    }

    @Test func noAlertsPanelWhenNoneFire() {
        let text = F.render(F.model(), width: 120, height: 40).lines().joined(separator: "\n")
        #expect(!text.contains("Alerts"))
    }

    @Test func renderIsDeterministic() {
        let first = F.render(F.model(), width: 80, height: 24)
        let second = F.render(F.model(), width: 80, height: 24)
        #expect(first.lines() == second.lines())
        #expect(first.styleLines() == second.styleLines())
    }

    @Test(arguments: [(80, 24, DashboardView.Layout.full), (80, 23, .full), (120, 40, .full), (70, 20, .full),
                      (69, 24, .compact), (60, 16, .compact), (44, 12, .compact), (43, 12, .tooSmall),
                      (40, 10, .tooSmall), (0, 0, .tooSmall)])
    func layoutBySize(width: Int, height: Int, layout: DashboardView.Layout) {
        #expect(DashboardView.layout(width: width, height: height) == layout)
        _ = F.render(F.model(), width: width, height: height) // never traps at any size
    }

    @Test func everySmallSizeRendersWithoutTrapping() {
        var model = F.model()
        model.showHelp = true
        for width in stride(from: 1, through: 90, by: 7) {
            for height in stride(from: 1, through: 30, by: 3) {
                _ = F.render(model, width: width, height: height)
            }
        }
    }

    @Test func drainingBucketIsCriticalAndMarked() {
        let grid = F.render(F.model(), width: 80, height: 24)
        let lines = grid.lines(), styles = grid.styleLines()
        let row = lines.firstIndex { $0.contains("ITPM") && $0.contains("42s") }
        #expect(row != nil)
        guard let row else { return }
        #expect(lines[row].hasPrefix("▸ITPM"))
        let gaugeStyles = styles[row].dropFirst(6).prefix(3)
        #expect(gaugeStyles.allSatisfy { $0 == "c" }, "ITPM gauge should be critical: \(styles[row])")
    }
}

@Suite(.tags(.unit)) struct TabTests {
    @Test func theSelectedTabStaysVisibleWhenTabsOverflow() throws {
        var model = DashboardFixtures.model()
        model.classes = (0..<12).map { index in
            var panel = DashboardFixtures.haiku
            panel.state.classID = "class-\(index)"
            return panel
        }
        model.selectedClass = 11
        let grid = DashboardFixtures.render(model, width: 80, height: 24)
        let tabs = grid.lines()[1]
        #expect(tabs.contains("class-11"))
        #expect(tabs.hasPrefix("+"))
        let styles = grid.styleLines()[1]
        let range = try #require(tabs.range(of: "class-11"))
        let start = tabs.unicodeScalars.distance(from: tabs.unicodeScalars.startIndex, to: range.lowerBound)
        #expect(Array(styles)[start] == "S")
    }
}

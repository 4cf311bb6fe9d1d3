import RatetopCore
import RatetopUI
import Testing
import RatetopTestSupport

@Suite(.tags(.unit)) struct GridTests {
    @Test func putClipsAtEdgesAndMaxWidth() {
        var grid = CellGrid(width: 6, height: 2)
        #expect(grid.put("abcdefgh", x: 2, y: 0) == 4)
        grid.put("xyz", x: -1, y: 1, maxWidth: 3)
        grid.put("ignored", x: 0, y: 5)
        #expect(grid.lines() == ["  abcd", "yz    "])
    }

    @Test func controlCharactersAreReplaced() {
        var grid = CellGrid(width: 3, height: 1)
        grid.put("a\u{1B}b", x: 0, y: 0)
        #expect(grid.lines() == ["a?b"])
    }

    @Test func styleLinesNameRoles() {
        var grid = CellGrid(width: 4, height: 1)
        grid.put("ab", x: 0, y: 0, style: .critical)
        grid.put("c", x: 2, y: 0, style: CellStyle.accent.emphasized)
        #expect(grid.styleLines() == ["ccA "])
    }

    @Test func tableAlignsAndTruncates() {
        var grid = CellGrid(width: 20, height: 3)
        let table = Table(columns: [Table.Column("name", width: 4, flexible: true),
                                    Table.Column("n", width: 5, alignment: .right)])
        table.draw(rows: [Table.Row(["a-very-long-name", "12.0k"]), Table.Row(["b", "7"])],
                   in: grid.bounds, grid: &grid, glyphs: .unicode)
        #expect(grid.lines() == ["name               n", "a-very-long-…  12.0k", "b                  7"])
        #expect(Table.truncate("abcdef", to: 4, glyphs: .ascii) == "abc~")
    }
}

@Suite(.tags(.unit)) struct GaugeTests {
    @Test(arguments: [
        (0.0, "····", "...."), (0.5, "██··", "##.."), (17.0 / 32, "██▏·", "##.."), (20.0 / 32, "██▌·", "##=."),
        (31.0 / 32, "███▉", "###="), (1.0, "████", "####"), (1.7, "████", "####"), (-0.2, "····", "...."),
    ])
    func eighths(fraction: Double, unicode: String, ascii: String) {
        for (glyphs, expected) in [(Glyphs.unicode, unicode), (.ascii, ascii)] {
            var grid = CellGrid(width: 4, height: 1)
            Gauge(fraction: fraction).draw(in: grid.bounds, grid: &grid, glyphs: glyphs)
            #expect(grid.lines() == [expected])
        }
    }
}

@Suite(.tags(.unit)) struct LevelGraphTests {
    func draw(_ series: [Double?], capacity: Double, width: Int, height: Int, glyphs: Glyphs) -> [String] {
        var grid = CellGrid(width: width, height: height)
        LevelGraph(series: series, capacity: capacity).draw(in: grid.bounds, grid: &grid, glyphs: glyphs)
        return grid.lines()
    }

    @Test func brailleOfAKnownSeries() {
        // Two samples per cell, four levels; a known level shows at least the bottom dot.
        #expect(draw([0, 1, 2, 3], capacity: 4, width: 2, height: 1, glyphs: .unicode) == ["⣀⣴"])
        #expect(draw([nil, 4, 4, nil], capacity: 4, width: 2, height: 1, glyphs: .unicode) == ["⢸⡇"])
        #expect(draw([8, 0, 4, 6], capacity: 8, width: 2, height: 2, glyphs: .unicode) == ["⡇⢠", "⣇⣿"])
    }

    @Test func blocksAndAscii() {
        #expect(draw([0, 2, 4, 8, nil], capacity: 8, width: 5, height: 1, glyphs: .unicodeBlocks) == ["▁▂▄█ "])
        #expect(draw([0, 3, 6, 9, 12, nil], capacity: 12, width: 6, height: 2, glyphs: .ascii) == ["   :| ", ".:||| "])
    }

    @Test func resampleKeepsTheLowestOfEachSlice() {
        #expect(LevelGraph.resample([5, 1, 7, 3, nil, nil], columns: 3) == [1, 3, nil])
        #expect(LevelGraph.resample([4, 8], columns: 4) == [4, 4, 8, 8])
        #expect(LevelGraph.resample([], columns: 2) == [nil, nil])
    }
}

@Suite(.tags(.unit)) struct ActivityGraphTests {
    func draw(_ series: [Double?], width: Int, height: Int, glyphs: Glyphs) -> CellGrid {
        var grid = CellGrid(width: width, height: height)
        ActivityGraph(series: series, refillPerSecond: 1).draw(in: grid.bounds, grid: &grid, glyphs: glyphs)
        return grid
    }

    @Test func idleIsEmptyButForTheLimitLine() {
        // Two rows of braille: eight dots from 0 to 200 %; 100 % is the fourth dot.
        #expect(draw([0, 0, nil, nil], width: 2, height: 2, glyphs: .unicode).lines() == ["  ", "⠉⠉"])
        #expect(draw([0, nil], width: 2, height: 1, glyphs: .unicodeBlocks).lines() == ["┄┄"])
    }

    @Test func barsAgainstTheRefillRate() {
        // 25 % fills one dot, 100 % reaches the line, 200 % and more fill the graph.
        let grid = draw([0.25, 1, 2, 3], width: 2, height: 2, glyphs: .unicode)
        #expect(grid.lines() == [" ⣿", "⣹⣿"])
        // Under the line: accent; the clipped column: critical, bold.
        #expect(grid.styleLines() == ["mC", "aC"])
        #expect(draw([0, 1, 2, nil], width: 4, height: 1, glyphs: .unicodeBlocks).lines() == ["┄▄█┄"])
        #expect(draw([0, 1, 3], width: 3, height: 2, glyphs: .ascii).lines() == ["  |", "-||"])
        #expect(draw([1.5], width: 1, height: 1, glyphs: .unicodeBlocks).styleLines() == ["w"])
    }

    @Test func resampleAveragesTheKnownSecondsOfEachColumn() {
        #expect(ActivityGraph.resample([1, 3, nil, 5, nil, nil], columns: 3) == [2, 5, nil])
        #expect(ActivityGraph.resample([4, 8], columns: 4) == [4, 4, 8, 8])
        #expect(ActivityGraph.resample([], columns: 2) == [nil, nil])
    }
}

@Suite(.tags(.unit)) struct NumberFormatTests {
    @Test(arguments: [
        (0.0, "0"), (7, "7"), (50, "50"), (41.25, "41.3"), (4.256, "4.26"), (999, "999"), (999.96, "1.00k"),
        (1_000, "1.00k"), (1_500, "1.50k"), (12_000, "12.0k"), (30_000, "30.0k"), (120_400, "120k"),
        (999_950, "1.00M"), (2_000_000, "2.00M"), (45_600_000, "45.6M"), (3e9, "3.00G"), (-1_200, "-1.20k"),
    ])
    func compact(value: Double, expected: String) {
        #expect(NumberFormat.compact(value) == expected)
    }

    @Test(arguments: [
        (0.0, "0s"), (9.4, "9s"), (59.6, "1m00s"), (252, "4m12s"), (3_900, "1h05m"), (183_600, "2d03h"),
    ])
    func duration(seconds: Double, expected: String) {
        #expect(NumberFormat.duration(seconds) == expected)
    }

    @Test func percentsSpeedsAndClock() {
        #expect(NumberFormat.percent(0.412) == "41%")
        #expect(NumberFormat.percent(0.04, decimals: 1) == "4.0%")
        #expect(NumberFormat.percent(0.001) == "<1%")
        #expect(NumberFormat.percent(0) == "0%")
        #expect(NumberFormat.speed(10, glyphs: .unicode) == "×10")
        #expect(NumberFormat.speed(0.5, glyphs: .ascii) == "x0.5")
        #expect(NumberFormat.speed(2.5, glyphs: .unicode) == "×2.5")
        #expect(NumberFormat.clock(DashboardFixtures.clock) == "2026-11-20 09:03:11Z")
        #expect(NumberFormat.timeOfDay(DashboardFixtures.clock) == "09:03:11")
    }
}

@Suite(.tags(.unit)) struct HeadroomTests {
    typealias F = DashboardFixtures

    @Test func bindsFirstPrefersTheSoonestEmptyThenTheLowestLevel() {
        #expect(Headroom.bindsFirst(F.sonnet.state) == .inputTokens)
        var state = F.sonnet.state
        state.secondsToEmpty = PerDimension(repeating: nil)
        state.remaining = PerDimension(requests: 5, inputTokens: 15_000, outputTokens: 4_000)
        #expect(Headroom.bindsFirst(state) == .requests)
        state.secondsToEmpty.outputTokens = 300
        #expect(Headroom.bindsFirst(state) == .outputTokens)
        // A bucket under 10% binds now, even when another is the one draining (the sample's
        // backfill storm: ITPM at 11%→5% at the refill rate, RPM full but draining).
        state.remaining = PerDimension(requests: 50, inputTokens: 1_500, outputTokens: 8_000)
        state.secondsToEmpty = PerDimension(requests: 500, inputTokens: nil, outputTokens: nil)
        #expect(Headroom.bindsFirst(state) == .inputTokens)
        #expect(Headroom.bindsFirst(F.opus.state) == nil)
    }

    @Test func rolesFollowTheThresholds() {
        var state = F.haiku.state
        #expect(Headroom.role(state, .requests) == .good)
        state.remaining.requests = 12    // 24 %
        #expect(Headroom.role(state, .requests) == .warning)
        state.remaining.requests = 4.5   // 9 %
        #expect(Headroom.role(state, .requests) == .critical)
        state.remaining.requests = 40
        state.secondsToEmpty.requests = 60
        #expect(Headroom.role(state, .requests) == .critical)
        #expect(Headroom.role(F.opus.state, .requests) == .muted)
    }

    @Test func cacheMultiplierCountsReadsAsFree() {
        let multiplier = DashboardView.cacheCapacityMultiplier(F.sonnet.state)
        #expect(multiplier.map { ($0 * 100).rounded() } == 497) // (22.1k + 120.4k + 8.2k) / (22.1k + 8.2k)
        var state = F.sonnet.state
        state.cacheReadsCount = true
        #expect(DashboardView.cacheCapacityMultiplier(state) == nil)
    }
}

import RatetopCore

/// The one-line-per-class overview that replaces the tabs when there are several classes and
/// room (htop's per-CPU meters): number and class, the three headroom gauges, requests per
/// minute and the 429 share over 5 minutes.
extension DashboardView {
    static func drawOverview(_ model: DashboardModel, in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !rect.isEmpty, !model.classes.isEmpty else { return }
        let selected = min(max(0, model.selectedClass), model.classes.count - 1)
        let longest = model.classes.map { $0.state.classID.unicodeScalars.count }.max() ?? 0
        let nameWidth = min(16, max(4, longest))
        // ` 1 name  RPM gauge 41%  ITPM gauge 12%  OTPM gauge 93%    31 req/min  429  4.0%`
        let prefix = 3 + nameWidth + 1
        let rateWidth = 2 + 5 + 8
        let throttleWidth = 2 + 3 + 1 + 5
        let room = rect.width - 1 - prefix - rateWidth - throttleWidth
        // Three gauges with their label (and the percentage when the gauges keep 4 cells).
        var showPercent = (room - 3 * (2 + 4 + 1 + 5)) / 3 >= 4
        var gaugeWidth = (room - 3 * (2 + 4 + 1 + (showPercent ? 5 : 0))) / 3
        if gaugeWidth < 4 {
            showPercent = false
            gaugeWidth = max(1, (room - 3 * (2 + 4 + 1)) / 3)
        }
        for (index, panel) in model.classes.enumerated() {
            let y = rect.y + index
            guard y < rect.maxY else { break }
            let state = panel.state
            let isSelected = index == selected
            var x = rect.x
            if isSelected { grid.set(glyphs.pointer, x: x, y: y, style: CellStyle.accent.emphasized) }
            x += 1
            let number = index < 9 ? "\(index + 1)" : " "
            let name = Table.truncate(state.classID, to: nameWidth, glyphs: glyphs)
            if isSelected {
                let label = number + " " + name
                grid.fill(Rect(x: x, y: y, width: 2 + nameWidth + 1, height: 1), style: .selection)
                grid.put(label, x: x, y: y, style: CellStyle.selection.emphasized)
            } else {
                grid.put(number, x: x, y: y, style: .muted)
                grid.put(name, x: x + 2, y: y, style: .normal)
            }
            x = rect.x + prefix
            for dimension in Dimension.allCases {
                x += 1
                let binding = Headroom.bindsFirst(state) == dimension
                grid.put(dimension.limitName, x: x, y: y, style: binding ? CellStyle.normal.emphasized : .muted)
                x += 5
                let gauge = Rect(x: x, y: y, width: gaugeWidth, height: 1)
                let role = Headroom.role(state, dimension)
                if let fraction = Headroom.fraction(state, dimension) {
                    Gauge(fraction: fraction, style: CellStyle(role)).draw(in: gauge, grid: &grid, glyphs: glyphs)
                    if showPercent {
                        Table.putAligned(NumberFormat.percent(fraction), x: x + gaugeWidth, y: y, width: 5, alignment: .right,
                                         style: CellStyle(role), grid: &grid, glyphs: glyphs)
                    }
                } else {
                    grid.fill(gauge, with: glyphs.gaugeEmpty, style: .muted)
                    if showPercent {
                        Table.putAligned("?", x: x + gaugeWidth, y: y, width: 5, alignment: .right, style: .muted,
                                         grid: &grid, glyphs: glyphs)
                    }
                }
                x += gaugeWidth + (showPercent ? 5 : 0) + 1
            }
            let rate = state.ratePerMinute.requests
            x += 1
            Table.putAligned(NumberFormat.compact(rate), x: x, y: y, width: 5, alignment: .right,
                             style: rate > 0 ? .normal : .muted, grid: &grid, glyphs: glyphs)
            grid.put(" req/min", x: x + 5, y: y, style: .muted)
            x += rateWidth - 1
            x += grid.put("429", x: x, y: y, style: .muted) + 1
            if let share = state.rate429 {
                Table.putAligned(NumberFormat.percent(share, decimals: 1), x: x, y: y, width: 5, alignment: .right,
                                 style: throttleStyle(share), grid: &grid, glyphs: glyphs)
            } else {
                Table.putAligned(String(glyphs.none), x: x, y: y, width: 5, alignment: .right, style: .muted,
                                 grid: &grid, glyphs: glyphs)
            }
        }
    }
}

import RatetopCore

/// The frame around the panels: header, tabs, status line, section rules, the help overlay.
extension DashboardView {
    /// `── Title ───────────── right ──`: the title in the header style, the rule muted.
    static func drawRule(_ title: String, right: String? = nil, row: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !row.isEmpty else { return }
        grid.fill(row, with: glyphs.horizontal, style: .muted)
        var x = row.x + 2
        if row.width > 6 {
            x += grid.put(" " + title + " ", x: x, y: row.y, style: .header, maxWidth: row.maxX - x)
        }
        if let right, !right.isEmpty {
            let text = " " + right + " "
            let length = text.unicodeScalars.count
            let start = row.maxX - 2 - length
            if start > x { grid.put(text, x: start, y: row.y, style: .muted) }
        }
    }

    /// `tier1 (headers)`: the tier the limits match and where they came from.
    static func limitsSourceText(_ state: BucketState) -> (String, CellStyle) {
        let source: String
        switch state.limitsSource {
        case .headers: source = "headers"
        case .file: source = "limits file"
        case .tier: source = "--tier"
        case .config: source = "config"
        case .litellm:
            guard state.tier != nil else { return ("limits unknown (LiteLLM)", .warning) }
            source = "LiteLLM: ITPM/OTPM estimated"
        case .ratetop: source = "ratetop"
        case .unknown: return ("limits unknown", .warning)
        }
        return ((state.tier ?? "custom") + " (" + source + ")", .normal)
    }

    /// `ratetop  ▶ replay ×60  2026-11-20 09:03:11Z  tier1 (headers)      samples/day.jsonl`: the
    /// mode, the clock, the limits in force and, on the right, what is read (or its label). When
    /// the name would be cut, the clock drops its date if that lets the name fit whole.
    static func drawHeader(_ model: DashboardModel, row: Rect, grid: inout CellGrid, glyphs: Glyphs, compact: Bool) {
        var sources: String?
        if let label = model.sourceLabel {
            sources = label
        } else if !model.sources.isEmpty {
            sources = model.sources[0] + (model.sources.count > 1 ? " +\(model.sources.count - 1)" : "")
        }
        let need = sources.map { $0.unicodeScalars.count } ?? 0
        var x = drawHeaderLeft(model, row: row, grid: &grid, glyphs: glyphs, compact: compact, dateless: compact)
        if !compact, row.maxX - 1 - x < need {
            let saved = NumberFormat.clock(model.clock).unicodeScalars.count
                - (NumberFormat.timeOfDay(model.clock) + "Z").unicodeScalars.count
            if row.maxX - 1 - x + saved >= need {
                grid.fill(row, with: " ", style: .normal)
                x = drawHeaderLeft(model, row: row, grid: &grid, glyphs: glyphs, compact: compact, dateless: true)
            }
        }
        guard let sources else { return }
        let room = row.maxX - 1 - x
        guard room >= 6 else { return }
        let fitted = Table.truncate(sources, to: room, glyphs: glyphs)
        grid.put(fitted, x: row.maxX - 1 - fitted.unicodeScalars.count, y: row.y, style: .muted)
    }

    /// The header's left part; returns the column after it.
    private static func drawHeaderLeft(_ model: DashboardModel, row: Rect, grid: inout CellGrid, glyphs: Glyphs,
                                       compact: Bool, dateless: Bool) -> Int {
        var x = row.x + 1
        func segment(_ text: String, _ style: CellStyle, gap: Int = 2) {
            guard x < row.maxX else { return }
            x += grid.put(text, x: x, y: row.y, style: style, maxWidth: row.maxX - x)
            x += gap
        }
        segment("ratetop", CellStyle.accent.emphasized)
        switch model.mode {
        case .live where model.staleSources > 0:
            // The live mark's dot, in warning colour: the figures are partly as of the last scrape.
            let dot = glyphs.live.split(separator: " ").first.map(String.init) ?? "*"
            segment(dot + (model.staleSources == model.sources.count ? " stale" : " \(model.staleSources) stale"), .warning)
        case .live:
            segment(glyphs.live, .good)
        case .replay(let speed, let paused, let finished):
            if finished {
                segment(glyphs.finished, .muted, gap: 1)
            } else if paused {
                segment(glyphs.paused, .warning, gap: 1)
            } else {
                segment(glyphs.playing, .accent, gap: 1)
            }
            segment(NumberFormat.speed(speed, glyphs: glyphs), .normal)
        }
        segment(dateless ? NumberFormat.timeOfDay(model.clock) + "Z" : NumberFormat.clock(model.clock), .normal)
        if let state = model.selectedPanel?.state {
            let (text, style) = limitsSourceText(state)
            segment(compact ? (state.tier ?? "limits unknown") : text, compact && state.tier == nil ? .warning : style)
        }
        return x
    }

    /// The tabs, one per class, each with its tightest bucket: the one-line overview.
    static func drawTabs(_ model: DashboardModel, row: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !model.classes.isEmpty else { return }
        let selected = min(max(0, model.selectedClass), model.classes.count - 1)
        struct Tab { var number: String; var name: String; var status: String; var role: ColorRole; var width: Int }
        let tabs: [Tab] = model.classes.enumerated().map { index, panel in
            let state = panel.state
            let number = index < 9 ? "\(index + 1)" : " "
            var status = "unknown"
            var role = ColorRole.muted
            if let dimension = Headroom.bindsFirst(state), let fraction = Headroom.fraction(state, dimension) {
                status = dimension.limitName + " " + NumberFormat.percent(fraction)
                role = Headroom.role(state, dimension)
            }
            let width = 1 + number.count + 1 + state.classID.unicodeScalars.count + 1 + status.count + 1
            return Tab(number: number, name: state.classID, status: status, role: role, width: width)
        }
        // Scroll so the selected tab is visible.
        var start = 0
        func span(_ from: Int, _ to: Int) -> Int { tabs[from...to].reduce(0) { $0 + $1.width + 1 } }
        while start < selected, span(start, selected) > row.width - 4 { start += 1 }
        var x = row.x
        if start > 0 { x += grid.put("+\(start) ", x: x, y: row.y, style: .muted) }
        for index in start..<tabs.count {
            let tab = tabs[index]
            let remainingAfter = tabs.count - index - 1
            let reserve = remainingAfter > 0 ? 4 : 0
            if x + tab.width > row.maxX - reserve {
                grid.put("+\(tabs.count - index)", x: x, y: row.y, style: .muted, maxWidth: row.maxX - x)
                break
            }
            if index == selected {
                grid.fill(Rect(x: x, y: row.y, width: tab.width, height: 1), style: .selection)
                let text = " " + tab.number + " " + tab.name + " " + tab.status + " "
                grid.put(text, x: x, y: row.y, style: CellStyle.selection.emphasized)
            } else {
                var cx = x + 1
                cx += grid.put(tab.number, x: cx, y: row.y, style: .muted) + 1
                cx += grid.put(tab.name, x: cx, y: row.y, style: .normal) + 1
                grid.put(tab.status, x: cx, y: row.y, style: CellStyle(tab.role))
            }
            x += tab.width + 1
        }
    }

    static func drawStatus(_ model: DashboardModel, row: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        // Right: what was read and the last problem; it has priority over the key hints.
        var parts: [(String, CellStyle)] = []
        if !model.onlyScraping { parts.append(("lines " + NumberFormat.compact(Double(model.linesRead)), .muted)) }
        parts.append(("malformed \(NumberFormat.compact(Double(model.malformedLines)))",
                      model.malformedLines > 0 ? .warning : .muted))
        let fixedWidth = parts.reduce(0) { $0 + $1.0.unicodeScalars.count } + 2 * parts.count
        if let problem = model.lastProblem, !problem.isEmpty {
            let room = row.width - fixedWidth - 20
            if room >= 8 { parts.append((Table.truncate(problem, to: room, glyphs: glyphs), .warning)) }
        }
        let infoWidth = parts.reduce(0) { $0 + $1.0.unicodeScalars.count } + 2 * (parts.count - 1)
        var x = row.maxX - 1 - infoWidth
        let infoStart = x
        for (text, style) in parts {
            x += grid.put(text, x: x, y: row.y, style: style) + 2
        }
        // Left: key hints from the key table, dropped from the end when short of room.
        x = row.x + 1
        for binding in KeyTable.active(in: model.mode) {
            guard let hint = binding.hint, let key = binding.keys.first else { continue }
            if binding.action == .dismiss && model.expanded == nil && !model.showHelp { continue }
            let keyText = key.displayName(glyphs: glyphs)
            let width = keyText.unicodeScalars.count + 1 + hint.unicodeScalars.count
            if x + width > infoStart - 2 { break }
            x += grid.put(keyText, x: x, y: row.y, style: CellStyle.accent.emphasized) + 1
            x += grid.put(hint, x: x, y: row.y, style: .muted) + 2
        }
    }

    /// The `?` overlay, drawn from `KeyTable.bindings`: a centred box, clipped to the grid.
    static func drawHelp(mode: DashboardModel.Mode, into grid: inout CellGrid, glyphs: Glyphs) {
        let bindings = KeyTable.bindings
        let keyWidth = bindings.map { $0.keyText(glyphs: glyphs).unicodeScalars.count }.max() ?? 1
        let lines: [(String, String, Bool)] = bindings.map { binding in
            let label = binding.label + (binding.replayOnly ? " (replay)" : "")
            let active = !binding.replayOnly || mode.isReplay
            return (binding.keyText(glyphs: glyphs), label, active)
        }
        let columnWidth = lines.map { keyWidth + 2 + $0.1.unicodeScalars.count }.max() ?? 0
        // A screen too short for one column of keys gets two or more side by side, when they fit
        // across; otherwise the one column is cut at the bottom.
        let rowsAvailable = max(1, grid.height - 3)
        var columns = (lines.count + rowsAvailable - 1) / rowsAvailable
        if columns > 1 && columns * columnWidth + (columns - 1) * 3 > grid.width - 4 { columns = 1 }
        let rows = (lines.count + columns - 1) / max(1, columns)
        let box = drawOverlayBox(title: " keys ", footer: "? or esc closes", contentWidth: columns * columnWidth + (columns - 1) * 3,
                                 lines: rows, grid: &grid, glyphs: glyphs)
        let right = box.maxX - 2
        for (index, line) in lines.enumerated() {
            let y = box.y + 1 + index % rows
            let x = box.x + 2 + (index / rows) * (columnWidth + 3)
            guard y < box.maxY - 2, x < right else { continue }
            let keyStyle = line.2 ? CellStyle.accent.emphasized : .muted
            grid.put(line.0, x: x, y: y, style: keyStyle, maxWidth: right - x)
            if x + keyWidth + 2 < right {
                grid.put(line.1, x: x + keyWidth + 2, y: y, style: line.2 ? .normal : .muted, maxWidth: right - x - keyWidth - 2)
            }
        }
    }

    /// An overlay (the help, the plan view): a box centred on the screen, `contentWidth` by `lines`
    /// inside (at most `maxWidth` wide, and the screen), cleared, framed, the title on top and the
    /// footer on its last inner row. Returns the box; content goes from `y + 1`, `x + 2`.
    @discardableResult
    static func drawOverlayBox(title: String, footer: String, contentWidth: Int, lines: Int, maxWidth: Int? = nil,
                               grid: inout CellGrid, glyphs: Glyphs) -> Rect {
        let width = min(maxWidth ?? grid.width, grid.width, max(contentWidth, footer.count) + 4)
        let height = min(grid.height, lines + 4)
        let box = Rect(x: max(0, (grid.width - width) / 2), y: max(0, (grid.height - height) / 2), width: width, height: height)
        grid.fill(box, with: " ", style: .normal)
        grid.fill(Rect(x: box.x, y: box.y, width: box.width, height: 1), with: glyphs.horizontal, style: .accent)
        grid.fill(Rect(x: box.x, y: box.maxY - 1, width: box.width, height: 1), with: glyphs.horizontal, style: .accent)
        grid.fill(Rect(x: box.x, y: box.y, width: 1, height: box.height), with: glyphs.vertical, style: .accent)
        grid.fill(Rect(x: box.maxX - 1, y: box.y, width: 1, height: box.height), with: glyphs.vertical, style: .accent)
        grid.set(glyphs.topLeft, x: box.x, y: box.y, style: .accent)
        grid.set(glyphs.topRight, x: box.maxX - 1, y: box.y, style: .accent)
        grid.set(glyphs.bottomLeft, x: box.x, y: box.maxY - 1, style: .accent)
        grid.set(glyphs.bottomRight, x: box.maxX - 1, y: box.maxY - 1, style: .accent)
        grid.put(title, x: box.x + 2, y: box.y, style: .header, maxWidth: box.width - 4)
        grid.put(footer, x: box.x + 2, y: box.maxY - 2, style: .muted, maxWidth: box.width - 4)
        return box
    }
}

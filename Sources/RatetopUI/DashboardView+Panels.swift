import RatetopCore

/// The panels of the selected class: buckets, history graphs, cache, throttling, drainers, alerts.
extension DashboardView {
    static let limitsHint = "limits unknown: --tier NAME or --limits FILE"

    // MARK: Buckets

    /// Column header, one row per bucket, and the "binds first" line (5 rows; 4 without header).
    static func drawBuckets(_ state: BucketState, in rect: Rect, grid: inout CellGrid, glyphs: Glyphs,
                            columnHeader: Bool = true) {
        guard !rect.isEmpty else { return }
        let showRefill = rect.width >= 72
        let showRate = rect.width >= 52
        // Right-aligned columns, from the right edge: (title, width).
        var columns: [(String, Int)] = [("left", 5), ("level", 17)]
        if showRate { columns.append(("use/min", 9)) }
        if showRefill { columns.append(("of refill", 11)) }
        columns.append(("empty in", 10))
        let rightWidth = columns.reduce(0) { $0 + $1.1 }
        let labelX = rect.x + 1
        let gaugeX = labelX + 5
        let rightX = rect.maxX - 1 - rightWidth
        let gaugeWidth = max(0, rightX - gaugeX - 1)
        var columnX: [Int] = []
        var x = rightX
        for column in columns { columnX.append(x); x += column.1 }

        var y = rect.y
        let binding = Headroom.bindsFirst(state)
        if columnHeader {
            grid.put(state.classID, x: labelX, y: y, style: .header, maxWidth: max(0, gaugeX + gaugeWidth - labelX))
            for (index, column) in columns.enumerated() {
                let length = column.0.unicodeScalars.count
                grid.put(column.0, x: columnX[index] + column.1 - length, y: y, style: .muted)
            }
            y += 1
        }
        for dimension in Dimension.allCases {
            guard y < rect.maxY else { return }
            if dimension == binding { grid.set(glyphs.pointer, x: rect.x, y: y, style: CellStyle.accent.emphasized) }
            grid.put(dimension.limitName, x: labelX, y: y,
                     style: dimension == binding ? CellStyle.normal.emphasized : .normal)
            let role = Headroom.role(state, dimension)
            let fraction = Headroom.fraction(state, dimension)
            let gaugeRect = Rect(x: gaugeX, y: y, width: gaugeWidth, height: 1)
            var cells: [(String, CellStyle)] = []
            if let fraction, let remaining = state.remaining[dimension], let limit = state.limits[dimension] {
                Gauge(fraction: fraction, style: CellStyle(role)).draw(in: gaugeRect, grid: &grid, glyphs: glyphs)
                cells.append((NumberFormat.percent(fraction), CellStyle(role)))
                cells.append((levelText(remaining, limit), .normal))
            } else {
                grid.fill(gaugeRect, with: glyphs.gaugeEmpty, style: .muted)
                cells.append(("?", .muted))
                cells.append(("unknown", .muted))
            }
            let rate = state.ratePerMinute[dimension]
            if showRate { cells.append((NumberFormat.compact(rate), rate > 0 ? .normal : .muted)) }
            if showRefill {
                if let limit = state.limits[dimension], limit > 0 {
                    let share = rate / Double(limit)
                    cells.append((NumberFormat.percent(share), share >= 1 ? .warning : (share > 0 ? .normal : .muted)))
                } else {
                    cells.append((String(glyphs.none), .muted))
                }
            }
            if let seconds = state.secondsToEmpty[dimension], fraction != nil {
                let style: CellStyle = seconds <= Headroom.criticalSecondsToEmpty ? CellStyle.critical.emphasized
                    : (seconds <= 300 ? .warning : .normal)
                cells.append((NumberFormat.duration(seconds), style))
            } else {
                cells.append((String(glyphs.none), .muted))
            }
            for (index, cell) in cells.enumerated() {
                Table.putAligned(cell.0, x: columnX[index], y: y, width: columns[index].1, alignment: .right,
                                 style: cell.1, grid: &grid, glyphs: glyphs)
            }
            y += 1
        }
        guard y < rect.maxY else { return }
        drawBindsLine(state, binding: binding, row: Rect(x: rect.x, y: y, width: rect.width, height: 1),
                      grid: &grid, glyphs: glyphs)
    }

    /// `  12.0k / 30.0k`: the level right-aligned, the limit left-aligned, so the `/` lines up.
    static func levelText(_ remaining: Double, _ limit: Int) -> String {
        var level = NumberFormat.compact(remaining)
        while level.count < 6 { level = " " + level }
        var cap = NumberFormat.compact(Double(limit))
        while cap.count < 6 { cap += " " }
        return level + " / " + cap
    }

    static func drawBindsLine(_ state: BucketState, binding: Dimension?, row: Rect, grid: inout CellGrid,
                              glyphs: Glyphs) {
        var x = row.x + 1
        guard let binding, let fraction = Headroom.fraction(state, binding) else {
            grid.put(limitsHint, x: x, y: row.y, style: .warning, maxWidth: row.width - 2)
            return
        }
        let name = binding.limitName
        let rate = state.ratePerMinute[binding]
        let limit = Double(state.limits[binding] ?? 0)
        if let seconds = state.secondsToEmpty[binding] {
            x += grid.put(name + " binds first:", x: x, y: row.y, style: CellStyle.normal.emphasized) + 1
            x += grid.put("empty in " + NumberFormat.duration(seconds), x: x, y: row.y,
                          style: CellStyle(Headroom.role(state, binding)).emphasized)
            x += grid.put(" at " + NumberFormat.compact(rate) + "/min", x: x, y: row.y, style: .normal,
                          maxWidth: row.maxX - x)
            if row.width >= 100 {
                x += grid.put(" (refill " + NumberFormat.compact(limit) + "/min)", x: x, y: row.y, style: .muted,
                              maxWidth: row.maxX - x)
            }
        } else if Dimension.allCases.allSatisfy({ (Headroom.fraction(state, $0) ?? 1) >= 0.995 }) {
            x += grid.put("all buckets full", x: x, y: row.y, style: .muted)
        } else {
            x += grid.put(name + " binds first:", x: x, y: row.y, style: CellStyle.normal.emphasized) + 1
            x += grid.put(NumberFormat.percent(fraction) + " left", x: x, y: row.y,
                          style: CellStyle(Headroom.role(state, binding)))
            x += grid.put(", not draining", x: x, y: row.y, style: .muted, maxWidth: row.maxX - x)
        }
        // Usage the server saw that the logs do not explain.
        let untracked = Dimension.allCases.filter { state.untrackedPerMinute[$0] >= 0.5 }
        guard !untracked.isEmpty else { return }
        let text = "untracked " + untracked.map {
            $0.limitName + " " + NumberFormat.compact(state.untrackedPerMinute[$0]) + "/min"
        }.joined(separator: ", ")
        let length = text.unicodeScalars.count
        if row.maxX - 1 - length > x + 2 {
            grid.put(text, x: row.maxX - 1 - length, y: row.y, style: .warning)
        }
    }

    /// Expanded buckets: where the limits come from, the models, untracked use.
    static func drawBucketDetails(_ state: BucketState, in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard rect.height > 1 else { return }
        drawRule("details", row: rect.row(0), grid: &grid, glyphs: glyphs)
        let (source, sourceStyle) = limitsSourceText(state)
        var rows: [(String, String, CellStyle)] = [
            ("limits", source, sourceStyle),
            ("models", state.models.isEmpty ? String(glyphs.none) : state.models.joined(separator: ", "), .normal),
        ]
        if let combined = state.combinedTokensRemaining {
            rows.append(("tokens left", NumberFormat.compact(combined) + " input+output combined, as LiteLLM reports it", .normal))
        }
        for dimension in Dimension.allCases {
            rows.append(("untracked " + dimension.limitName,
                         NumberFormat.compact(state.untrackedPerMinute[dimension]) + "/min",
                         state.untrackedPerMinute[dimension] >= 0.5 ? .warning : .muted))
        }
        for (offset, row) in rows.enumerated() {
            let y = rect.y + 1 + offset
            guard y < rect.maxY else { break }
            grid.put(row.0, x: rect.x + 1, y: y, style: .muted)
            grid.put(row.1, x: rect.x + 16, y: y, style: row.2, maxWidth: rect.width - 17)
        }
    }

    // MARK: Graphs

    static func windowText(_ minutes: Int) -> String { "\(minutes) min" }

    /// Three graphs side by side, or stacked (expanded).
    static func drawGraphs(_ panel: ClassPanel, kind: DashboardModel.GraphKind, windowMinutes: Int, in rect: Rect,
                           grid: inout CellGrid, glyphs: Glyphs, stacked: Bool) {
        guard !rect.isEmpty else { return }
        let dimensions = Dimension.allCases
        if stacked {
            let each = rect.height / dimensions.count
            for (index, dimension) in dimensions.enumerated() {
                let height = index == dimensions.count - 1 ? rect.height - each * index : each
                drawGraph(panel, dimension: dimension, kind: kind, windowMinutes: windowMinutes,
                          in: Rect(x: rect.x, y: rect.y + each * index, width: rect.width, height: height),
                          grid: &grid, glyphs: glyphs, showWindow: true)
            }
            return
        }
        let gap = 2
        let each = (rect.width - gap * (dimensions.count - 1)) / dimensions.count
        for (index, dimension) in dimensions.enumerated() {
            let x = rect.x + index * (each + gap)
            let width = index == dimensions.count - 1 ? rect.maxX - x : each
            drawGraph(panel, dimension: dimension, kind: kind, windowMinutes: windowMinutes,
                      in: Rect(x: x, y: rect.y, width: width, height: rect.height), grid: &grid, glyphs: glyphs,
                      showWindow: index == dimensions.count - 1)
        }
    }

    /// The title of a bucket's graph: `ITPM 12%` (left) over the level graph, `ITPM use 87%`
    /// (of the refill rate, over the last minute) over the activity graph.
    static func graphTitle(_ state: BucketState, dimension: Dimension, kind: DashboardModel.GraphKind) -> String {
        var title = dimension.limitName
        switch kind {
        case .level:
            if let fraction = Headroom.fraction(state, dimension) { title += " " + NumberFormat.percent(fraction) }
        case .activity:
            title += " use"
            if let limit = state.limits[dimension], limit > 0 {
                title += " " + NumberFormat.percent(state.ratePerMinute[dimension] / Double(limit))
            }
        }
        return title
    }

    /// One bucket's graph over the window: a title rule and the graph below it.
    static func drawGraph(_ panel: ClassPanel, dimension: Dimension, kind: DashboardModel.GraphKind, windowMinutes: Int,
                          in rect: Rect, grid: inout CellGrid, glyphs: Glyphs, showWindow: Bool) {
        guard !rect.isEmpty else { return }
        let state = panel.state
        drawRule(graphTitle(state, dimension: dimension, kind: kind), right: showWindow ? windowText(windowMinutes) : nil,
                 row: rect.row(0), grid: &grid, glyphs: glyphs)
        let area = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        guard !area.isEmpty else { return }
        let series = kind == .level ? panel.history[dimension] : panel.use[dimension]
        let message: String?
        if state.limits[dimension] == nil {
            message = "limits unknown"
        } else if !series.contains(where: { $0 != nil }) {
            message = "no data yet"
        } else {
            message = nil
        }
        if let message {
            let length = message.unicodeScalars.count
            grid.put(message, x: area.x + max(0, (area.width - length) / 2), y: area.y + (area.height - 1) / 2,
                     style: .muted, maxWidth: area.width)
            return
        }
        let limit = Double(state.limits[dimension] ?? 1)
        switch kind {
        case .level:
            LevelGraph(series: series, capacity: limit) { CellStyle(Headroom.role(forFraction: $0)) }
                .draw(in: area, grid: &grid, glyphs: glyphs)
        case .activity:
            ActivityGraph(series: series, refillPerSecond: limit / 60).draw(in: area, grid: &grid, glyphs: glyphs)
            labelLimitLine(in: area, grid: &grid, glyphs: glyphs)
        }
    }

    /// `100%` on the activity graph's line, at its left end, over cells no bar covers.
    static func labelLimitLine(in area: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard area.width >= 16, area.height >= 3 else { return }
        let perCell = switch glyphs.graphStyle {
        case .braille: 4
        case .blocks: 8
        case .ascii: 3
        }
        let lineLevel = max(0, area.height * perCell / 2 - 1)
        let y = area.y + area.height - 1 - lineLevel / perCell
        let label = Array("100%".unicodeScalars)
        guard (0..<label.count).allSatisfy({ grid[area.x + $0, y].style == .muted }) else { return }
        for (offset, scalar) in label.enumerated() { grid.set(scalar, x: area.x + offset, y: y, style: .muted) }
    }

    // MARK: Cache and throttling

    /// Effective input capacity multiplier when cache reads are free:
    /// (uncached + read + write) / (uncached + write). Nil when there is no input, reads count,
    /// or the split is unknown (LiteLLM).
    public static func cacheCapacityMultiplier(_ state: BucketState) -> Double? {
        guard !state.cacheReadsCount, !state.cacheSplitUnknown else { return nil }
        let counted = state.uncachedInput5m + state.cacheCreation5m
        let total = counted + state.cacheRead5m
        guard counted > 0, total > 0 else { return nil }
        return total / counted
    }

    static func drawCache(_ state: BucketState, in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !rect.isEmpty else { return }
        drawRule("Cache", right: "5 min", row: rect.row(0), grid: &grid, glyphs: glyphs)
        let x = rect.x + 1
        let width = rect.width - 2
        let total = state.uncachedInput5m + state.cacheRead5m + state.cacheCreation5m
        var lines: [[(String, CellStyle)]] = []
        if total <= 0 {
            lines.append([("hit rate ", .muted), (String(glyphs.none), .muted)])
            lines.append([("no input in the last 5 min", .muted)])
        } else if state.cacheSplitUnknown {
            lines.append([("hit rate ", .muted), ("unknown", .normal)])
            lines.append([("input ", .muted), (NumberFormat.compact(total), .normal), (" (cache included)", .muted)])
            lines.append([("LiteLLM does not split out cache reads", .muted)])
        } else {
            var first: [(String, CellStyle)] = [("hit rate ", .muted),
                                                (state.cacheHitRate.map { NumberFormat.percent($0) } ?? String(glyphs.none),
                                                 CellStyle.normal.emphasized)]
            if let multiplier = cacheCapacityMultiplier(state) {
                first.append(("   input capacity ", .muted))
                first.append((String(glyphs.multiply) + NumberFormat.fixed(multiplier, decimals: multiplier < 10 ? 1 : 0),
                              multiplier >= 1.05 ? CellStyle.good.emphasized : .normal))
            }
            lines.append(first)
            lines.append([("read ", .muted), (NumberFormat.compact(state.cacheRead5m), .normal),
                          ("  write ", .muted), (NumberFormat.compact(state.cacheCreation5m), .normal),
                          ("  uncached ", .muted), (NumberFormat.compact(state.uncachedInput5m), .normal)])
            if state.cacheReadsCount {
                lines.append([("cache reads count toward ITPM here", .muted)])
            } else if state.cacheRead5m > 0 {
                lines.append([("cache reads saved ", .muted), (NumberFormat.compact(state.cacheRead5m / 5), .good),
                              (" ITPM", .muted)])
            } else {
                lines.append([("no cache reads", .muted)])
            }
        }
        drawLines(lines, x: x, y: rect.y + 1, width: width, maxY: rect.maxY, grid: &grid)
        // Expanded: input by kind, as bars.
        guard total > 0, !state.cacheSplitUnknown, rect.height >= 10 else { return }
        let kinds: [(String, Double, String)] = [
            ("uncached", state.uncachedInput5m, "counts toward ITPM"),
            ("cache write", state.cacheCreation5m, "counts toward ITPM"),
            ("cache read", state.cacheRead5m, state.cacheReadsCount ? "counts toward ITPM" : "free on ITPM"),
        ]
        let top = rect.y + 1 + lines.count + 1
        grid.put("input by kind", x: x, y: top, style: .muted)
        let barWidth = max(0, min(40, width - 50))
        for (offset, kind) in kinds.enumerated() {
            let y = top + 1 + offset
            guard y < rect.maxY else { break }
            grid.put(kind.0, x: x, y: y, style: .normal)
            Gauge(fraction: kind.1 / total, style: .accent).draw(in: Rect(x: x + 13, y: y, width: barWidth, height: 1),
                                                                  grid: &grid, glyphs: glyphs)
            var cx = x + 14 + barWidth
            Table.putAligned(NumberFormat.percent(kind.1 / total), x: cx, y: y, width: 4, alignment: .right,
                             style: .normal, grid: &grid, glyphs: glyphs)
            cx += 5
            Table.putAligned(NumberFormat.compact(kind.1), x: cx, y: y, width: 6, alignment: .right,
                             style: .normal, grid: &grid, glyphs: glyphs)
            cx += 8
            grid.put(kind.2, x: cx, y: y, style: .muted, maxWidth: rect.maxX - 1 - cx)
        }
    }

    static func drawCacheSummary(_ state: BucketState, row: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        var parts: [(String, CellStyle)] = [("cache ", .muted)]
        if let rate = state.cacheHitRate {
            parts.append((NumberFormat.percent(rate), CellStyle.normal.emphasized))
            parts.append((" hit", .muted))
            if let multiplier = cacheCapacityMultiplier(state) {
                parts.append(("  input " + String(glyphs.multiply) + NumberFormat.fixed(multiplier, decimals: 1), .good))
            }
            if state.cacheRead5m > 0, !state.cacheReadsCount {
                parts.append(("  saved " + NumberFormat.compact(state.cacheRead5m / 5) + " ITPM", .muted))
            }
        } else if state.cacheSplitUnknown {
            parts.append(("unknown (LiteLLM)", .muted))
        } else {
            parts.append((String(glyphs.none), .muted))
        }
        drawLines([parts], x: row.x + 1, y: row.y, width: row.width - 2, maxY: row.maxY, grid: &grid)
    }

    static func throttleStyle(_ share: Double) -> CellStyle {
        share >= 0.10 ? CellStyle.critical.emphasized : (share > 0 ? .warning : .good)
    }

    static func drawThrottling(_ state: BucketState, in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !rect.isEmpty else { return }
        drawRule("Throttling", right: "5 min", row: rect.row(0), grid: &grid, glyphs: glyphs)
        var lines: [[(String, CellStyle)]] = []
        if let share = state.rate429 {
            lines.append([("429 throttled  ", .muted), (NumberFormat.percent(share, decimals: 1), throttleStyle(share)),
                          ("  \(state.requests429) request\(state.requests429 == 1 ? "" : "s")", .normal)])
        } else {
            lines.append([("429 throttled  ", .muted), (String(glyphs.none), .muted), ("  no requests", .muted)])
        }
        lines.append([("last retry-after  ", .muted),
                      (state.lastRetryAfter.map { NumberFormat.duration($0) } ?? String(glyphs.none),
                       state.lastRetryAfter == nil ? .muted : .normal)])
        lines.append([("529 overloaded  ", .muted), ("\(state.requests529)", state.requests529 > 0 ? .warning : .normal),
                      ("  (not your limit)", .muted)])
        drawLines(lines, x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, maxY: rect.maxY, grid: &grid)
        // Expanded: the share as a bar, and what the numbers mean.
        guard rect.height >= 10 else { return }
        let x = rect.x + 1
        var y = rect.y + 1 + lines.count + 1
        if let share = state.rate429, share.isFinite {
            grid.put("throttled", x: x, y: y, style: .normal)
            let barWidth = max(0, min(40, rect.width - 30))
            Gauge(fraction: share, style: throttleStyle(share)).draw(in: Rect(x: x + 13, y: y, width: barWidth, height: 1),
                                                                     grid: &grid, glyphs: glyphs)
            y += 2
        }
        let notes = [
            "429: a rate limit refused the request; retry-after says when it fits.",
            "529: Anthropic is overloaded; counted apart, it is not your limit.",
        ]
        for note in notes where y < rect.maxY {
            grid.put(note, x: x, y: y, style: .muted, maxWidth: rect.width - 2)
            y += 1
        }
    }

    static func drawThrottlingSummary(_ state: BucketState, row: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        var parts: [(String, CellStyle)] = [("429 ", .muted)]
        if let share = state.rate429 {
            parts.append((NumberFormat.percent(share, decimals: 1), throttleStyle(share)))
            parts.append((" (\(state.requests429))", .normal))
        } else {
            parts.append((String(glyphs.none), .muted))
        }
        if let retry = state.lastRetryAfter {
            parts.append(("  retry-after ", .muted))
            parts.append((NumberFormat.duration(retry), .normal))
        }
        parts.append(("  529 ", .muted))
        parts.append(("\(state.requests529)", state.requests529 > 0 ? .warning : .normal))
        parts.append(("  5 min", .muted))
        drawLines([parts], x: row.x + 1, y: row.y, width: row.width - 2, maxY: row.maxY, grid: &grid)
    }

    /// Draws runs of styled text, one line per entry. A part that starts with a space begins a
    /// new group (`"  write "`, `"8.20k"`); a group is drawn whole or not at all, so nothing
    /// is cut in the middle of a number or a label.
    static func drawLines(_ lines: [[(String, CellStyle)]], x: Int, y: Int, width: Int, maxY: Int,
                          grid: inout CellGrid) {
        for (offset, parts) in lines.enumerated() {
            guard y + offset < maxY else { return }
            var cx = x
            var index = 0
            while index < parts.count {
                var end = index + 1
                while end < parts.count, parts[end].0.first != " " { end += 1 }
                let groupWidth = parts[index..<end].reduce(0) { $0 + $1.0.unicodeScalars.count }
                guard cx + groupWidth <= x + width else { break }
                for (text, style) in parts[index..<end] {
                    cx += grid.put(text, x: cx, y: y + offset, style: style)
                }
                index = end
            }
        }
    }

    // MARK: Drainers and alerts

    static func drawDrainers(_ drainers: [Drainer], grouping: String, in rect: Rect, grid: inout CellGrid,
                             glyphs: Glyphs) {
        guard !rect.isEmpty else { return }
        drawRule("Who is draining", right: "last min " + String(glyphs.dot) + " by " + grouping + " (g)",
                 row: rect.row(0), grid: &grid, glyphs: glyphs)
        let body = Rect(x: rect.x + 1, y: rect.y + 1, width: rect.width - 2, height: rect.height - 1)
        guard !body.isEmpty else { return }
        guard !drainers.isEmpty else {
            grid.put("no traffic in the last minute", x: body.x, y: body.y, style: .muted, maxWidth: body.width)
            return
        }
        let compact = body.width < 60
        var columns = [Table.Column(grouping, width: 12, flexible: true)]
        for dimension in Dimension.allCases { columns.append(Table.Column(dimension.limitName, width: 5, alignment: .right)) }
        if !compact {
            columns.append(Table.Column("req/min", width: 7, alignment: .right))
            columns.append(Table.Column("in/min", width: 7, alignment: .right))
            columns.append(Table.Column("out/min", width: 7, alignment: .right))
        }
        let rows: [Table.Row] = drainers.map { drainer in
            var cells = [drainer.name]
            var styles: [CellStyle] = [.normal]
            for dimension in Dimension.allCases {
                let share = drainer.sharePerDimension[dimension]
                cells.append(NumberFormat.percent(share))
                styles.append(share >= 0.5 ? CellStyle.accent.emphasized : (share > 0 ? .normal : .muted))
            }
            if !compact {
                for dimension in Dimension.allCases {
                    let value = drainer.perMinute[dimension]
                    cells.append(NumberFormat.compact(value))
                    styles.append(value > 0 ? .normal : .muted)
                }
            }
            return Table.Row(cells, cellStyles: styles)
        }
        Table(columns: columns).draw(rows: rows, header: body.height > 1, in: body, grid: &grid, glyphs: glyphs)
    }

    static func drawAlerts(_ alerts: [AlertRow], in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !rect.isEmpty else { return }
        drawRule("Alerts", right: alerts.isEmpty ? nil : "\(alerts.count) firing", row: rect.row(0), grid: &grid, glyphs: glyphs)
        guard !alerts.isEmpty else {
            if rect.height > 1 { grid.put("no alerts firing", x: rect.x + 1, y: rect.y + 1, style: .muted) }
            return
        }
        for (offset, alert) in alerts.enumerated() {
            let y = rect.y + 1 + offset
            guard y < rect.maxY else { break }
            let style: CellStyle = switch alert.severity.lowercased() {
            case "critical": CellStyle.critical.emphasized
            case "warning": .warning
            default: .normal
            }
            var x = rect.x + 1
            x += grid.put(Table.truncate(alert.severity, to: 8, glyphs: glyphs), x: x, y: y, style: style)
            x = max(x + 1, rect.x + 10)
            let since = "since " + NumberFormat.timeOfDay(alert.since)
            let room = rect.maxX - 1 - x - since.count - 2
            x += grid.put(Table.truncate(alert.summary, to: max(0, room), glyphs: glyphs), x: x, y: y, style: .normal)
            if room > 10 { grid.put(since, x: rect.maxX - 1 - since.count, y: y, style: .muted) }
        }
    }
}

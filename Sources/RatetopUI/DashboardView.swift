import RatetopCore

/// Draws a `DashboardModel` into a `CellGrid`. Pure and deterministic: the same model, grid
/// size and glyphs always give the same cells. Chooses the layout by size: the full dashboard,
/// a compact one for small terminals, or a "terminal too small" notice.
public enum DashboardView {
    /// The layout chosen for a grid size.
    public enum Layout: Equatable, Sendable {
        case full
        case compact
        case tooSmall
    }

    /// The smallest grid the full layout is drawn in (80×23 keeps working under a tmux bar).
    public static let fullMinimum = (width: 70, height: 20)
    /// The smallest grid the compact layout is drawn in.
    public static let compactMinimum = (width: 44, height: 12)

    /// The rows the selected class's detail needs below the overview in the full layout: what
    /// an 80×23 terminal (80×24 under a tmux status bar) gives it below the tabs — buckets 5,
    /// cache and throttling 4, the drainers and a graph of at least 4 rows under its rule.
    public static let detailMinimumRows = 20

    /// How many rows the one-line-per-class overview takes in place of the tabs: one per class
    /// when there are several and the rows between the header and the status line leave the
    /// detail its minimum (`rows - classes >= detailMinimumRows`); 0 (the tabs) otherwise, and
    /// always in the compact layout.
    public static func overviewRows(classes: Int, width: Int, height: Int) -> Int {
        guard classes >= 2, layout(width: width, height: height) == .full else { return 0 }
        return height - 2 - classes >= detailMinimumRows ? classes : 0
    }

    public static func layout(width: Int, height: Int) -> Layout {
        if width >= fullMinimum.width && height >= fullMinimum.height { return .full }
        if width >= compactMinimum.width && height >= compactMinimum.height { return .compact }
        return .tooSmall
    }

    /// Clears the grid and draws the whole dashboard.
    public static func render(_ model: DashboardModel, into grid: inout CellGrid, glyphs: Glyphs) {
        grid.clear()
        switch layout(width: grid.width, height: grid.height) {
        case .full: renderFull(model, into: &grid, glyphs: glyphs)
        case .compact: renderCompact(model, into: &grid, glyphs: glyphs)
        case .tooSmall: renderTooSmall(into: &grid)
        }
        if model.showHelp { drawHelp(mode: model.mode, into: &grid, glyphs: glyphs) }
    }

    // MARK: - Layouts

    /// Draws what every layout shares — header, tabs, status line — and, while there is no data
    /// yet or a panel is expanded, the body too. Returns the selected class and the body rect
    /// when the layout still has to draw its panels.
    static func drawFrame(_ model: DashboardModel, into grid: inout CellGrid, glyphs: Glyphs,
                          compact: Bool) -> (panel: ClassPanel, body: Rect)? {
        let bounds = grid.bounds
        drawHeader(model, row: bounds.row(0), grid: &grid, glyphs: glyphs, compact: compact)
        let overview = compact ? 0 : overviewRows(classes: model.classes.count, width: bounds.width, height: bounds.height)
        if overview > 0 {
            drawOverview(model, in: Rect(x: 0, y: 1, width: bounds.width, height: overview), grid: &grid, glyphs: glyphs)
        } else {
            drawTabs(model, row: bounds.row(1), grid: &grid, glyphs: glyphs)
        }
        drawStatus(model, row: bounds.row(bounds.height - 1), grid: &grid, glyphs: glyphs)
        let top = 1 + max(1, overview)
        let body = Rect(x: 0, y: top, width: bounds.width, height: bounds.height - 1 - top)
        guard let panel = model.selectedPanel else {
            drawWaiting(model, in: body, grid: &grid)
            return nil
        }
        if let expanded = model.expanded {
            drawExpanded(expanded, panel: panel, model: model, in: body, grid: &grid, glyphs: glyphs)
            return nil
        }
        return (panel, body)
    }

    static func renderFull(_ model: DashboardModel, into grid: inout CellGrid, glyphs: Glyphs) {
        guard let (panel, body) = drawFrame(model, into: &grid, glyphs: glyphs, compact: false) else { return }
        let (buckets, afterBuckets) = body.splitTop(5)
        drawBuckets(panel.state, in: buckets, grid: &grid, glyphs: glyphs)
        // The next request's wait: a row of its own, there before the first request too, so the
        // layout does not move when it comes.
        let (admission, rest) = afterBuckets.splitTop(1)
        drawAdmission(panel.admission, row: admission, grid: &grid)
        // Fixed parts: buckets 5 and the admission line, cache and throttling 4; the rest is shared by the graph,
        // the drainers and (when firing) the alerts, in a split that does not move with the data.
        let available = rest.height - 4
        var alertRows = 0
        if !model.alerts.isEmpty { alertRows = min(1 + model.alerts.count, max(2, available / 4)) }
        // The drainers take what their rows need (at least three, so the layout does not jump
        // with every new consumer); the graph keeps at least 5/12 and gets the rest.
        let shared = available - alertRows
        let drainerRows = min(2 + max(3, panel.drainers.count), shared - max(3, shared * 5 / 12))
        let graphRows = shared - max(0, drainerRows)
        var cursor = rest
        if alertRows > 0 {
            let (alerts, after) = cursor.splitTop(alertRows)
            drawAlerts(model.alerts, in: alerts, grid: &grid, glyphs: glyphs)
            cursor = after
        }
        let (graph, afterGraph) = cursor.splitTop(graphRows)
        drawGraphs(panel, kind: model.graphKind, windowMinutes: model.graphWindowMinutes, in: graph, grid: &grid,
                   glyphs: glyphs, stacked: false)
        let (middle, drainers) = afterGraph.splitTop(4)
        // Cache gets the wider half: its token line is the longest.
        let half = middle.width / 2 + 1
        drawCache(panel.state, in: Rect(x: middle.x, y: middle.y, width: half, height: 4), grid: &grid, glyphs: glyphs)
        drawThrottling(panel.state, in: Rect(x: middle.x + half + 1, y: middle.y, width: middle.width - half - 1, height: 4),
                       grid: &grid, glyphs: glyphs)
        drawDrainers(panel.drainers, grouping: model.grouping, in: drainers, grid: &grid, glyphs: glyphs)
    }

    static func renderCompact(_ model: DashboardModel, into grid: inout CellGrid, glyphs: Glyphs) {
        guard let (panel, body) = drawFrame(model, into: &grid, glyphs: glyphs, compact: true) else { return }
        let (buckets, rest) = body.splitTop(4)
        drawBuckets(panel.state, in: buckets, grid: &grid, glyphs: glyphs, columnHeader: false)
        var (lines, flexible) = rest.splitTop(2)
        drawCacheSummary(panel.state, row: lines.row(0), grid: &grid, glyphs: glyphs)
        drawThrottlingSummary(panel.state, row: lines.row(1), grid: &grid, glyphs: glyphs)
        // The admission line when the rest keeps room for a graph and a lower panel.
        if flexible.height >= 8, let line = panel.admission {
            let (row, after) = flexible.splitTop(1)
            drawAdmission(line, row: row, grid: &grid)
            flexible = after
        }
        let lowerRows = flexible.height >= 5 ? (flexible.height + 1) / 2 : 0
        let (graph, lower) = flexible.splitTop(flexible.height - lowerRows)
        let dimension = Headroom.bindsFirst(panel.state) ?? .inputTokens
        drawGraph(panel, dimension: dimension, kind: model.graphKind, windowMinutes: model.graphWindowMinutes, in: graph,
                  grid: &grid, glyphs: glyphs, showWindow: true)
        if model.alerts.isEmpty {
            drawDrainers(panel.drainers, grouping: model.grouping, in: lower, grid: &grid, glyphs: glyphs)
        } else {
            drawAlerts(model.alerts, in: lower, grid: &grid, glyphs: glyphs)
        }
    }

    static func renderTooSmall(into grid: inout CellGrid) {
        let lines = [
            ("terminal too small", CellStyle.warning.emphasized),
            ("need \(compactMinimum.width)x\(compactMinimum.height), have \(grid.width)x\(grid.height)", .normal),
            ("q quits", .muted),
        ]
        let top = max(0, (grid.height - lines.count) / 2)
        for (offset, (text, style)) in lines.enumerated() {
            let length = text.unicodeScalars.count
            grid.put(text, x: max(0, (grid.width - length) / 2), y: top + offset, style: style)
        }
    }

    static func drawWaiting(_ model: DashboardModel, in rect: Rect, grid: inout CellGrid) {
        let count = model.sources.count
        let lines = [
            ("waiting for data: no model class seen yet", CellStyle.muted),
            ("reading \(count) source\(count == 1 ? "" : "s"), \(model.linesRead) line\(model.linesRead == 1 ? "" : "s") so far",
             .muted),
        ]
        let top = rect.y + max(0, (rect.height - lines.count) / 2)
        for (offset, (text, style)) in lines.enumerated() {
            let length = text.unicodeScalars.count
            grid.put(text, x: rect.x + max(0, (rect.width - length) / 2), y: top + offset, style: style,
                     maxWidth: rect.width)
        }
    }

    static func drawExpanded(_ expanded: Panel, panel: ClassPanel, model: DashboardModel, in body: Rect,
                             grid: inout CellGrid, glyphs: Glyphs) {
        switch expanded {
        case .buckets:
            let (buckets, rest) = body.splitTop(5)
            drawBuckets(panel.state, in: buckets, grid: &grid, glyphs: glyphs)
            drawBucketDetails(panel.state, in: rest, grid: &grid, glyphs: glyphs)
        case .graph:
            drawGraphs(panel, kind: model.graphKind, windowMinutes: model.graphWindowMinutes, in: body, grid: &grid,
                       glyphs: glyphs, stacked: true)
        case .cache:
            drawCache(panel.state, in: body, grid: &grid, glyphs: glyphs)
        case .throttling:
            drawThrottling(panel.state, in: body, grid: &grid, glyphs: glyphs)
        case .drainers:
            drawDrainers(panel.drainers, grouping: model.grouping, in: body, grid: &grid, glyphs: glyphs)
        case .alerts:
            drawAlerts(model.alerts, in: body, grid: &grid, glyphs: glyphs)
        }
    }
}

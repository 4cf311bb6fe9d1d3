extension DashboardView {
    /// A column of the plan table: its header, width, and how soon it is dropped when the box
    /// is narrow (higher drops first; 0 never).
    private struct PlanColumn: Sendable {
        var header: String
        var width: Int
        var dropOrder: Int
        var value: @Sendable (PlanOverlay.Row) -> String
    }

    private static let planColumns: [PlanColumn] = [
        PlanColumn(header: "429s", width: 6, dropOrder: 0) { $0.throttled },
        PlanColumn(header: "log", width: 6, dropOrder: 0) { $0.logShare },
        PlanColumn(header: "min", width: 4, dropOrder: 2) { $0.minutes },
        PlanColumn(header: "wait50", width: 6, dropOrder: 3) { $0.waitP50 },
        PlanColumn(header: "wait95", width: 6, dropOrder: 0) { $0.waitP95 },
        PlanColumn(header: "failed", width: 6, dropOrder: 1) { $0.failed },
        PlanColumn(header: "peak", width: 10, dropOrder: 0) { $0.peak },
        PlanColumn(header: "cost", width: 9, dropOrder: 0) { $0.cost },
    ]

    /// The `p` overlay: a centred box over the dashboard with one row per tier, clipped to the
    /// grid; columns are dropped (wait p50, then minutes, then failed) until the rows fit.
    static func drawPlan(_ plan: PlanOverlay, into grid: inout CellGrid, glyphs: Glyphs) {
        let width = min(grid.width, 118)
        let inner = max(0, width - 4)
        var columns = planColumns
        let nameWidth = { (columns: [PlanColumn]) in inner - columns.reduce(0) { $0 + $1.width + 1 } }
        while nameWidth(columns) < 12, let drop = columns.filter({ $0.dropOrder > 0 }).max(by: { $0.dropOrder < $1.dropOrder }) {
            columns.removeAll { $0.dropOrder == drop.dropOrder }
        }
        let nameColumn = min(24, max(8, nameWidth(columns)))
        let tableWidth = nameColumn + columns.reduce(0) { $0 + $1.width + 1 }
        func line(_ name: String, _ cells: [String]) -> String {
            var text = name.count > nameColumn ? String(name.prefix(nameColumn - 1)) + "…" : name
            text += String(repeating: " ", count: max(0, nameColumn - text.count))
            for (cell, column) in zip(cells, columns) {
                text += " " + String(repeating: " ", count: max(0, column.width - cell.count)) + cell
            }
            return text
        }
        var body: [(String, CellStyle)] = [(plan.subtitle, .muted), ("", .normal)]
        body.append((line("scenario", columns.map(\.header)), .header))
        for row in plan.rows {
            let style: CellStyle = row.isBaseline ? .accent : (row.isClear ? .good : .normal)
            body.append((line(row.name, columns.map { $0.value(row) }), style))
        }
        body.append(("", .normal))
        for note in plan.notes { body.append((note, .muted)) }
        let footer = "\(plan.status) · p or esc closes"
        let box = drawOverlayBox(title: " plan: what the data on screen would have met ", footer: footer,
                                 contentWidth: tableWidth, lines: body.count, maxWidth: width, grid: &grid, glyphs: glyphs)
        for (offset, entry) in body.enumerated() {
            let y = box.y + 1 + offset
            guard y < box.maxY - 2 else { break }
            grid.put(entry.0, x: box.x + 2, y: y, style: entry.1, maxWidth: box.width - 4)
        }
    }
}

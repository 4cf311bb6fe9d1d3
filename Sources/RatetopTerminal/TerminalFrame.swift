import RatetopUI

/// A full screen of cells, row by row, as the views drew it. `Terminal.draw` copies it out.
public struct TerminalFrame: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `width * height` cells, row-major: the cell at column x of row y is `cells[y * width + x]`.
    public private(set) var cells: [TerminalCell]

    /// A frame filled with one cell (blank by default).
    public init(width: Int, height: Int, fill: TerminalCell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: fill, count: self.width * self.height)
    }

    /// A frame from row-major cells; missing cells are blank and extra cells are dropped.
    public init(width: Int, height: Int, cells: [TerminalCell]) {
        self.init(width: width, height: height)
        let count = min(cells.count, self.cells.count)
        self.cells.replaceSubrange(0..<count, with: cells[0..<count])
    }

    /// The cell at column `x` of row `y`; reads outside the frame give a blank, writes are ignored.
    public subscript(x: Int, y: Int) -> TerminalCell {
        get {
            guard contains(x: x, y: y) else { return .blank }
            return cells[y * width + x]
        }
        set {
            guard contains(x: x, y: y) else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes `text` one scalar per column from (x, y), clipped at the right edge.
    public mutating func write(
        _ text: String, x: Int, y: Int,
        role: ColorRole = .normal, bold: Bool = false, reverse: Bool = false
    ) {
        var column = x
        for scalar in text.unicodeScalars {
            guard column < width else { break }
            self[column, y] = TerminalCell(scalar, role: role, bold: bold, reverse: reverse)
            column += 1
        }
    }

    /// Row `y` as text, one scalar per cell; for tests and snapshots.
    public func line(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: cells[(y * width)..<((y + 1) * width)].map(\.scalar))
        return String(text)
    }

    func contains(x: Int, y: Int) -> Bool { x >= 0 && x < width && y >= 0 && y < height }
}

extension TerminalFrame {
    /// The dashboard's grid, cell for cell.
    public init(_ grid: CellGrid) {
        var cells: [TerminalCell] = []
        cells.reserveCapacity(grid.width * grid.height)
        for y in 0..<grid.height {
            for x in 0..<grid.width {
                let cell = grid[x, y]
                cells.append(TerminalCell(cell.scalar, role: cell.style.role, bold: cell.style.bold, reverse: cell.style.reverse))
            }
        }
        self.init(width: grid.width, height: grid.height, cells: cells)
    }
}

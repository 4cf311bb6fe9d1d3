/// An in-memory screen: `width × height` cells that views draw into and a terminal backend
/// copies out. Drawing outside the grid is clipped, never an error.
public struct CellGrid: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major cells.
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    /// The whole grid as a rectangle.
    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Resets every cell to a blank.
    public mutating func clear() {
        for index in cells.indices { cells[index] = .blank }
    }

    /// Sets one cell, ignoring positions outside the grid.
    @inline(__always)
    public mutating func set(_ scalar: Unicode.Scalar, x: Int, y: Int, style: CellStyle = .normal) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y * width + x] = Cell(scalar, style: style)
    }

    /// Writes `text` from `(x, y)` to the right, one column per scalar, clipped at the grid's
    /// edge and after `maxWidth` columns. Control characters are drawn as `?`.
    /// Returns the number of columns written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .normal,
                             maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = min(width, x + (maxWidth ?? width))
        var column = x
        for scalar in text.unicodeScalars {
            if column >= limit { break }
            if column >= 0 {
                let safe = scalar.value < 0x20 || scalar.value == 0x7F ? "?" : scalar
                cells[y * width + column] = Cell(safe, style: style)
            }
            column += 1
        }
        return max(0, column - max(x, 0))
    }

    /// Fills a rectangle (clipped to the grid) with one glyph.
    public mutating func fill(_ rect: Rect, with scalar: Unicode.Scalar = " ", style: CellStyle = .normal) {
        let x0 = max(0, rect.x), x1 = min(width, rect.maxX)
        let y0 = max(0, rect.y), y1 = min(height, rect.maxY)
        guard x0 < x1, y0 < y1 else { return }
        let cell = Cell(scalar, style: style)
        for y in y0..<y1 {
            for x in x0..<x1 { cells[y * width + x] = cell }
        }
    }

    /// Changes the style of every cell in a rectangle, keeping the glyphs.
    public mutating func restyle(_ rect: Rect, style: CellStyle) {
        let x0 = max(0, rect.x), x1 = min(width, rect.maxX)
        let y0 = max(0, rect.y), y1 = min(height, rect.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 { cells[y * width + x].style = style }
        }
    }

    /// The text of each row, full width (for snapshots and tests).
    public func lines() -> [String] {
        (0..<height).map { y in
            var line = String.UnicodeScalarView()
            for x in 0..<width { line.append(cells[y * width + x].scalar) }
            return String(line)
        }
    }

    /// The style of each cell as one character per column (see `CellStyle.code`):
    /// a space for normal, `m` muted, `a` accent, `g` good, `w` warning, `c` critical,
    /// `h` header, `s` selection; upper case when bold or reversed.
    public func styleLines() -> [String] {
        (0..<height).map { y in
            String((0..<width).map { x in cells[y * width + x].style.code })
        }
    }
}

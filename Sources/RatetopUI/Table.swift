/// A table drawn into a rectangle: a header row and data rows, columns aligned left or right,
/// text cut with an ellipsis. Fixed-width columns keep their width; flexible ones share the rest.
/// Columns that do not fit are dropped from the right.
public struct Table: Sendable {
    public enum Alignment: Sendable { case left, right }

    public struct Column: Sendable {
        public var title: String
        public var width: Int
        public var alignment: Alignment
        /// Takes the width left over by fixed columns (at least `width`).
        public var flexible: Bool

        public init(_ title: String, width: Int, alignment: Alignment = .left, flexible: Bool = false) {
            self.title = title
            self.width = width
            self.alignment = alignment
            self.flexible = flexible
        }
    }

    public struct Row: Sendable {
        public var cells: [String]
        /// One style per cell; missing entries use `style`.
        public var cellStyles: [CellStyle]
        public var style: CellStyle

        public init(_ cells: [String], style: CellStyle = .normal, cellStyles: [CellStyle] = []) {
            self.cells = cells
            self.style = style
            self.cellStyles = cellStyles
        }
    }

    public var columns: [Column]
    public var gap: Int
    public var headerStyle: CellStyle

    public init(columns: [Column], gap: Int = 2, headerStyle: CellStyle = .muted) {
        self.columns = columns
        self.gap = gap
        self.headerStyle = headerStyle
    }

    /// The x offset and width of each column that fits in `width`.
    public func layout(width: Int) -> [(x: Int, width: Int)] {
        var shown = columns.count
        while shown > 0 {
            let fixed = columns.prefix(shown).reduce(0) { $0 + $1.width } + gap * (shown - 1)
            if fixed <= width { break }
            shown -= 1
        }
        guard shown > 0 else { return [] }
        let used = columns.prefix(shown).reduce(0) { $0 + $1.width } + gap * (shown - 1)
        let flexibleCount = columns.prefix(shown).filter(\.flexible).count
        var spare = width - used
        var result: [(x: Int, width: Int)] = []
        var x = 0
        var flexibleSeen = 0
        for column in columns.prefix(shown) {
            var columnWidth = column.width
            if column.flexible {
                flexibleSeen += 1
                let share = flexibleSeen == flexibleCount ? spare : spare / flexibleCount
                columnWidth += share
                spare -= share
            }
            result.append((x, columnWidth))
            x += columnWidth + gap
        }
        return result
    }

    /// Draws the header (when `header` is true) and as many rows as fit.
    public func draw(rows: [Row], header: Bool = true, in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !rect.isEmpty else { return }
        let layout = layout(width: rect.width)
        var y = rect.y
        if header {
            for (index, slot) in layout.enumerated() {
                Self.putAligned(columns[index].title, x: rect.x + slot.x, y: y, width: slot.width,
                                alignment: columns[index].alignment, style: headerStyle, grid: &grid, glyphs: glyphs)
            }
            y += 1
        }
        for row in rows {
            guard y < rect.maxY else { break }
            for (index, slot) in layout.enumerated() where index < row.cells.count {
                let style = index < row.cellStyles.count ? row.cellStyles[index] : row.style
                Self.putAligned(row.cells[index], x: rect.x + slot.x, y: y, width: slot.width,
                                alignment: columns[index].alignment, style: style, grid: &grid, glyphs: glyphs)
            }
            y += 1
        }
    }

    /// Writes `text` in a slot of `width` columns, cut with the ellipsis when too long.
    public static func putAligned(_ text: String, x: Int, y: Int, width: Int, alignment: Alignment,
                                  style: CellStyle, grid: inout CellGrid, glyphs: Glyphs) {
        guard width > 0 else { return }
        let fitted = truncate(text, to: width, glyphs: glyphs)
        let length = fitted.unicodeScalars.count
        let start = alignment == .left ? x : x + width - length
        grid.put(fitted, x: start, y: y, style: style, maxWidth: width)
    }

    /// `text` cut to `width` columns, ending in the ellipsis glyph when cut.
    public static func truncate(_ text: String, to width: Int, glyphs: Glyphs) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > width else { return text }
        guard width > 0 else { return "" }
        var view = String.UnicodeScalarView(scalars.prefix(width - 1))
        view.append(glyphs.ellipsis)
        return String(view)
    }
}

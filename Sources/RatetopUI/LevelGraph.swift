/// An area graph of a bucket's level over time: values `0…capacity`, oldest first, `nil` for
/// an unknown gap. Braille packs 2 samples × 4 levels into a cell, blocks 1 × 8, ASCII 1 × 3
/// (`.` `:` `|`). The series is resampled to the available columns, keeping each column's
/// lowest level (the dips are what matter for headroom). A known level always shows at least
/// the bottom dot, so an empty bucket is told apart from a gap.
public struct LevelGraph: Sendable {
    public var series: [Double?]
    public var capacity: Double
    /// The style for a column given its level as a fraction of capacity.
    public var styleForFraction: @Sendable (Double) -> CellStyle

    public init(series: [Double?], capacity: Double,
                styleForFraction: @escaping @Sendable (Double) -> CellStyle = { _ in .good }) {
        self.series = series
        self.capacity = capacity
        self.styleForFraction = styleForFraction
    }

    /// The lowest known value of each of `columns` equal slices of the series.
    public static func resample(_ series: [Double?], columns: Int) -> [Double?] {
        SeriesColumns.reduce(series, columns: columns) { slice in
            var lowest: Double?
            for case let value? in slice where value < (lowest ?? .infinity) { lowest = value }
            return lowest
        }
    }

    public func draw(in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !rect.isEmpty, capacity > 0 else { return }
        switch glyphs.graphStyle {
        case .braille: drawBraille(in: rect, grid: &grid)
        case .blocks: drawLevels(in: rect, grid: &grid, perCell: 8, glyphs: glyphs.verticalEighths, full: "█")
        case .ascii: drawLevels(in: rect, grid: &grid, perCell: 3, glyphs: [".", ":", "|"], full: "|")
        }
    }

    /// How many of `steps` levels a value fills (at least 1 for a known value).
    private func filled(_ value: Double?, steps: Int) -> Int? {
        guard let value else { return nil }
        let fraction = min(1, max(0, value / capacity))
        return max(1, Int((fraction * Double(steps)).rounded()))
    }

    private func fraction(_ value: Double?) -> Double? {
        value.map { min(1, max(0, $0 / capacity)) }
    }

    private func drawBraille(in rect: Rect, grid: inout CellGrid) {
        let steps = rect.height * 4
        let samples = Self.resample(series, columns: rect.width * 2)
        // Dot bits from the bottom row up: left column 7,3,2,1; right column 8,6,5,4.
        let leftBits: [UInt32] = [0x40, 0x04, 0x02, 0x01]
        let rightBits: [UInt32] = [0x80, 0x20, 0x10, 0x08]
        for cellColumn in 0..<rect.width {
            let left = filled(samples[cellColumn * 2], steps: steps)
            let right = filled(samples[cellColumn * 2 + 1], steps: steps)
            let low: Double? = switch (fraction(samples[cellColumn * 2]), fraction(samples[cellColumn * 2 + 1])) {
            case let (a?, b?): min(a, b)
            case let (a?, nil): a
            case let (nil, b?): b
            case (nil, nil): nil
            }
            let style = low.map(styleForFraction) ?? .muted
            for cellRow in 0..<rect.height {
                let base = (rect.height - 1 - cellRow) * 4 // dot rows below this cell
                var bits: UInt32 = 0
                for dot in 0..<4 {
                    if let left, left > base + dot { bits |= leftBits[dot] }
                    if let right, right > base + dot { bits |= rightBits[dot] }
                }
                let scalar = bits == 0 ? " " : Unicode.Scalar(0x2800 + bits) ?? " "
                grid.set(scalar, x: rect.x + cellColumn, y: rect.y + cellRow, style: style)
            }
        }
    }

    private func drawLevels(in rect: Rect, grid: inout CellGrid, perCell: Int,
                            glyphs partials: [Unicode.Scalar], full: Unicode.Scalar) {
        let steps = rect.height * perCell
        let samples = Self.resample(series, columns: rect.width)
        for column in 0..<rect.width {
            let level = filled(samples[column], steps: steps)
            let style = fraction(samples[column]).map(styleForFraction) ?? .muted
            for cellRow in 0..<rect.height {
                let base = (rect.height - 1 - cellRow) * perCell
                var scalar: Unicode.Scalar = " "
                if let level, level > base {
                    let inCell = min(perCell, level - base)
                    scalar = inCell == perCell ? full : partials[inCell - 1]
                }
                grid.set(scalar, x: rect.x + column, y: rect.y + cellRow, style: style)
            }
        }
    }
}

/// A series cut into `columns` equal slices (each at least one value), each reduced to one value:
/// how a graph fits any number of seconds into the columns it has.
enum SeriesColumns {
    static func reduce(_ series: [Double?], columns: Int, _ reduce: (ArraySlice<Double?>) -> Double?) -> [Double?] {
        guard columns > 0 else { return [] }
        let count = series.count
        guard count > 0 else { return Array(repeating: nil, count: columns) }
        var result: [Double?] = []
        result.reserveCapacity(columns)
        for column in 0..<columns {
            let start = column * count / columns
            let end = min(count, max(start + 1, (column + 1) * count / columns))
            result.append(reduce(series[start..<end]))
        }
        return result
    }
}

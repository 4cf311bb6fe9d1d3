/// A bar graph of a bucket's use against its refill rate: values are use per second, oldest
/// first, `nil` for an unknown gap; the scale is fixed from 0 to `scale` × the refill rate, with
/// a dotted line at 100 % (using the bucket as fast as it refills). Idle draws nothing, a burst
/// a spike, a bar over the line is draining the bucket, and a bar cut off at the top (over
/// `scale`) is drawn critical. The series is resampled to the available columns by averaging
/// each column's seconds, so the area of the bars stays the tokens used.
public struct ActivityGraph: Sendable {
    /// The top of the graph, as a share of the refill rate.
    public static let scale = 2.0

    public var series: [Double?]
    /// The limit ÷ 60.
    public var refillPerSecond: Double

    public init(series: [Double?], refillPerSecond: Double) {
        self.series = series
        self.refillPerSecond = refillPerSecond
    }

    /// The mean of the known values of each of `columns` equal slices of the series.
    public static func resample(_ series: [Double?], columns: Int) -> [Double?] {
        SeriesColumns.reduce(series, columns: columns) { slice in
            var sum = 0.0
            var known = 0
            for case let value? in slice where value.isFinite {
                sum += value
                known += 1
            }
            return known > 0 ? sum / Double(known) : nil
        }
    }

    /// The style of a bar at `share` of the refill rate.
    public static func style(forShare share: Double) -> CellStyle {
        if share > scale { return CellStyle.critical.emphasized }
        if share > 1 { return .warning }
        return .accent
    }

    public func draw(in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !rect.isEmpty, refillPerSecond > 0, refillPerSecond.isFinite else { return }
        switch glyphs.graphStyle {
        case .braille: drawBraille(in: rect, grid: &grid)
        case .blocks: drawBars(in: rect, grid: &grid, perCell: 8, partials: glyphs.verticalEighths, full: "█", line: glyphs.limitLine)
        case .ascii: drawBars(in: rect, grid: &grid, perCell: 3, partials: [".", ":", "|"], full: "|", line: glyphs.limitLine)
        }
    }

    private func share(_ value: Double?) -> Double? {
        guard let value, value.isFinite else { return nil }
        return max(0, value / refillPerSecond)
    }

    /// How many of `steps` levels a share fills: none when idle, at least one for any use.
    private static func filled(_ share: Double?, steps: Int) -> Int {
        guard let share, share > 0 else { return 0 }
        return max(1, min(steps, Int((share / scale * Double(steps)).rounded())))
    }

    private func drawBraille(in rect: Rect, grid: inout CellGrid) {
        let steps = rect.height * 4
        // The 100 % line is the highest dot a bar at exactly the refill rate fills.
        let lineDot = max(0, steps / 2 - 1)
        let lineRow = rect.height - 1 - lineDot / 4
        let samples = Self.resample(series, columns: rect.width * 2)
        // Dot bits from the bottom row up: left column 7,3,2,1; right column 8,6,5,4.
        let leftBits: [UInt32] = [0x40, 0x04, 0x02, 0x01]
        let rightBits: [UInt32] = [0x80, 0x20, 0x10, 0x08]
        for cellColumn in 0..<rect.width {
            let leftShare = share(samples[cellColumn * 2])
            let rightShare = share(samples[cellColumn * 2 + 1])
            let left = Self.filled(leftShare, steps: steps)
            let right = Self.filled(rightShare, steps: steps)
            let high = max(leftShare ?? 0, rightShare ?? 0)
            for cellRow in 0..<rect.height {
                let base = (rect.height - 1 - cellRow) * 4
                var bits: UInt32 = 0
                for dot in 0..<4 {
                    if left > base + dot { bits |= leftBits[dot] }
                    if right > base + dot { bits |= rightBits[dot] }
                }
                let hasBar = bits != 0
                if cellRow == lineRow { bits |= leftBits[lineDot % 4] | rightBits[lineDot % 4] }
                let scalar = bits == 0 ? " " : Unicode.Scalar(0x2800 + bits) ?? " "
                grid.set(scalar, x: rect.x + cellColumn, y: rect.y + cellRow,
                         style: hasBar ? Self.style(forShare: high) : .muted)
            }
        }
    }

    private func drawBars(in rect: Rect, grid: inout CellGrid, perCell: Int, partials: [Unicode.Scalar],
                          full: Unicode.Scalar, line: Unicode.Scalar) {
        let steps = rect.height * perCell
        let lineLevel = max(0, steps / 2 - 1)
        let lineRow = rect.height - 1 - lineLevel / perCell
        let samples = Self.resample(series, columns: rect.width)
        for column in 0..<rect.width {
            let columnShare = share(samples[column])
            let level = Self.filled(columnShare, steps: steps)
            for cellRow in 0..<rect.height {
                let base = (rect.height - 1 - cellRow) * perCell
                var scalar: Unicode.Scalar = " "
                var style = CellStyle.muted
                if level > base {
                    let inCell = min(perCell, level - base)
                    scalar = inCell == perCell ? full : partials[inCell - 1]
                    style = Self.style(forShare: columnShare ?? 0)
                } else if cellRow == lineRow {
                    scalar = line
                }
                grid.set(scalar, x: rect.x + column, y: rect.y + cellRow, style: style)
            }
        }
    }
}

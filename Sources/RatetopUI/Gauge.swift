/// A horizontal bar showing a fraction with eighth-of-a-cell resolution (`█▉▊▋▌▍▎▏`), or
/// `#`/`=` in ASCII. The empty part is drawn with the muted empty glyph.
public struct Gauge: Sendable {
    public var fraction: Double
    public var style: CellStyle
    public var emptyStyle: CellStyle

    public init(fraction: Double, style: CellStyle = .good, emptyStyle: CellStyle = .muted) {
        self.fraction = fraction
        self.style = style
        self.emptyStyle = emptyStyle
    }

    /// Draws into the first row of `rect`.
    public func draw(in rect: Rect, grid: inout CellGrid, glyphs: Glyphs) {
        guard !rect.isEmpty else { return }
        let clamped = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let eighths = Int((clamped * Double(rect.width * 8)).rounded())
        let full = eighths / 8
        let partial = eighths % 8
        for column in 0..<rect.width {
            let x = rect.x + column
            if column < full {
                grid.set(glyphs.gaugeFull, x: x, y: rect.y, style: style)
            } else if column == full, partial > 0, glyphs.gaugeEighths[partial - 1] != " " {
                grid.set(glyphs.gaugeEighths[partial - 1], x: x, y: rect.y, style: style)
            } else {
                grid.set(glyphs.gaugeEmpty, x: x, y: rect.y, style: emptyStyle)
            }
        }
    }
}

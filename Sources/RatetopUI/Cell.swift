/// One column of the screen: a glyph (every glyph ratetop draws is one column wide) and its style.
public struct Cell: Sendable, Hashable {
    public var scalar: Unicode.Scalar
    public var style: CellStyle

    public init(_ scalar: Unicode.Scalar, style: CellStyle = .normal) {
        self.scalar = scalar
        self.style = style
    }

    /// An empty cell in the normal style.
    public static let blank = Cell(" ")
}

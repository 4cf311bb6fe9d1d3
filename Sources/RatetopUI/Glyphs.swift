/// The glyphs the dashboard draws with: a Unicode set (block gauges, braille graphs,
/// box drawing) and a plain ASCII set for terminals without UTF-8. The caller chooses.
public struct Glyphs: Sendable, Equatable {
    /// How `LevelGraph` draws.
    public enum GraphStyle: Sendable, Equatable {
        /// Braille patterns: 2 samples × 4 levels per cell.
        case braille
        /// Lower eighth blocks `▁▂▃▄▅▆▇█`: 1 sample × 8 levels per cell.
        case blocks
        /// `.` `:` `|`: 1 sample × 3 levels per cell.
        case ascii
    }

    public var isUnicode: Bool
    /// A whole gauge cell.
    public var gaugeFull: Unicode.Scalar
    /// Partial gauge cells for 1/8 … 7/8 (index 0 is 1/8). ASCII repeats coarse glyphs.
    public var gaugeEighths: [Unicode.Scalar]
    /// An empty gauge cell.
    public var gaugeEmpty: Unicode.Scalar
    public var graphStyle: GraphStyle
    /// Lower blocks for 1/8 … 8/8 (block graphs).
    public var verticalEighths: [Unicode.Scalar]
    /// The activity graph's 100 % line where no bar covers it (block and ASCII graphs).
    public var limitLine: Unicode.Scalar
    public var horizontal: Unicode.Scalar
    public var vertical: Unicode.Scalar
    public var topLeft: Unicode.Scalar
    public var topRight: Unicode.Scalar
    public var bottomLeft: Unicode.Scalar
    public var bottomRight: Unicode.Scalar
    /// Marks text cut short.
    public var ellipsis: Unicode.Scalar
    /// Points at the bucket that binds first.
    public var pointer: Unicode.Scalar
    /// Stands for "none" (not draining, no data).
    public var none: Unicode.Scalar
    /// Separates items on one line.
    public var dot: Unicode.Scalar
    public var multiply: Unicode.Scalar
    public var arrowLeft: Unicode.Scalar
    public var arrowRight: Unicode.Scalar
    public var live: String
    public var playing: String
    public var paused: String
    public var finished: String

    /// UTF-8 terminals: eighth blocks, braille graph, light box drawing.
    public static let unicode = Glyphs(
        isUnicode: true,
        gaugeFull: "█", gaugeEighths: ["▏", "▎", "▍", "▌", "▋", "▊", "▉"], gaugeEmpty: "·",
        graphStyle: .braille,
        verticalEighths: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        limitLine: "┄", horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        ellipsis: "…", pointer: "▸", none: "—", dot: "·", multiply: "×",
        arrowLeft: "←", arrowRight: "→",
        live: "● live", playing: "▶ replay", paused: "❚❚ paused", finished: "■ finished")

    /// The Unicode set with block-element graphs instead of braille (fonts without braille).
    public static let unicodeBlocks: Glyphs = {
        var glyphs = Glyphs.unicode
        glyphs.graphStyle = .blocks
        return glyphs
    }()

    /// Plain ASCII: `#` gauges, `.` `:` `|` graphs, `+-|` boxes.
    public static let ascii = Glyphs(
        isUnicode: false,
        gaugeFull: "#", gaugeEighths: [" ", " ", " ", "=", "=", "=", "="], gaugeEmpty: ".",
        graphStyle: .ascii,
        verticalEighths: [".", ".", ":", ":", ":", "|", "|", "|"],
        limitLine: "-", horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        ellipsis: "~", pointer: ">", none: "-", dot: "|", multiply: "x",
        arrowLeft: "<", arrowRight: ">",
        live: "* live", playing: "> replay", paused: "|| paused", finished: "[] finished")
}

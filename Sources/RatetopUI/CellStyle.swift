/// How a cell is drawn: a semantic colour role and two attributes. The terminal backend maps
/// the role to a colour pair (or to nothing under `NO_COLOR`); the view never names colours.
public struct CellStyle: Sendable, Hashable {
    public var role: ColorRole
    public var bold: Bool
    public var reverse: Bool

    public init(_ role: ColorRole = .normal, bold: Bool = false, reverse: Bool = false) {
        self.role = role
        self.bold = bold
        self.reverse = reverse
    }

    public static let normal = CellStyle(.normal)
    public static let muted = CellStyle(.muted)
    public static let accent = CellStyle(.accent)
    public static let good = CellStyle(.good)
    public static let warning = CellStyle(.warning)
    public static let critical = CellStyle(.critical)
    public static let header = CellStyle(.header, bold: true)
    public static let selection = CellStyle(.selection, reverse: true)

    /// The same style in bold.
    public var emphasized: CellStyle {
        var copy = self
        copy.bold = true
        return copy
    }

    /// One character naming this style in `CellGrid.styleLines()`: the role's letter
    /// (`n`ormal is a space), upper-cased when bold or reversed.
    public var code: Character {
        let letter: Character = switch role {
        case .normal: "n"
        case .muted: "m"
        case .accent: "a"
        case .good: "g"
        case .warning: "w"
        case .critical: "c"
        case .header: "h"
        case .selection: "s"
        }
        if bold || reverse { return Character(letter.uppercased()) }
        return role == .normal ? " " : letter
    }
}

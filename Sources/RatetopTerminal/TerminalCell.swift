import RatetopUI

/// One column of one row of the screen: a single-width character and its style.
///
/// A scalar that is not one column wide (a control character, a combining mark, a CJK or emoji
/// glyph) is drawn as a placeholder, so a frame's columns always line up with the screen's.
public struct TerminalCell: Equatable, Hashable, Sendable {
    public var scalar: Unicode.Scalar
    public var role: ColorRole
    /// Bold on top of the role's style (a role may already be bold).
    public var bold: Bool
    /// Reverse video on top of the role's style (a role may already be reversed).
    public var reverse: Bool

    public init(
        _ scalar: Unicode.Scalar = " ",
        role: ColorRole = .normal,
        bold: Bool = false,
        reverse: Bool = false
    ) {
        self.scalar = scalar
        self.role = role
        self.bold = bold
        self.reverse = reverse
    }

    /// A space in the normal role.
    public static let blank = TerminalCell()
}

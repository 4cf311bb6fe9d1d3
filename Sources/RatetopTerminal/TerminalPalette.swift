import RatetopUI
/// How one role looks: colours (ignored in monochrome) and attributes.
public struct TerminalStyle: Equatable, Hashable, Sendable {
    /// A colour number, or -1 for the terminal's own foreground/background.
    public var foreground: Int16
    public var background: Int16
    public var bold: Bool
    public var reverse: Bool

    public init(foreground: Int16 = -1, background: Int16 = -1, bold: Bool = false, reverse: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
    }
}

/// Maps each `ColorRole` to a style for a colour mode.
public struct TerminalPalette: Equatable, Sendable {
    public let mode: TerminalColorMode
    private let styles: [TerminalStyle]

    /// ratetop's palette for `mode`.
    public init(mode: TerminalColorMode) {
        self.mode = mode
        self.styles = ColorRole.allCases.map { Self.standardStyle(for: $0, mode: mode) }
    }

    public func style(for role: ColorRole) -> TerminalStyle {
        styles[Int(role.rawValue)]
    }

    /// Whether the terminal draws roles with colour pairs at all.
    public var usesColor: Bool { mode != .monochrome }

    private static func standardStyle(for role: ColorRole, mode: TerminalColorMode) -> TerminalStyle {
        switch mode {
        case .colors256:
            switch role {
            case .normal: return TerminalStyle()
            case .muted: return TerminalStyle(foreground: 244)
            case .accent: return TerminalStyle(foreground: 39)
            case .good: return TerminalStyle(foreground: 70)
            case .warning: return TerminalStyle(foreground: 214)
            case .critical: return TerminalStyle(foreground: 196, bold: true)
            case .header: return TerminalStyle(foreground: 255, background: 24, bold: true)
            case .selection: return TerminalStyle(foreground: 16, background: 117)
            }
        case .colors8:
            // 0 black, 1 red, 2 green, 3 yellow, 4 blue, 5 magenta, 6 cyan, 7 white.
            switch role {
            case .normal: return TerminalStyle()
            case .muted: return TerminalStyle(foreground: 4)
            case .accent: return TerminalStyle(foreground: 6)
            case .good: return TerminalStyle(foreground: 2)
            case .warning: return TerminalStyle(foreground: 3, bold: true)
            case .critical: return TerminalStyle(foreground: 1, bold: true)
            case .header: return TerminalStyle(foreground: 0, background: 6)
            case .selection: return TerminalStyle(foreground: 0, background: 7)
            }
        case .monochrome:
            switch role {
            case .normal, .muted, .good: return TerminalStyle()
            case .accent, .warning: return TerminalStyle(bold: true)
            case .critical: return TerminalStyle(bold: true, reverse: true)
            case .header: return TerminalStyle(reverse: true)
            case .selection: return TerminalStyle(bold: true, reverse: true)
            }
        }
    }
}

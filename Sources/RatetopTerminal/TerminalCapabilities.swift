import RatetopUI
/// How many colours ratetop may use.
public enum TerminalColorMode: Equatable, Hashable, Sendable {
    /// No colour: roles are told apart by bold and reverse only (also what `NO_COLOR` asks for).
    case monochrome
    /// The eight ANSI colours.
    case colors8
    /// The xterm 256-colour palette.
    case colors256
}

/// What the terminal and the locale allow, decided once when the screen opens.
public struct TerminalCapabilities: Equatable, Hashable, Sendable {
    /// The locale's character set is UTF-8, so block, braille and box-drawing glyphs can be drawn.
    /// When false, the views should fall back to ASCII glyphs (others are drawn as `?`).
    public var unicode: Bool
    public var colorMode: TerminalColorMode
    /// `NO_COLOR` was set to a non-empty value (https://no-color.org).
    public var noColorRequested: Bool

    public init(unicode: Bool, colorMode: TerminalColorMode, noColorRequested: Bool = false) {
        self.unicode = unicode
        self.colorMode = colorMode
        self.noColorRequested = noColorRequested
    }

    /// Decides the capabilities from what ncurses and the locale report.
    ///
    /// - Parameters:
    ///   - codeset: `nl_langinfo(CODESET)` after `setlocale`, e.g. `"UTF-8"` or `"ANSI_X3.4-1968"`.
    ///   - terminalHasColors: `has_colors()`.
    ///   - colors: `COLORS` after `start_color()`.
    ///   - colorPairs: `COLOR_PAIRS` after `start_color()`.
    ///   - environment: looks up an environment variable (injectable for tests).
    public static func detect(
        codeset: String,
        terminalHasColors: Bool,
        colors: Int,
        colorPairs: Int,
        environment: (String) -> String?
    ) -> TerminalCapabilities {
        let noColor = noColorRequested(environment)
        let pairsNeeded = ColorRole.allCases.count + 1
        let mode: TerminalColorMode
        if noColor || !terminalHasColors || colorPairs < pairsNeeded {
            mode = .monochrome
        } else if colors >= 256 {
            mode = .colors256
        } else if colors >= 8 {
            mode = .colors8
        } else {
            mode = .monochrome
        }
        return TerminalCapabilities(unicode: isUTF8(codeset: codeset), colorMode: mode, noColorRequested: noColor)
    }

    /// `NO_COLOR` is present and not empty.
    public static func noColorRequested(_ environment: (String) -> String?) -> Bool {
        guard let value = environment("NO_COLOR") else { return false }
        return !value.isEmpty
    }

    /// True for "UTF-8", "utf8" and the like.
    public static func isUTF8(codeset: String) -> Bool {
        let normalized = codeset.lowercased().filter { $0 != "-" && $0 != "_" }
        return normalized == "utf8"
    }
}

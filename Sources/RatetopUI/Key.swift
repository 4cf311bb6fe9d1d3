/// A key press as the terminal backend decodes it.
public enum Key: Hashable, Sendable {
    case character(Character)
    case tab
    case backTab
    case left
    case right
    case up
    case down
    case enter
    case escape
    case backspace
    case pageUp
    case pageDown
    case home
    case end
    /// The terminal was resized (ncurses' `KEY_RESIZE`).
    case resize
    /// Ctrl-C, or SIGINT/SIGTERM/SIGHUP delivered to the process.
    case interrupt
    /// F1…F63.
    case function(Int)

    /// How the key is written in the help overlay and the status line.
    public func displayName(glyphs: Glyphs) -> String {
        switch self {
        case .character(" "): "space"
        case .character(let character): String(character)
        case .tab: "tab"
        case .backTab: "shift-tab"
        case .left: String(glyphs.arrowLeft)
        case .right: String(glyphs.arrowRight)
        case .up: glyphs.isUnicode ? "↑" : "up"
        case .down: glyphs.isUnicode ? "↓" : "down"
        case .enter: "enter"
        case .escape: "esc"
        case .backspace: "backspace"
        case .pageUp: "pgup"
        case .pageDown: "pgdn"
        case .home: "home"
        case .end: "end"
        case .resize: "resize"
        case .interrupt: "ctrl-c"
        case .function(let number): "F\(number)"
        }
    }

    /// True for control characters (Ctrl-A is U+0001 …).
    public var isControlCharacter: Bool {
        guard case .character(let character) = self else { return false }
        return character.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}

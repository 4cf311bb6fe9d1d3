/// What a cell's colour means; the palette decides how each role looks on a given terminal.
public enum TerminalColorRole: UInt8, CaseIterable, Sendable {
    case normal = 0
    case muted
    case accent
    case good
    case warning
    case critical
    case header
    case selection

    /// The ncurses colour pair this role uses when the terminal has colour (1...8; 0 is reserved).
    var colorPair: Int16 { Int16(rawValue) + 1 }
}

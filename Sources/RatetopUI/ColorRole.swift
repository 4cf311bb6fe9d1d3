/// What a cell's colour means; the terminal backend maps roles to colours (or to nothing,
/// under `NO_COLOR` and the monochrome theme).
public enum ColorRole: UInt8, Sendable, Hashable, CaseIterable {
    case normal
    case muted
    case accent
    case good
    case warning
    case critical
    case header
    case selection
}

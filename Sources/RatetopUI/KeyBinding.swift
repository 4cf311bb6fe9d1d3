/// One row of the key table: the keys, what the help overlay calls it, and the action.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    /// What the key does, for the help overlay (`switch model class`).
    public var label: String
    /// The short form for the status line (`class`); nil keeps it off the status line.
    public var hint: String?
    /// The action, or nil when the key's action depends on the key (the digit keys).
    public var action: KeyAction
    /// Only active in replay.
    public var replayOnly: Bool

    public init(keys: [Key], label: String, hint: String? = nil, action: KeyAction, replayOnly: Bool = false) {
        self.keys = keys
        self.label = label
        self.hint = hint
        self.action = action
        self.replayOnly = replayOnly
    }

    /// The keys as written in the help overlay: `+ =`, `1-9`.
    public func keyText(glyphs: Glyphs) -> String {
        if case .selectClass = action, keys.count > 1,
           let first = keys.first?.displayName(glyphs: glyphs), let last = keys.last?.displayName(glyphs: glyphs) {
            return first + "-" + last
        }
        return keys.map { $0.displayName(glyphs: glyphs) }.joined(separator: " ")
    }
}

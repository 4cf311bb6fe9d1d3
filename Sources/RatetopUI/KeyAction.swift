/// What a key does on the dashboard.
public enum KeyAction: Hashable, Sendable {
    case quit
    /// Shows or hides the help overlay.
    case help
    /// Closes the help overlay or the expanded panel.
    case dismiss
    case nextClass
    case previousClass
    /// Selects the tab at this index (0-based; key `1` is index 0).
    case selectClass(Int)
    /// Cycles the graph window 1 → 5 → 15 → 60 minutes.
    case graphWindow
    /// Switches the graphs between activity (use against the refill rate) and level.
    case graphKind
    /// Cycles the "who is draining" grouping.
    case grouping
    /// Pauses or resumes the replay.
    case pause
    case faster
    case slower
    case seekBack
    case seekForward
    /// Expands the next panel (cycles, then back to the normal layout).
    case expand
    /// Doubles or halves the request the admission line asks about (from the class's p95).
    case largerRequest
    case smallerRequest
}

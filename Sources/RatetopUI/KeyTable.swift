/// The one key table: key dispatch and the `?` help overlay are both read from it, so they
/// cannot disagree. No binding uses Ctrl-A or Ctrl-B (tmux and screen prefixes).
public enum KeyTable {
    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.character("q"), .interrupt], label: "quit", hint: "quit", action: .quit),
        KeyBinding(keys: [.character("?"), .function(1)], label: "show or hide this help", hint: "help", action: .help),
        KeyBinding(keys: [.escape], label: "close help or expanded panel", hint: "back", action: .dismiss),
        KeyBinding(keys: [.tab], label: "next model class", hint: "class", action: .nextClass),
        KeyBinding(keys: [.backTab], label: "previous model class", action: .previousClass),
        KeyBinding(keys: (1...9).map { .character(Character(String($0))) }, label: "model class by number",
                   action: .selectClass(0)),
        KeyBinding(keys: [.character("w")], label: "graph window 1/5/15/60 min", hint: "window", action: .graphWindow),
        KeyBinding(keys: [.character("v")], label: "graph use against refill, or level", hint: "graph",
                   action: .graphKind),
        KeyBinding(keys: [.character("g")], label: "group drainers by source/project/session", hint: "group",
                   action: .grouping),
        KeyBinding(keys: [.character("e")], label: "expand the next panel", hint: "expand", action: .expand),
        KeyBinding(keys: [.character(" ")], label: "pause or resume", hint: "pause", action: .pause, replayOnly: true),
        KeyBinding(keys: [.character("+"), .character("=")], label: "faster", hint: "faster", action: .faster,
                   replayOnly: true),
        KeyBinding(keys: [.character("-")], label: "slower", hint: "slower", action: .slower, replayOnly: true),
        // `+`/`-` are the replay's speed: the next request's size is on `]`/`[`, in both modes.
        KeyBinding(keys: [.character("]")], label: "next request: twice the size", action: .largerRequest),
        KeyBinding(keys: [.character("[")], label: "next request: half the size", action: .smallerRequest),
        KeyBinding(keys: [.left], label: "seek back", action: .seekBack, replayOnly: true),
        KeyBinding(keys: [.right], label: "seek forward", action: .seekForward, replayOnly: true),
    ]

    /// The action for `key` in `mode`; nil when the key is unbound or replay-only in live mode.
    public static func action(for key: Key, mode: DashboardModel.Mode) -> KeyAction? {
        for binding in bindings where binding.keys.contains(key) {
            if binding.replayOnly && !mode.isReplay { return nil }
            if case .selectClass = binding.action, case .character(let character) = key,
               let digit = character.wholeNumberValue {
                return .selectClass(digit - 1)
            }
            return binding.action
        }
        return nil
    }

    /// The bindings active in `mode`.
    public static func active(in mode: DashboardModel.Mode) -> [KeyBinding] {
        bindings.filter { !$0.replayOnly || mode.isReplay }
    }
}

import Testing

/// The two kinds of test suite; every suite carries one of them.
///
/// `swift test` (6.3) cannot select tests by tag yet (`--filter` matches test IDs only), so the
/// end-to-end ones are also named for it: a suite tagged `.endToEnd` is in the
/// `RatetopEndToEndTests` target or its type's name ends in `EndToEndTests`. The fast ones alone
/// are then `swift test --skip EndToEnd` (README.md, "Tests").
extension Tag {
    /// Fast and in-process: no built binary, no external program, no socket, no terminal.
    @Tag public static var unit: Self
    /// Runs the built binary or starts something outside the test's own code: tmux, Prometheus,
    /// Alertmanager, servers on loopback sockets, pseudo-terminals, child processes (exit tests
    /// included).
    @Tag public static var endToEnd: Self
}

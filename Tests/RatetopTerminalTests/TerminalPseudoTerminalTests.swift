import RatetopUI
import CNcurses
import Glibc
import Testing

@testable import RatetopTerminal
import RatetopTestSupport

/// Opens real ncurses screens on pseudo-terminals. ncurses is single-threaded, so these run
/// one at a time; the pure tests in the other suites may run alongside.
@Suite("Terminal on a pseudo-terminal", .serialized, .tags(.endToEnd))
struct TerminalPseudoTerminalEndToEndTests {
    let env = environment(["TERM": "xterm-256color"])

    func openScreen(_ pty: PseudoTerminal, variables: [String: String] = [:]) throws -> Terminal {
        try openTestScreen(pty, variables: variables)
    }

    @Test func drawPutsCharactersAndAttributes() throws {
        let pty = try PseudoTerminal(rows: 10, columns: 40)
        let terminal = try openScreen(pty)
        defer { terminal.close() }
        #expect(terminal.capabilities == TerminalCapabilities(unicode: true, colorMode: .colors256))
        #expect(terminal.size == TerminalSize(width: 40, height: 10))

        var frame = TerminalFrame(width: 40, height: 10)
        frame.write("ratetop", x: 0, y: 0, role: .header)
        frame.write(" ▁▂▃▄▅▆▇█ ⣿", x: 0, y: 1, role: .good)
        frame.write("429", x: 5, y: 2, role: .critical)
        frame.write("sel", x: 0, y: 3, role: .selection, bold: true, reverse: true)
        frame.write("漢\u{7}x", x: 0, y: 4)  // a wide and a control character
        frame.write("corner", x: 34, y: 9, role: .accent)
        pty.drain()
        terminal.draw(frame)
        let output = pty.drain()

        #expect(terminal.lastDrawnCellCount == 400)
        #expect(screenLine(0, width: 40) == frame.line(0))
        #expect(screenLine(1, width: 40) == frame.line(1))
        #expect(screenLine(4, width: 10) == "? x       ")
        #expect(screenLine(9, width: 40) == frame.line(9))
        #expect(screenCell(x: 0, y: 0) == ScreenCell(scalar: "r", bold: true, reverse: false, pair: 7))
        #expect(screenCell(x: 2, y: 1) == ScreenCell(scalar: "▂", bold: false, reverse: false, pair: 4))
        #expect(screenCell(x: 6, y: 2) == ScreenCell(scalar: "2", bold: true, reverse: false, pair: 6))
        // Selection is not reversed by the palette in colour, so the cell's own reverse shows.
        #expect(screenCell(x: 1, y: 3) == ScreenCell(scalar: "e", bold: true, reverse: true, pair: 8))
        #expect(screenCell(x: 39, y: 9)?.scalar == "r")
        // The glyphs reached the terminal as UTF-8, not as byte garbage.
        #expect(String(decoding: output, as: UTF8.self).contains("▁▂▃▄▅▆▇█"))
    }

    @Test func secondFrameSendsOnlyTheChangedCells() throws {
        let pty = try PseudoTerminal(rows: 10, columns: 40)
        let terminal = try openScreen(pty)
        defer { terminal.close() }
        var frame = TerminalFrame(width: 40, height: 10)
        for row in 0..<10 { frame.write("row \(row) tokens/min 12345", x: 0, y: row) }
        terminal.draw(frame)
        #expect(terminal.lastDrawnCellCount == 400)
        pty.drain()

        // Change three cells; poke a sentinel behind the Terminal's back into a cell that stays
        // the same. If draw rewrote unchanged cells, the sentinel would be overwritten.
        frame[9, 2] = TerminalCell("9", role: .warning)
        frame[10, 2] = TerminalCell("Z", role: .critical)
        frame[0, 7] = TerminalCell("R", bold: true)
        _ = CNcurses_putCell(5, 0, wchar_t(UInt8(ascii: "#")), CNcurses_attrNormal(), 0)
        terminal.draw(frame)

        #expect(terminal.lastDrawnCellCount == 3)
        #expect(screenCell(x: 9, y: 2) == ScreenCell(scalar: "9", bold: false, reverse: false, pair: 5))
        #expect(screenCell(x: 10, y: 2) == ScreenCell(scalar: "Z", bold: true, reverse: false, pair: 6))
        #expect(screenCell(x: 0, y: 7) == ScreenCell(scalar: "R", bold: true, reverse: false, pair: 1))
        #expect(screenCell(x: 0, y: 5)?.scalar == "#")
        #expect(screenLine(6, width: 40) == frame.line(6))
        // Only a few bytes went out, and none of the unchanged text.
        let output = String(decoding: pty.drain(), as: UTF8.self)
        #expect(output.contains("Z"))
        #expect(!output.contains("tokens"))
        #expect(output.utf8.count < 120)

        // The same frame again sends nothing.
        terminal.draw(frame)
        #expect(terminal.lastDrawnCellCount == 0)
    }

    /// In a child process of its own (an exit test): the SIGWINCH goes to that process, never
    /// to the test runner.
    @Test func resizeIsReportedAndRedrawsEverything() async {
        await #expect(processExitsWith: .success) {
            let pty = try PseudoTerminal(rows: 10, columns: 40)
            let terminal = try openTestScreen(pty)
            defer { terminal.close() }
            terminal.draw(TerminalFrame(width: 40, height: 10, fill: TerminalCell("a")))
            pty.drain()

            try pty.resize(rows: 12, columns: 50)
            // The pty is not our controlling terminal, so the kernel sends no SIGWINCH: deliver
            // it to ncurses' handler ourselves, on this thread, where it is unblocked.
            try deliverSignalToThisThread(SIGWINCH)
            let key = terminal.readKey(timeoutMilliseconds: 500)
            #expect(key == .resize, "after SIGWINCH: \(String(describing: key))")
            #expect(terminal.size == TerminalSize(width: 50, height: 12), "size \(terminal.size)")

            var frame = TerminalFrame(width: 50, height: 12, fill: TerminalCell("a"))
            frame.write("b", x: 49, y: 11)
            terminal.draw(frame)
            #expect(terminal.lastDrawnCellCount == 600, "first frame after the resize: \(terminal.lastDrawnCellCount) cells")
            #expect(screenCell(x: 49, y: 11)?.scalar == "b", "\(String(describing: screenCell(x: 49, y: 11)))")
            #expect(screenCell(x: 45, y: 11)?.scalar == "a", "\(String(describing: screenCell(x: 45, y: 11)))")
            pty.drain()

            // The same frame again without a resize sends nothing...
            terminal.draw(frame)
            #expect(terminal.lastDrawnCellCount == 0, "the same frame without a resize: \(terminal.lastDrawnCellCount) cells")

            // ...and after a resize (to the same size, so neither the frame nor the screen
            // changed) it repaints every cell: the resize alone causes the full repaint.
            try pty.resize(rows: 12, columns: 50)
            try deliverSignalToThisThread(SIGWINCH)
            let again = terminal.readKey(timeoutMilliseconds: 500)
            #expect(again == .resize, "after the second SIGWINCH: \(String(describing: again))")
            terminal.draw(frame)
            #expect(terminal.lastDrawnCellCount == 600, "the same frame after a resize: \(terminal.lastDrawnCellCount) cells")
        }
    }

    @Test func smallerScreenClipsTheFrame() throws {
        let pty = try PseudoTerminal(rows: 5, columns: 20)
        let terminal = try openScreen(pty)
        defer { terminal.close() }
        var frame = TerminalFrame(width: 30, height: 8)
        frame.write("0123456789abcdefghijKLMN", x: 0, y: 4)
        terminal.draw(frame)
        #expect(terminal.lastDrawnCellCount == 100)
        #expect(screenLine(4, width: 20) == "0123456789abcdefghij")
    }

    @Test func keysAreDecoded() throws {
        let pty = try PseudoTerminal()
        let terminal = try openScreen(pty)
        defer { terminal.close() }
        #expect(terminal.readKey(timeoutMilliseconds: 0) == nil)

        let typed: [(String, Key)] = [
            ("q", .character("q")),
            ("\t", .tab),
            ("\u{1B}[Z", .backTab),
            ("\u{1B}OD", .left),  // xterm's kcub1 once keypad mode is on
            ("\u{1B}[D", .left),  // the CSI form, added by define_key
            ("\u{1B}[C", .right),
            ("\u{1B}OA", .up),
            ("\u{1B}[B", .down),
            ("\u{1B}[5~", .pageUp),
            ("\u{1B}OP", .function(1)),
            ("\u{1B}[15~", .function(5)),
            ("\r", .enter),
            ("\u{7F}", .backspace),
            ("é", .character("é")),
            ("\u{03}", .interrupt),
        ]
        for (bytes, expected) in typed {
            pty.type(bytes)
            #expect(terminal.readKey(timeoutMilliseconds: 1000) == expected, "typed \(bytes.debugDescription)")
        }
        // A lone ESC is reported once ESCDELAY passes without the rest of a sequence.
        pty.type("\u{1B}")
        #expect(terminal.readKey(timeoutMilliseconds: 1000) == .escape)
        #expect(terminal.readKey(timeoutMilliseconds: 20) == nil)
    }

    /// In a child process of its own (an exit test): the SIGTERM goes to that process, never to
    /// the test runner (where a missing handler would end the whole run).
    @Test func terminationSignalIsReportedAsInterrupt() async {
        await #expect(processExitsWith: .success) {
            let before = signalHandlerAddress(SIGTERM)
            let pty = try PseudoTerminal()
            let terminal = try openTestScreen(pty)
            // The flag handler is in place: not SIG_DFL, not SIG_IGN, not what was there before.
            let installed = signalHandlerAddress(SIGTERM)
            try #require(installed != 0 && installed != 1 && installed != before,
                         "SIGTERM handler \(installed) (before opening: \(before))")

            try deliverSignalToThisThread(SIGTERM)
            let key = terminal.readKey(timeoutMilliseconds: 1000)
            #expect(key == .interrupt, "after SIGTERM: \(String(describing: key))")
            #expect(terminal.lastTerminationSignal == SIGTERM, "\(String(describing: terminal.lastTerminationSignal))")
            let next = terminal.readKey(timeoutMilliseconds: 0)
            #expect(next == nil, "reported twice: \(String(describing: next))")

            // Closing puts the previous handler back.
            terminal.close()
            #expect(signalHandlerAddress(SIGTERM) == before, "after close: \(signalHandlerAddress(SIGTERM)), before: \(before)")
        }
    }

    @Test func noColorGivesMonochrome() throws {
        let pty = try PseudoTerminal()
        let terminal = try openScreen(pty, variables: ["NO_COLOR": "1"])
        defer { terminal.close() }
        #expect(terminal.capabilities.colorMode == .monochrome)
        #expect(terminal.capabilities.noColorRequested)
        var frame = TerminalFrame(width: 40, height: 10)
        frame.write("!", x: 0, y: 0, role: .critical)
        frame.write("h", x: 1, y: 0, role: .header)
        frame.write("m", x: 2, y: 0, role: .muted)
        terminal.draw(frame)
        #expect(screenCell(x: 0, y: 0) == ScreenCell(scalar: "!", bold: true, reverse: true, pair: 0))
        #expect(screenCell(x: 1, y: 0) == ScreenCell(scalar: "h", bold: false, reverse: true, pair: 0))
        #expect(screenCell(x: 2, y: 0) == ScreenCell(scalar: "m", bold: false, reverse: false, pair: 0))
    }

    @Test func asciiLocaleDrawsPlaceholders() throws {
        let pty = try PseudoTerminal()
        let terminal = try Terminal.open(
            input: pty.slave, output: pty.slave, term: "xterm", locale: "C", environment: environment([:]))
        defer { terminal.close() }
        #expect(terminal.capabilities == TerminalCapabilities(unicode: false, colorMode: .colors8))
        var frame = TerminalFrame(width: 40, height: 10)
        frame.write("a█b", x: 0, y: 0)
        terminal.draw(frame)
        #expect(screenLine(0, width: 3) == "a?b")
    }

    @Test func unknownTerminalTypeThrowsInsteadOfExiting() throws {
        let pty = try PseudoTerminal()
        #expect(throws: TerminalError.unknownTerminalType("no-such-terminal")) {
            _ = try Terminal.open(input: pty.slave, output: pty.slave, term: "no-such-terminal", environment: environment([:]))
        }
        #expect(throws: TerminalError.terminalCannotMoveCursor("dumb")) {
            _ = try Terminal.open(input: pty.slave, output: pty.slave, term: "dumb", environment: environment([:]))
        }
        #expect(throws: TerminalError.terminalTypeUnset) {
            _ = try Terminal.open(input: pty.slave, output: pty.slave, environment: environment([:]))
        }
        // The failed opens left nothing behind: a good one still works.
        let terminal = try openScreen(pty)
        terminal.close()
        #expect(CNcurses_openSessionCount() == 0)
    }

    @Test func notATerminalThrows() throws {
        let devNull = Glibc.open("/dev/null", O_RDWR)
        defer { Glibc.close(devNull) }
        #expect(throws: TerminalError.notATerminal(fileDescriptor: devNull)) {
            _ = try Terminal.open(input: devNull, output: devNull, term: "xterm-256color", environment: environment([:]))
        }
    }

    @Test func closeIsIdempotent() throws {
        let pty = try PseudoTerminal()
        let terminal = try openScreen(pty)
        #expect(terminal.isOpen)
        terminal.close()
        terminal.close()
        #expect(!terminal.isOpen)
        #expect(terminal.readKey(timeoutMilliseconds: 0) == nil)
        terminal.draw(TerminalFrame(width: 1, height: 1))
        #expect(terminal.size == TerminalSize(width: 0, height: 0))
        #expect(CNcurses_openSessionCount() == 0)
        // The pty is back in cooked mode: echo and canonical input are on again.
        var modes = termios()
        tcgetattr(pty.slave, &modes)
        #expect(modes.c_lflag & tcflag_t(ECHO | ICANON) == tcflag_t(ECHO | ICANON))
    }

    @Test func deinitClosesTheScreen() throws {
        let pty = try PseudoTerminal()
        do {
            let terminal = try openScreen(pty)
            withExtendedLifetime(terminal) {
                terminal.draw(TerminalFrame(width: 40, height: 10, fill: TerminalCell("x")))
                #expect(CNcurses_openSessionCount() == 1)
            }
        }
        #expect(CNcurses_openSessionCount() == 0)
        var modes = termios()
        tcgetattr(pty.slave, &modes)
        #expect(modes.c_lflag & tcflag_t(ECHO | ICANON) == tcflag_t(ECHO | ICANON))
    }
}

/// Opens a screen on `pty` (a free function: exit-test bodies run in a child process and capture
/// nothing of the suite).
func openTestScreen(_ pty: PseudoTerminal, variables: [String: String] = [:]) throws -> Terminal {
    try Terminal.open(
        input: pty.slave, output: pty.slave, term: "xterm-256color", locale: "C.UTF-8",
        environment: environment(variables))
}

/// The address of the handler installed for `signal` (0 for SIG_DFL, 1 for SIG_IGN).
func signalHandlerAddress(_ signal: Int32) -> Int {
    var current = sigaction()
    sigaction(signal, nil, &current)
    return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
}

/// Sends `signal` to the calling thread with the signal unblocked there, so its handler has run
/// when this returns. Only for exit-test bodies: the test runner's threads block every signal,
/// and these signals must never reach the runner itself.
func deliverSignalToThisThread(_ signal: Int32) throws {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, signal)
    try #require(pthread_sigmask(SIG_UNBLOCK, &set, nil) == 0, "cannot unblock signal \(signal)")
    try #require(raise(signal) == 0, "cannot raise signal \(signal)")
}

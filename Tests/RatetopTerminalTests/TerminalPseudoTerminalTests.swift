import RatetopUI
import CNcurses
import Glibc
import Testing

@testable import RatetopTerminal

/// Opens real ncurses screens on pseudo-terminals. ncurses is single-threaded, so these run
/// one at a time; the pure tests in the other suites may run alongside.
@Suite("Terminal on a pseudo-terminal", .serialized)
struct TerminalPseudoTerminalTests {
    let env = environment(["TERM": "xterm-256color"])

    func openScreen(_ pty: PseudoTerminal, variables: [String: String] = [:]) throws -> Terminal {
        try Terminal.open(
            input: pty.slave, output: pty.slave, term: "xterm-256color", locale: "C.UTF-8",
            environment: environment(variables))
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

    @Test func resizeIsReportedAndRedrawsEverything() throws {
        let pty = try PseudoTerminal(rows: 10, columns: 40)
        let terminal = try openScreen(pty)
        defer { terminal.close() }
        terminal.draw(TerminalFrame(width: 40, height: 10, fill: TerminalCell("a")))
        pty.drain()

        try pty.resize(rows: 12, columns: 50)
        // The pty is not our controlling terminal, so the kernel sends no SIGWINCH; send it to
        // ncurses' handler ourselves. Not with raise(): test threads block every signal, so it
        // would stay pending on this thread. kill() lets a thread that accepts it run the handler,
        // and ncurses notices the flag when the read times out.
        kill(getpid(), SIGWINCH)
        #expect(terminal.readKey(timeoutMilliseconds: 500) == .resize)
        #expect(terminal.size == TerminalSize(width: 50, height: 12))

        var frame = TerminalFrame(width: 50, height: 12, fill: TerminalCell("a"))
        frame.write("b", x: 49, y: 11)
        terminal.draw(frame)
        #expect(terminal.lastDrawnCellCount == 600)
        #expect(screenCell(x: 49, y: 11)?.scalar == "b")
        #expect(screenCell(x: 45, y: 11)?.scalar == "a")
        pty.drain()

        // A resize with the same frame size still repaints every cell.
        try pty.resize(rows: 12, columns: 50)
        kill(getpid(), SIGWINCH)
        _ = terminal.readKey(timeoutMilliseconds: 200)
        terminal.invalidate()
        terminal.draw(frame)
        #expect(terminal.lastDrawnCellCount == 600)
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

    @Test func terminationSignalIsReportedAsInterrupt() throws {
        let pty = try PseudoTerminal()
        let terminal = try openScreen(pty)
        defer { terminal.close() }
        // Only raise once our flag handler is certainly in place; otherwise SIGTERM ends the run.
        var current = sigaction()
        sigaction(SIGTERM, nil, &current)
        let handler = unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
        try #require(handler != 0 && handler != 1)  // not SIG_DFL, not SIG_IGN

        // kill(), not raise(): see resizeIsReportedAndRedrawsEverything.
        kill(getpid(), SIGTERM)
        #expect(terminal.readKey(timeoutMilliseconds: 1000) == .interrupt)
        #expect(terminal.lastTerminationSignal == SIGTERM)
        #expect(terminal.readKey(timeoutMilliseconds: 0) == nil)
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

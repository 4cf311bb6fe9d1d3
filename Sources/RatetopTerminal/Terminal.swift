import RatetopUI
import CNcurses

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The live view's screen: the only type in ratetop that talks to ncurses.
///
/// It copies `TerminalFrame`s out (only the cells that changed since the previous frame),
/// decodes keys, and puts the terminal back as it found it on `close()`. ncurses is
/// single-threaded: use one `Terminal` from one thread or actor, and open one at a time
/// unless, like the tests, you use them strictly in turn.
///
/// Nothing here prints to standard output or standard error.
public final class Terminal {
    /// What the locale and the terminal allow; decided once by `open`.
    public let capabilities: TerminalCapabilities
    /// How roles look on this terminal.
    public let palette: TerminalPalette

    /// The number of cells the last `draw` sent to ncurses (all of them after a resize, only the
    /// changed ones otherwise). For tests and diagnostics.
    public private(set) var lastDrawnCellCount = 0
    /// The last signal (SIGINT, SIGTERM or SIGHUP) that `readKey` reported as `.interrupt`, if
    /// any; a caller can exit with 128 + this number.
    public private(set) var lastTerminationSignal: Int32?

    private var session: OpaquePointer?
    private var previousFrame: TerminalFrame?
    private var previousSize: TerminalSize?
    private var needsFullRedraw = true
    private var needsClear = false
    private let roleAttributes: [attr_t]
    private let rolePairs: [Int16]

    /// How long ncurses waits after ESC for the rest of an escape sequence.
    static let escapeDelayMilliseconds: Int32 = 25

    private init(session: OpaquePointer, capabilities: TerminalCapabilities, palette: TerminalPalette) {
        self.session = session
        self.capabilities = capabilities
        self.palette = palette
        var attributes: [attr_t] = []
        var pairs: [Int16] = []
        for role in ColorRole.allCases {
            let style = palette.style(for: role)
            var attribute = CNcurses_attrNormal()
            if style.bold { attribute |= CNcurses_attrBold() }
            if style.reverse { attribute |= CNcurses_attrReverse() }
            attributes.append(attribute)
            pairs.append(palette.usesColor ? role.colorPair : 0)
        }
        self.roleAttributes = attributes
        self.rolePairs = pairs
    }

    deinit {
        close()
    }

    // MARK: - Opening

    /// Opens the screen on a terminal with ncurses' `newterm()`.
    ///
    /// Call `Terminal.installCrashRestore()` once before, so a crash restores the terminal.
    /// Open before starting worker threads: `setlocale` is not thread-safe against threads that
    /// are parsing numbers or converting characters at the same moment.
    ///
    /// - Parameters:
    ///   - input: where keys come from; must be a terminal.
    ///   - output: where the screen goes; must be a terminal.
    ///   - term: the terminfo name; nil means `$TERM`.
    ///   - locale: passed to `setlocale(LC_ALL, ...)`; `""` (the default) means the user's locale
    ///     from `LC_ALL`/`LC_CTYPE`/`LANG`. `LC_NUMERIC` is then set back to "C" so number
    ///     formatting and parsing elsewhere in the process stay locale-independent.
    ///   - environment: looks up `TERM` and `NO_COLOR`; injectable for tests.
    /// - Throws: `TerminalError`, never exits the process.
    public static func open(
        input: Int32 = STDIN_FILENO,
        output: Int32 = STDOUT_FILENO,
        term: String? = nil,
        locale: String = "",
        environment: (String) -> String? = Terminal.processEnvironment
    ) throws -> Terminal {
        for fd in [input, output] where isatty(fd) == 0 {
            throw TerminalError.notATerminal(fileDescriptor: fd)
        }
        return try openSession(input: input, output: output, term: term, locale: locale, environment: environment)
    }

    /// Opens the screen on the controlling terminal (`/dev/tty`), for when standard input or
    /// output is redirected.
    public static func openControllingTerminal(
        term: String? = nil,
        locale: String = "",
        environment: (String) -> String? = Terminal.processEnvironment
    ) throws -> Terminal {
        try openSession(input: -1, output: -1, term: term, locale: locale, environment: environment)
    }

    /// Reads the process environment with `getenv`.
    public static func processEnvironment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// Installs C handlers for SIGSEGV, SIGILL, SIGTRAP, SIGABRT, SIGBUS and SIGFPE that call
    /// `endwin()` while a screen is open and then hand the signal on to whichever handler was
    /// there before (the Swift runtime's backtracer, or the default action). A Swift trap skips
    /// `defer` and `deinit`, so this is what keeps a crash from leaving the terminal raw.
    /// Idempotent.
    public static func installCrashRestore() {
        CNcurses_installCrashRestore()
    }

    private static func openSession(
        input: Int32, output: Int32, term: String?, locale: String,
        environment: (String) -> String?
    ) throws -> Terminal {
        let termName = term ?? environment("TERM")
        guard let termName, !termName.isEmpty else { throw TerminalError.terminalTypeUnset }

        // Wide-character output needs the locale set before newterm(); without it block and
        // braille glyphs come out as byte garbage.
        setlocale(LC_ALL, locale)
        setlocale(LC_NUMERIC, "C")
        let codeset = nl_langinfo(nl_item(CODESET)).map { String(cString: $0) } ?? ""

        CNcurses_installTerminationHandlers()
        var result = CNcurses_OpenOK
        var error: Int32 = 0
        guard let session = CNcurses_open(termName, input, output, &result, &error) else {
            CNcurses_restoreTerminationHandlers()
            if result == CNcurses_OpenUnknownTerminal {
                throw TerminalError.unknownTerminalType(termName)
            }
            if result == CNcurses_OpenCannotAddressCursor {
                throw TerminalError.terminalCannotMoveCursor(termName)
            }
            let operation = input < 0
                ? "opening /dev/tty (the process may have no controlling terminal)"
                : "duplicating the terminal descriptors"
            throw TerminalError.systemError(operation: operation, errno: error)
        }
        _ = CNcurses_configureModes(escapeDelayMilliseconds)
        CNcurses_defineFallbackKeys()

        let noColor = TerminalCapabilities.noColorRequested(environment)
        let hasColors = CNcurses_hasColors()
        var defaultColors = false
        if hasColors && !noColor && CNcurses_startColor() == OK {
            defaultColors = CNcurses_useDefaultColors() == OK
        }
        let capabilities = TerminalCapabilities.detect(
            codeset: codeset,
            terminalHasColors: hasColors,
            colors: hasColors && !noColor ? Int(CNcurses_colors()) : 0,
            colorPairs: hasColors && !noColor ? Int(CNcurses_colorPairs()) : 0,
            environment: environment
        )
        let palette = TerminalPalette(mode: capabilities.colorMode)
        if palette.usesColor {
            for role in ColorRole.allCases {
                let style = palette.style(for: role)
                // Without use_default_colors(), -1 is invalid: fall back to white on black.
                let foreground = style.foreground >= 0 || defaultColors ? style.foreground : 7
                let background = style.background >= 0 || defaultColors ? style.background : 0
                _ = CNcurses_initPair(role.colorPair, foreground, background)
            }
        }
        return Terminal(session: session, capabilities: capabilities, palette: palette)
    }

    // MARK: - Using the screen

    /// Whether the screen is still open.
    public var isOpen: Bool { session != nil }

    /// The screen's size now (zero once closed).
    public var size: TerminalSize {
        guard let session else { return TerminalSize(width: 0, height: 0) }
        CNcurses_select(session)
        return TerminalSize(width: Int(CNcurses_columns()), height: Int(CNcurses_rows()))
    }

    /// Shows `frame`, sending ncurses only the cells that differ from the previous frame.
    ///
    /// Everything is redrawn for the first frame, after a resize, and when the frame's size
    /// changes. A frame larger than the screen is clipped; a smaller one leaves the rest blank.
    public func draw(_ frame: TerminalFrame) {
        guard let session else { return }
        CNcurses_select(session)
        let screen = TerminalSize(width: Int(CNcurses_columns()), height: Int(CNcurses_rows()))
        let previous = previousFrame.flatMap { old in
            old.width == frame.width && old.height == frame.height && !needsFullRedraw && previousSize == screen
                ? old : nil
        }
        if previous == nil {
            _ = CNcurses_erase()
            if needsClear { _ = CNcurses_clearOnNextUpdate() }
        }
        let rows = min(frame.height, screen.height)
        let columns = min(frame.width, screen.width)
        var drawn = 0
        frame.cells.withUnsafeBufferPointer { cells in
            for y in 0..<rows {
                let start = y * frame.width
                for x in 0..<columns {
                    let cell = cells[start + x]
                    if let previous, previous.cells[start + x] == cell { continue }
                    put(cell, x: x, y: y)
                    drawn += 1
                }
            }
        }
        _ = CNcurses_refresh()
        lastDrawnCellCount = drawn
        previousFrame = frame
        previousSize = screen
        needsFullRedraw = false
        needsClear = false
    }

    /// Forgets the previous frame, so the next `draw` repaints the whole terminal (for Ctrl-L).
    public func invalidate() {
        needsFullRedraw = true
        needsClear = true
    }

    private func put(_ cell: TerminalCell, x: Int, y: Int) {
        var attributes = roleAttributes[Int(cell.role.rawValue)]
        if cell.bold { attributes |= CNcurses_attrBold() }
        if cell.reverse { attributes |= CNcurses_attrReverse() }
        _ = CNcurses_putCell(Int32(y), Int32(x), glyph(cell.scalar), attributes, rolePairs[Int(cell.role.rawValue)])
    }

    /// The wide character to draw for `scalar`: itself when it is one column wide and the locale
    /// can show it, a space for control characters, `?` otherwise.
    private func glyph(_ scalar: Unicode.Scalar) -> wchar_t {
        let value = scalar.value
        if value >= 0x20 && value < 0x7F { return wchar_t(value) }
        if value < 0x20 || (value >= 0x7F && value < 0xA0) { return wchar_t(0x20) }
        guard capabilities.unicode, CNcurses_columnWidth(wchar_t(bitPattern: value)) == 1 else { return wchar_t(0x3F) }
        return wchar_t(bitPattern: value)
    }

    /// Waits up to `timeoutMilliseconds` for a key (a negative timeout waits indefinitely).
    ///
    /// Returns nil on timeout and for keys ratetop does not use. Reports `.interrupt` for Ctrl-C
    /// and when SIGINT, SIGTERM or SIGHUP arrived (the handlers only set a flag polled here), and
    /// `.resize` when the terminal changed size (ncurses handles SIGWINCH itself).
    ///
    /// A signal interrupts the wait only when it is delivered to the calling thread. Dispatch and
    /// Swift concurrency worker threads block all signals, so when this runs on one of those,
    /// the kernel delivers SIGWINCH/SIGTERM to another thread and the resize or interrupt is seen
    /// when the timeout ends: keep the timeout short (a few hundred milliseconds).
    public func readKey(timeoutMilliseconds: Int) -> Key? {
        guard let session else { return nil }
        if let signal = takeTerminationSignal() {
            lastTerminationSignal = signal
            return .interrupt
        }
        CNcurses_select(session)
        var code: Int32 = 0
        let status = CNcurses_readKey(Int32(clamping: timeoutMilliseconds), &code)
        guard let key = Key(cursesStatus: status, code: code) else {
            if status == ERR, let signal = takeTerminationSignal() {
                lastTerminationSignal = signal
                return .interrupt
            }
            return nil
        }
        if key == .resize {
            needsFullRedraw = true
            needsClear = true
        }
        return key
    }

    private func takeTerminationSignal() -> Int32? {
        let signal = CNcurses_takeTerminationSignal()
        return signal == 0 ? nil : signal
    }

    /// Restores the terminal (`endwin`, the cursor, the previous signal handlers) and frees the
    /// screen. Safe to call more than once; `deinit` calls it too.
    public func close() {
        guard let session else { return }
        self.session = nil
        CNcurses_close(session)
        CNcurses_restoreTerminationHandlers()
        previousFrame = nil
    }
}

/// Why the live view could not start. The messages say what to do.
public enum TerminalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// TERM is unset or empty.
    case terminalTypeUnset
    /// ncurses' newterm() rejected TERM: not in the terminfo database, or too limited to draw on.
    case unknownTerminalType(String)
    /// TERM names a terminal that cannot move the cursor (such as `dumb`).
    case terminalCannotMoveCursor(String)
    /// A descriptor given to `Terminal.open` is not a terminal (output piped or redirected).
    case notATerminal(fileDescriptor: Int32)
    /// A system call failed while opening the terminal.
    case systemError(operation: String, errno: Int32)

    public var description: String {
        switch self {
        case .terminalTypeUnset:
            return "TERM is not set, so the terminal type is unknown; set TERM (for example TERM=xterm-256color)"
        case .unknownTerminalType(let name):
            return "the terminal type TERM=\(name) is not in the terminfo database; set TERM to a known type "
                + "such as xterm-256color (`infocmp \(name)` shows whether it is installed)"
        case .terminalCannotMoveCursor(let name):
            return "the terminal type TERM=\(name) cannot move the cursor, so the live view cannot draw on it; "
                + "use a full-screen terminal type such as xterm-256color"
        case .notATerminal(let fd):
            let name = fd == 0 ? "standard input" : fd == 1 ? "standard output" : "file descriptor \(fd)"
            return "\(name) is not a terminal; the live view needs one (run it in a terminal, without redirecting its input or output)"
        case .systemError(let operation, let code):
            return "\(operation) failed (errno \(code))"
        }
    }
}

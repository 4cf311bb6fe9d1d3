import CNcurses
import Glibc

/// A pseudo-terminal pair for tests: the screen is opened on `slave`, keys are written into
/// `master`, and whatever ncurses writes is drained from `master` so the pty never fills up.
final class PseudoTerminal {
    let master: Int32
    let slave: Int32

    init(rows: UInt16 = 10, columns: UInt16 = 40) throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        let error = CNcurses_openPseudoTerminal(&master, &slave, rows, columns)
        guard error == 0 else { throw PseudoTerminalError(operation: "openpty", errno: error) }
        self.master = master
        self.slave = slave
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        Glibc.close(master)
        Glibc.close(slave)
    }

    /// Types `text` as if at the keyboard.
    func type(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Everything the screen wrote since the last call.
    @discardableResult
    func drain() -> [UInt8] {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            output.append(contentsOf: buffer[0..<count])
        }
        return output
    }

    func resize(rows: UInt16, columns: UInt16) throws {
        let error = CNcurses_setWindowSize(master, rows, columns)
        guard error == 0 else { throw PseudoTerminalError(operation: "TIOCSWINSZ", errno: error) }
    }
}

struct PseudoTerminalError: Error {
    var operation: String
    var errno: Int32
}

/// A cell of ncurses' stdscr as read back with mvwin_wch.
struct ScreenCell: Equatable {
    var scalar: Unicode.Scalar
    var bold: Bool
    var reverse: Bool
    var pair: Int16
}

/// Reads the cell at column `x` of row `y` of the current screen.
func screenCell(x: Int, y: Int) -> ScreenCell? {
    var character: wchar_t = 0
    var attributes: attr_t = 0
    var pair: Int16 = 0
    guard CNcurses_cellAt(Int32(y), Int32(x), &character, &attributes, &pair) == OK,
          let scalar = Unicode.Scalar(UInt32(bitPattern: character))
    else { return nil }
    return ScreenCell(
        scalar: scalar,
        bold: attributes & CNcurses_attrBold() != 0,
        reverse: attributes & CNcurses_attrReverse() != 0,
        pair: pair
    )
}

/// Row `y` of the current screen as text.
func screenLine(_ y: Int, width: Int) -> String {
    var scalars = String.UnicodeScalarView()
    for x in 0..<width { scalars.append(screenCell(x: x, y: y)?.scalar ?? "\u{FFFD}") }
    return String(scalars)
}

/// An environment with just these variables.
func environment(_ values: [String: String]) -> (String) -> String? {
    { values[$0] }
}

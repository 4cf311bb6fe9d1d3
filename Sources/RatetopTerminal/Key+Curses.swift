import CNcurses
import RatetopUI

/// Decoding ncurses input into the dashboard's `Key` (one key type for the whole program: the
/// key table, the help and this backend all speak it).
extension Key {
    /// Decodes what `wget_wch` returned: `status` is OK, KEY_CODE_YES or ERR, `code` the value.
    /// Returns nil for a timeout and for keys ratetop has no use for.
    init?(cursesStatus status: Int32, code: Int32) {
        if status == Int32(CNcurses_KEY_CODE_YES) {
            self.init(keyCode: code)
        } else if status == OK {
            self.init(character: code)
        } else {
            return nil
        }
    }

    private init?(keyCode code: Int32) {
        switch Int(code) {
        case CNcurses_KEY_RESIZE: self = .resize
        case CNcurses_KEY_LEFT: self = .left
        case CNcurses_KEY_RIGHT: self = .right
        case CNcurses_KEY_UP: self = .up
        case CNcurses_KEY_DOWN: self = .down
        case CNcurses_KEY_BTAB: self = .backTab
        case CNcurses_KEY_ENTER: self = .enter
        case CNcurses_KEY_BACKSPACE: self = .backspace
        case CNcurses_KEY_HOME: self = .home
        case CNcurses_KEY_END: self = .end
        case CNcurses_KEY_PPAGE: self = .pageUp
        case CNcurses_KEY_NPAGE: self = .pageDown
        case (CNcurses_KEY_F0 + 1)...(CNcurses_KEY_F0 + 63): self = .function(Int(code) - CNcurses_KEY_F0)
        default: return nil
        }
    }

    private init?(character code: Int32) {
        switch code {
        case 0x03: self = .interrupt
        case 0x08, 0x7F: self = .backspace
        case 0x09: self = .tab
        case 0x0A, 0x0D: self = .enter
        case 0x1B: self = .escape
        case 0..<0x20, 0x80..<0xA0: return nil
        default:
            guard let scalar = Unicode.Scalar(UInt32(bitPattern: code)) else { return nil }
            self = .character(Character(scalar))
        }
    }
}

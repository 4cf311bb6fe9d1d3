import Foundation
import RatetopCore

/// Small pieces of JSON text handling the recorder needs on raw bytes: compacting a value to
/// one line, escaping a string, reading a string value's text.
enum JSONBytes {
    /// `value` (one JSON value, already checked with `JSONCursor.skipValue`) without whitespace
    /// outside strings, and with any raw control byte inside a string escaped, so it always fits
    /// on one log line.
    static func compact(_ value: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var inString = false
        var escaped = false
        for byte in value {
            if inString {
                if escaped {
                    escaped = false
                    if byte < 0x20 {
                        // A backslash before a raw control byte (not JSON): the backslash kept
                        // as one, the byte escaped, the line unbroken.
                        out.append(UInt8(ascii: "\\"))
                        appendControlEscape(byte, to: &out)
                        continue
                    }
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if byte < 0x20 {
                    appendControlEscape(byte, to: &out)
                    continue
                }
                out.append(byte)
                continue
            }
            switch byte {
            case 0x20, 0x0A, 0x0D, 0x09: continue
            case 0..<0x20: continue  // never JSON between tokens
            case UInt8(ascii: "\""): inString = true
            default: break
            }
            out.append(byte)
        }
        return out
    }

    /// True when `bytes` are one JSON object by the book (Foundation's parser: every comma,
    /// no raw control byte in a string): what the proxy checks before copying an object it did
    /// not build itself (an error body) into a log line. `JSONCursor` is lenient (it skips a
    /// missing comma or a stray control byte between tokens), fine for reading, not for this.
    static func isStrictObject(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any]
    }

    /// The text of a JSON string value given with its quotes (`"claude-…"`), escapes resolved
    /// for the simple cases (`\"`, `\\`, `\/`); nil when it is not a string.
    static func stringValue(_ raw: [UInt8]) -> String? {
        guard raw.count >= 2, raw.first == UInt8(ascii: "\""), raw.last == UInt8(ascii: "\"") else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count - 2)
        var escaped = false
        for byte in raw.dropFirst().dropLast() {
            if escaped {
                escaped = false
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
                default: return nil  // \n, \u…: not in a model id
                }
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` as a JSON string, quotes included.
    static func appendString(_ text: some StringProtocol, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0..<0x20: appendControlEscape(byte, to: &out)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendASCII(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    private static func appendControlEscape(_ byte: UInt8, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
    }
}

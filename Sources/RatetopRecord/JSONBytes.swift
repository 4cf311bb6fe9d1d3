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
            case UInt8(ascii: "\""): inString = true
            default: break
            }
            out.append(byte)
        }
        return out
    }

    /// True when `bytes` hold exactly one well-formed JSON value (as far as `JSONCursor` checks).
    static func isOneValue(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var cursor = JSONCursor(raw)
            do {
                try cursor.skipValue()
                return cursor.atEnd()
            } catch {
                return false
            }
        }
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

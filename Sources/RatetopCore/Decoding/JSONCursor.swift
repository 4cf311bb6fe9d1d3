#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a line could not be scanned as JSON.
public struct JSONScanError: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }

    static let truncated = JSONScanError("truncated JSON (line ends inside a value)")
    static let notAnObject = JSONScanError("not a JSON object")
    static let badKey = JSONScanError("malformed JSON (expected a quoted key)")
    static let missingColon = JSONScanError("malformed JSON (expected ':' after a key)")
    static let missingComma = JSONScanError("malformed JSON (expected ',' or '}')")
    static let badValue = JSONScanError("malformed JSON (unexpected character)")
    static let trailing = JSONScanError("malformed JSON (text after the closing brace)")
    static let expectedString = JSONScanError("malformed JSON (expected a string)")
    static let expectedNumber = JSONScanError("malformed JSON (expected a number)")
}

/// Compares `count` bytes eight at a time, inline (short constant compares are too small for a
/// `memcmp` call to pay off).
@inline(__always)
public func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    if count >= 8 {
        var i = 0
        while i + 8 <= count {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
                return false
            }
            i += 8
        }
        return i == count
            || UnsafeRawPointer(a + count - 8).loadUnaligned(as: UInt64.self) == UnsafeRawPointer(b + count - 8).loadUnaligned(as: UInt64.self)
    }
    var i = 0
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// A JSON string as it appears in the input: the bytes between the quotes, not unescaped.
public struct JSONString {
    public let base: UnsafePointer<UInt8>
    public let count: Int
    /// True when the raw bytes contain a backslash escape.
    public let hasEscapes: Bool

    /// True when the raw bytes equal `literal` (which must not need escaping).
    @inline(__always)
    public func equals(_ literal: StaticString) -> Bool {
        literal.utf8CodeUnitCount == count && bytesEqual(base, literal.utf8Start, count)
    }

    /// True when the raw bytes start with `literal`.
    @inline(__always)
    public func hasPrefix(_ literal: StaticString) -> Bool {
        literal.utf8CodeUnitCount <= count && bytesEqual(base, literal.utf8Start, literal.utf8CodeUnitCount)
    }

    /// True when the raw bytes end with `literal`.
    @inline(__always)
    public func hasSuffix(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        return n <= count && bytesEqual(base + count - n, literal.utf8Start, n)
    }

    /// The bytes after the first `offset` bytes.
    @inline(__always)
    public func dropFirst(_ offset: Int) -> JSONString {
        JSONString(base: base + offset, count: count - offset, hasEscapes: hasEscapes)
    }

    /// True when `needle` occurs in the raw bytes.
    public func contains(_ needle: StaticString) -> Bool {
        firstRange(of: needle) != nil
    }

    /// The offset of the first occurrence of `needle`, or nil.
    public func firstRange(of needle: StaticString) -> Int? {
        let n = needle.utf8CodeUnitCount
        guard n <= count else { return nil }
        guard n > 0 else { return 0 }
        let first = Int32(needle.utf8Start.pointee)
        var offset = 0
        while offset <= count - n {
            guard let hit = memchr(base + offset, first, count - n + 1 - offset) else { return nil }
            let at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, needle.utf8Start, n) == 0 { return at }
            offset = at + 1
        }
        return nil
    }

    /// The raw bytes.
    @inline(__always)
    public var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// The decoded string (escapes resolved). Allocates; keep off the hot path.
    public var string: String {
        guard hasEscapes else { return String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }
        return JSONString.unescape(UnsafeBufferPointer(start: base, count: count))
    }

    /// The value read as a decimal integer (for headers that carry numbers as strings), or nil.
    public var integerValue: Int? {
        var i = 0
        while i < count, base[i] == UInt8(ascii: " ") { i += 1 }
        guard i < count else { return nil }
        var value = 0
        var digits = 0
        while i < count, base[i] >= 48, base[i] <= 57 {
            value = value &* 10 &+ Int(base[i] &- 48)
            digits += 1
            i += 1
        }
        if i < count, base[i] == UInt8(ascii: ".") {  // "12.0" style
            i += 1
            while i < count, base[i] >= 48, base[i] <= 57 { i += 1 }
        }
        while i < count, base[i] == UInt8(ascii: " ") { i += 1 }
        return digits > 0 && digits < 19 && i == count ? value : nil
    }

    static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            guard c == UInt8(ascii: "\\"), i + 1 < bytes.count else {
                out.append(c)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "u"):
                guard i + 4 <= bytes.count, var scalar = hex4(bytes, i) else { out.append(UInt8(ascii: "?")); continue }
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
                   bytes[i + 1] == UInt8(ascii: "u"), let low = hex4(bytes, i + 2), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar) ?? "?")).utf8))
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[at + k]
            let digit: UInt32
            switch c {
            case 48...57: digit = UInt32(c - 48)
            case 65...70: digit = UInt32(c - 55)
            case 97...102: digit = UInt32(c - 87)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }
}

/// A lazy, allocation-free JSON scanner over one line of bytes.
///
/// It reads only the members a decoder asks for and skips the rest (strings eight bytes at a
/// time), which is what lets ratetop replay hundreds of megabytes a second. It validates the
/// structure it walks through; skipped nested values are checked for balance only.
public struct JSONCursor {
    public let end: UnsafePointer<UInt8>
    public var p: UnsafePointer<UInt8>

    public init(_ buffer: UnsafeRawBufferPointer) {
        let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JSONCursor.emptyByte
        p = base
        end = base + buffer.count
    }

    nonisolated(unsafe) private static let emptyByte: UnsafePointer<UInt8> = {
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        pointer.pointee = 0
        return UnsafePointer(pointer)
    }()

    @inline(__always)
    public mutating func skipWhitespace() {
        while p < end {
            let c = p.pointee
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            p += 1
        }
    }

    /// The next non-space byte without consuming it, or 0 at the end.
    @inline(__always)
    public mutating func peek() -> UInt8 {
        skipWhitespace()
        return p < end ? p.pointee : 0
    }

    /// True when only whitespace is left.
    public mutating func atEnd() -> Bool {
        skipWhitespace()
        return p >= end
    }

    /// Consumes `{`.
    @inline(__always)
    public mutating func openObject() throws(JSONScanError) {
        skipWhitespace()
        guard p < end, p.pointee == UInt8(ascii: "{") else { throw p < end ? .notAnObject : .truncated }
        p += 1
    }

    /// Consumes `[`.
    public mutating func openArray() throws(JSONScanError) {
        skipWhitespace()
        guard p < end, p.pointee == UInt8(ascii: "[") else { throw p < end ? .badValue : .truncated }
        p += 1
    }

    /// Advances to the next member of the object being read and returns its key (the cursor is
    /// then on the value), or nil after consuming the closing `}`. Start with `first = true`.
    @inline(__always)
    public mutating func nextKey(_ first: inout Bool) throws(JSONScanError) -> JSONString? {
        skipWhitespace()
        guard p < end else { throw .truncated }
        if p.pointee == UInt8(ascii: "}") {
            p += 1
            return nil
        }
        if first {
            first = false
        } else {
            guard p.pointee == UInt8(ascii: ",") else { throw .missingComma }
            p += 1
            skipWhitespace()
            guard p < end else { throw .truncated }
        }
        guard p.pointee == UInt8(ascii: "\"") else { throw .badKey }
        let key = try readStringBody()
        skipWhitespace()
        guard p < end else { throw .truncated }
        guard p.pointee == UInt8(ascii: ":") else { throw .missingColon }
        p += 1
        return key
    }

    /// Advances to the next element of the array being read; false after consuming `]`.
    public mutating func nextElement(_ first: inout Bool) throws(JSONScanError) -> Bool {
        skipWhitespace()
        guard p < end else { throw .truncated }
        if p.pointee == UInt8(ascii: "]") {
            p += 1
            return false
        }
        if first {
            first = false
        } else {
            guard p.pointee == UInt8(ascii: ",") else { throw .missingComma }
            p += 1
        }
        return true
    }

    /// True (and consumed) when the next value is `null`.
    @inline(__always)
    public mutating func consumeNull() -> Bool {
        skipWhitespace()
        if end - p >= 4, p.pointee == UInt8(ascii: "n"), p[1] == UInt8(ascii: "u"), p[2] == UInt8(ascii: "l"),
           p[3] == UInt8(ascii: "l") {
            p += 4
            return true
        }
        return false
    }

    /// Reads a string value.
    @inline(__always)
    public mutating func readString() throws(JSONScanError) -> JSONString {
        skipWhitespace()
        guard p < end else { throw .truncated }
        guard p.pointee == UInt8(ascii: "\"") else { throw .expectedString }
        return try readStringBody()
    }

    /// Reads a string, or returns nil for `null` (any other value is skipped and also gives nil).
    public mutating func readOptionalString() throws(JSONScanError) -> JSONString? {
        if peek() == UInt8(ascii: "\"") { return try readString() }
        try skipValue()
        return nil
    }

    /// Reads a number value as a Double. Accepts `null` as nil.
    @inline(__always)
    public mutating func readNumber() throws(JSONScanError) -> Double? {
        skipWhitespace()
        guard p < end else { throw .truncated }
        if consumeNull() { return nil }
        return try readNumberBody()
    }

    /// Reads an integer value; a fractional number is truncated; `null` gives nil; a number no
    /// 64-bit integer holds is an error.
    @inline(__always)
    public mutating func readInt() throws(JSONScanError) -> Int? {
        skipWhitespace()
        guard p < end else { throw .truncated }
        // Fast path: plain non-negative integer.
        var q = p
        var value = 0
        while q < end, q.pointee &- 48 < 10 {
            value = value &* 10 &+ Int(q.pointee &- 48)
            q += 1
        }
        if q > p, q - p < 19, q == end || Self.isDelimiter(q.pointee) {
            p = q
            return value
        }
        if consumeNull() { return nil }
        let start = p
        guard let number = try readNumberBody() else { return nil }
        // 1e400, 9223372036854775808: not an integer ratetop can hold. An error, never a zero.
        guard number.isFinite, abs(number) < 9e18 else {
            let text = String(decoding: UnsafeRawBufferPointer(start: start, count: min(p - start, 40)), as: UTF8.self)
            throw JSONScanError("number \(text) is out of range")
        }
        return Int(number)
    }

    @inline(__always)
    static func isDelimiter(_ c: UInt8) -> Bool {
        c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0A
            || c == 0x0D || c == 0x09
    }

    /// Reads a boolean; `null` or anything else gives nil.
    public mutating func readBool() throws(JSONScanError) -> Bool? {
        skipWhitespace()
        if end - p >= 4, p.pointee == UInt8(ascii: "t"), p[1] == UInt8(ascii: "r"), p[2] == UInt8(ascii: "u"),
           p[3] == UInt8(ascii: "e") {
            p += 4
            return true
        }
        if end - p >= 5, p.pointee == UInt8(ascii: "f"), p[1] == UInt8(ascii: "a") {
            p += 5
            return false
        }
        try skipValue()
        return nil
    }

    private mutating func readNumberBody() throws(JSONScanError) -> Double? {
        let start = p
        var negative = false
        if p.pointee == UInt8(ascii: "-") {
            negative = true
            p += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while p < end, p.pointee &- 48 < 10 {
            if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(p.pointee &- 48) } else { exponent += 1 }
            digits += 1
            p += 1
        }
        if p < end, p.pointee == UInt8(ascii: ".") {
            p += 1
            while p < end, p.pointee &- 48 < 10 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p.pointee &- 48)
                    exponent -= 1
                }
                digits += 1
                p += 1
            }
        }
        guard digits > 0 else {
            p = start
            throw .expectedNumber
        }
        if p < end, p.pointee == UInt8(ascii: "e") || p.pointee == UInt8(ascii: "E") {
            p += 1
            var expNegative = false
            if p < end, p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+") {
                expNegative = p.pointee == UInt8(ascii: "-")
                p += 1
            }
            var e = 0
            var expDigits = 0
            while p < end, p.pointee &- 48 < 10 {
                if e < 10000 { e = e * 10 + Int(p.pointee &- 48) }
                expDigits += 1
                p += 1
            }
            guard expDigits > 0 else { throw .expectedNumber }
            exponent += expNegative ? -e : e
        }
        guard p == end || Self.isDelimiter(p.pointee) else { throw .expectedNumber }
        var value = Double(mantissa)
        if exponent != 0 { value *= pow(10.0, Double(exponent)) }
        return negative ? -value : value
    }

    /// Reads the string whose opening quote the cursor is on; skips the body 8 bytes at a time.
    @inline(__always)
    public mutating func readStringBody() throws(JSONScanError) -> JSONString {
        p += 1  // opening quote
        let start = p
        var escaped = false
        while true {
            // Eight bytes at a time: stop at the first quote or backslash.
            while end - p >= 8 {
                let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
                let quote = word ^ 0x2222_2222_2222_2222
                let slash = word ^ 0x5C5C_5C5C_5C5C_5C5C
                let found = ((quote &- 0x0101_0101_0101_0101) & ~quote | (slash &- 0x0101_0101_0101_0101) & ~slash)
                    & 0x8080_8080_8080_8080
                if found != 0 {
                    p += found.trailingZeroBitCount >> 3
                    break
                }
                p += 8
            }
            while p < end, p.pointee != UInt8(ascii: "\""), p.pointee != UInt8(ascii: "\\") { p += 1 }
            guard p < end else { throw .truncated }
            if p.pointee == UInt8(ascii: "\"") {
                let string = JSONString(base: start, count: p - start, hasEscapes: escaped)
                p += 1
                return string
            }
            escaped = true
            p += 2  // backslash and the escaped byte
            guard p <= end else { throw .truncated }
        }
    }

    /// Skips one value of any type.
    public mutating func skipValue() throws(JSONScanError) {
        skipWhitespace()
        guard p < end else { throw .truncated }
        switch p.pointee {
        case UInt8(ascii: "\""):
            _ = try readStringBody()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while p < end {
                let c = p.pointee
                if c == UInt8(ascii: "\"") {
                    _ = try readStringBody()
                    continue
                }
                if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                    depth += 1
                } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 {
                        p += 1
                        return
                    }
                }
                p += 1
            }
            throw .truncated
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let remaining = end - p
            let length: Int
            if remaining >= 4, bytesEqual(p, StaticString("true").utf8Start, 4) || bytesEqual(p, StaticString("null").utf8Start, 4) {
                length = 4
            } else if remaining >= 5, bytesEqual(p, StaticString("false").utf8Start, 5) {
                length = 5
            } else {
                throw .badValue
            }
            p += length
            guard p == end || Self.isDelimiter(p.pointee) else { throw .badValue }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try readNumberBody()
        default:
            throw .badValue
        }
    }
}

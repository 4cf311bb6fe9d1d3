import RatetopCore

/// Appending text to a byte buffer without going through `String`, for the writers' hot path.
extension Array where Element == UInt8 {
    @inline(__always)
    mutating func append(ascii text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func append(string text: String) {
        append(contentsOf: text.utf8)
    }

    /// Appends a non-negative or negative integer in decimal.
    mutating func append(decimal value: Int) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            append(decimal: 0 &- value)
            return
        }
        if value < 10 {
            append(UInt8(truncatingIfNeeded: 48 + value))
            return
        }
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            append(UInt8(truncatingIfNeeded: 48 + rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Appends a decimal integer with thousands separators: `30,000`.
    mutating func append(grouped value: Int) {
        if value < 1000 {
            append(decimal: value)
            return
        }
        append(grouped: value / 1000)
        append(UInt8(ascii: ","))
        append(padded: value % 1000, width: 3)
    }

    /// Appends a non-negative integer left-padded with zeros to `width` digits.
    @inline(__always)
    mutating func append(padded value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            append(UInt8(truncatingIfNeeded: 48 + (rest / divisor) % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Appends an RFC 3339 UTC timestamp: `2026-04-14T10:30:02Z`, or with `.422` milliseconds.
    mutating func append(timestamp epochSeconds: Double, milliseconds: Bool) {
        let totalMilliseconds = Int((epochSeconds * 1000).rounded())
        let millis = milliseconds ? Self.floorMod(totalMilliseconds, 1000) : 0
        let whole = milliseconds ? Self.floorDiv(totalMilliseconds, 1000) : Int(epochSeconds.rounded(.down))
        let days = Self.floorDiv(whole, 86_400)
        let secondOfDay = whole - days * 86_400
        let (year, month, day) = RFC3339.civilFromDays(days)
        append(padded: year, width: 4)
        append(UInt8(ascii: "-"))
        append(padded: month, width: 2)
        append(UInt8(ascii: "-"))
        append(padded: day, width: 2)
        append(UInt8(ascii: "T"))
        append(padded: secondOfDay / 3600, width: 2)
        append(UInt8(ascii: ":"))
        append(padded: secondOfDay / 60 % 60, width: 2)
        append(UInt8(ascii: ":"))
        append(padded: secondOfDay % 60, width: 2)
        if milliseconds {
            append(UInt8(ascii: "."))
            append(padded: millis, width: 3)
        }
        append(UInt8(ascii: "Z"))
    }

    /// Appends an HTTP date: `Tue, 14 Apr 2026 10:30:02 GMT`.
    mutating func append(httpDate epochSeconds: Double) {
        let whole = Int(epochSeconds.rounded(.down))
        let days = Self.floorDiv(whole, 86_400)
        let secondOfDay = whole - days * 86_400
        let (year, month, day) = RFC3339.civilFromDays(days)
        let weekdays: [StaticString] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        append(ascii: weekdays[Self.floorMod(days, 7)])
        append(ascii: ", ")
        append(padded: day, width: 2)
        append(UInt8(ascii: " "))
        append(ascii: months[month - 1])
        append(UInt8(ascii: " "))
        append(padded: year, width: 4)
        append(UInt8(ascii: " "))
        append(padded: secondOfDay / 3600, width: 2)
        append(UInt8(ascii: ":"))
        append(padded: secondOfDay / 60 % 60, width: 2)
        append(UInt8(ascii: ":"))
        append(padded: secondOfDay % 60, width: 2)
        append(ascii: " GMT")
    }

    @inline(__always) static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    @inline(__always) static func floorMod(_ a: Int, _ b: Int) -> Int {
        a - floorDiv(a, b) * b
    }
}

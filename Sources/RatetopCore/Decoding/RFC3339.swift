/// Parses and formats RFC 3339 timestamps as seconds since the Unix epoch, without Foundation.
public enum RFC3339 {
    /// Parses `2026-11-20T09:00:02.422Z`, `2026-11-20T09:00:02+01:00`, `2026-11-20 09:00:02Z`, or a
    /// bare date `2026-11-20` (midnight UTC). A missing zone is read as UTC.
    public static func parse(_ raw: UnsafeRawBufferPointer) -> Double? {
        parseZoned(raw)?.seconds
    }

    /// The same, saying whether the text named its zone (`Z` or an offset); a time without one
    /// is returned as if it were UTC.
    public static func parseZoned(_ raw: UnsafeRawBufferPointer) -> (seconds: Double, zoned: Bool)? {
        guard let base = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let n = raw.count
        @inline(__always) func digit(_ i: Int) -> Int {
            i < n && base[i] &- 48 < 10 ? Int(base[i] &- 48) : -1
        }
        @inline(__always) func number(_ i: Int, _ count: Int) -> Int {
            var value = 0
            for k in 0..<count {
                let d = digit(i + k)
                if d < 0 { return -1 }
                value = value * 10 + d
            }
            return value
        }
        guard n >= 10, base[4] == UInt8(ascii: "-"), base[7] == UInt8(ascii: "-") else { return nil }
        let year = number(0, 4), month = number(5, 2), day = number(8, 2)
        guard year >= 0, (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month) else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day) * 86_400)
        if n == 10 { return (seconds, false) }
        guard n >= 19, base[10] == UInt8(ascii: "T") || base[10] == UInt8(ascii: "t") || base[10] == UInt8(ascii: " "),
              base[13] == UInt8(ascii: ":"), base[16] == UInt8(ascii: ":") else { return nil }
        let hour = number(11, 2), minute = number(14, 2), second = number(17, 2)
        guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        var i = 19
        if i < n, base[i] == UInt8(ascii: ".") || base[i] == UInt8(ascii: ",") {
            i += 1
            var fraction = 0.0
            var scale = 0.1
            let first = i
            while i < n, base[i] &- 48 < 10 {
                fraction += Double(base[i] &- 48) * scale
                scale *= 0.1
                i += 1
            }
            guard i > first else { return nil }
            seconds += fraction
        }
        if i == n { return (seconds, false) }
        switch base[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return i + 1 == n ? (seconds, true) : nil
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = base[i] == UInt8(ascii: "+") ? 1.0 : -1.0
            let offsetHours = number(i + 1, 2)
            var offsetMinutes = 0
            var end = i + 3
            if end < n, base[end] == UInt8(ascii: ":") {
                offsetMinutes = number(end + 1, 2)
                end += 3
            } else if end + 2 <= n, digit(end) >= 0 {
                offsetMinutes = number(end, 2)
                end += 2
            }
            guard (0...23).contains(offsetHours), (0...59).contains(offsetMinutes), end == n else { return nil }
            return (seconds - sign * Double(offsetHours * 3600 + offsetMinutes * 60), true)
        default:
            return nil
        }
    }

    /// Parses a timestamp given as a string.
    public static func parse(_ text: String) -> Double? {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBytes { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Formats as `2026-11-20T09:00:05Z`, or with `fractionDigits` (1–6) digits of the second.
    public static func format(_ epochSeconds: Double, fractionDigits: Int = 0) -> String {
        var whole = epochSeconds.rounded(.down)
        var fraction = epochSeconds - whole
        var scaled = 0
        if fractionDigits > 0 {
            var scale = 1
            for _ in 0..<fractionDigits { scale *= 10 }
            scaled = Int((fraction * Double(scale)).rounded())
            if scaled >= scale {
                scaled -= scale
                whole += 1
            }
            fraction = 0
        }
        let total = Int(whole)
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondsOfDay = total - days * 86_400
        let (year, month, day) = civilFromDays(days)
        var out = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        out += pad(secondsOfDay / 3600, 2) + ":" + pad(secondsOfDay / 60 % 60, 2) + ":" + pad(secondsOfDay % 60, 2)
        if fractionDigits > 0 { out += "." + pad(scaled, fractionDigits) }
        return out + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The number of days in a month of the proleptic Gregorian calendar.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

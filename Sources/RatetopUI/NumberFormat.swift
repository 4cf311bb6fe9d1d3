import RatetopCore

/// Number formatting for the dashboard: short, fixed rules, no locale, no Foundation.
public enum NumberFormat {
    /// Three significant digits with a `k`/`M`/`G` suffix: `12.0k`, `2.00M`, `41.2`, `50`.
    /// Whole numbers under 1,000 print without decimals.
    public static func compact(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "?" : (value > 0 ? "inf" : "-inf") }
        if value < 0 { return "-" + compact(-value) }
        if value < 1000 {
            let rounded = value.rounded()
            if abs(value - rounded) < 0.005 { return fixed(rounded, decimals: 0) }
            let text = significant(value)
            // 999.96 rounds up to "1000": move to the next unit.
            return text == "1000" ? "1.00k" : text
        }
        let units: [(Double, String)] = [(1e3, "k"), (1e6, "M"), (1e9, "G"), (1e12, "T")]
        for (index, (scale, suffix)) in units.enumerated() {
            let scaled = value / scale
            let text = significant(scaled)
            if text == "1000" || scaled >= 1000 {
                if index + 1 < units.count { continue }
            }
            return text + suffix
        }
        return fixed(value / 1e12, decimals: 0) + "T"
    }

    /// `value` (≥ 0, < 1000 after scaling) to three significant digits.
    private static func significant(_ value: Double) -> String {
        if value < 9.995 { return fixed(value, decimals: 2) }
        if value < 99.95 { return fixed(value, decimals: 1) }
        return fixed(value, decimals: 0)
    }

    /// `value` with exactly `decimals` digits after the point, rounded half away from zero.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "?" }
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e18 else { return value < 0 ? "-inf" : "inf" }
        let integer = Int(scaled)
        let sign = value < 0 && integer != 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(integer) }
        let whole = integer / Int(scale)
        var fraction = String(integer % Int(scale))
        while fraction.count < decimals { fraction = "0" + fraction }
        return sign + String(whole) + "." + fraction
    }

    /// A fraction as a percentage: `0.412` → `41%`; with `decimals: 1` → `41.2%`.
    /// Non-zero fractions that would round to zero print as `<1%` (or `<0.1%`).
    public static func percent(_ fraction: Double, decimals: Int = 0) -> String {
        let value = fraction * 100
        var smallest = 1.0
        for _ in 0..<max(0, decimals) { smallest /= 10 }
        if value > 0, value < smallest / 2 { return "<" + fixed(smallest, decimals: decimals) + "%" }
        return fixed(value, decimals: decimals) + "%"
    }

    /// A duration: `9s`, `4m12s`, `1h05m`, `2d03h`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(max(0, seconds).rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m" + twoDigits(total % 60) + "s" }
        if total < 86400 { return "\(total / 3600)h" + twoDigits((total % 3600) / 60) + "m" }
        return "\(total / 86400)d" + twoDigits((total % 86400) / 3600) + "h"
    }

    /// A speed factor: `×10`, `×0.5`, `×2.5`.
    public static func speed(_ factor: Double, glyphs: Glyphs) -> String {
        var text = String(glyphs.multiply)
        if abs(factor - factor.rounded()) < 0.005 {
            text += fixed(factor, decimals: 0)
        } else if factor < 1 {
            text += trimmed(fixed(factor, decimals: 2))
        } else {
            text += trimmed(fixed(factor, decimals: 1))
        }
        return text
    }

    /// Epoch seconds as `2026-11-20 09:03:11Z`.
    public static func clock(_ epochSeconds: Double) -> String {
        guard epochSeconds.isFinite else { return "----------  --:--:--" }
        let seconds = Int((epochSeconds).rounded(.down))
        var days = seconds / 86400
        var secondOfDay = seconds % 86400
        if secondOfDay < 0 { secondOfDay += 86400; days -= 1 }
        let date = RFC3339.civilFromDays(days)
        return "\(date.year)-" + twoDigits(date.month) + "-" + twoDigits(date.day) + " "
            + twoDigits(secondOfDay / 3600) + ":" + twoDigits((secondOfDay % 3600) / 60) + ":"
            + twoDigits(secondOfDay % 60) + "Z"
    }

    /// Epoch seconds as the time of day, `09:03:11`.
    public static func timeOfDay(_ epochSeconds: Double) -> String {
        let text = clock(epochSeconds)
        return String(text.dropFirst(11).dropLast())
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    private static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.hasSuffix("0") { result = result.dropLast() }
        if result.hasSuffix(".") { result = result.dropLast() }
        return String(result)
    }
}

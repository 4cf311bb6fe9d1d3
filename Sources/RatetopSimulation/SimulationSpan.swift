import RatetopCore

/// Lengths of time and instants as the generator's options spell them.
public enum SimulationSpan {
    /// Seconds in a length written as one or more number-unit pairs: `74d`, `8h`, `90m`, `45s`,
    /// `2w`, `1h30m`, `1.5h`. Units: `w` (7 days), `d`, `h`, `m`, `s`. Nil when not of that form
    /// or not positive.
    public static func seconds(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var sawUnit = false
        for character in text {
            if character.isNumber || character == "." {
                number.append(character)
                continue
            }
            let unit: Double
            switch character {
            case "w": unit = 7 * 86_400
            case "d": unit = 86_400
            case "h": unit = 3_600
            case "m": unit = 60
            case "s": unit = 1
            default: return nil
            }
            guard let value = Double(number), value >= 0 else { return nil }
            total += value * unit
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit, total > 0, total.isFinite else { return nil }
        return total
    }

    /// An instant as RFC 3339 UTC text, to the second: `2026-09-21T08:00:00Z`.
    public static func format(_ epochSeconds: Double) -> String {
        RFC3339.format(epochSeconds)
    }

    /// Epoch seconds of an RFC 3339 timestamp or a date (`2026-09-21`, midnight UTC).
    public static func instant(_ text: String) -> Double? {
        if let parsed = RFC3339.parse(text) { return parsed }
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        return Double(RFC3339.daysFromCivil(year: year, month: month, day: day)) * 86_400
    }
}

/// Working hours: weekdays from `opens` to `closes` (hours of the day, UTC), within a span.
///
/// Maps "work time" (seconds counted only while the office is open) to wall-clock time, so that
/// traffic laid out in work time leaves nights and weekends idle.
public struct WorkCalendar: Sendable {
    /// The start of every working window in the span, epoch seconds, in order.
    public let windowStarts: [Double]
    /// The length of a full working window, seconds.
    public let windowLength: Double

    public init(from start: Double, until end: Double, opens: Double = 8, closes: Double = 19) {
        windowLength = (closes - opens) * 3_600
        var starts: [Double] = []
        var day = Int((start / 86_400).rounded(.down))
        while Double(day) * 86_400 < end {
            // 1970-01-01 was a Thursday: day 0 is Thursday, so weekday (Mon = 0) is (day + 3) mod 7.
            let weekday = ((day + 3) % 7 + 7) % 7
            let opening = Double(day) * 86_400 + opens * 3_600
            if weekday < 5, opening >= start, opening + windowLength <= end {
                starts.append(opening)
            }
            day += 1
        }
        windowStarts = starts
    }

    /// A calendar that is always open: one window over the whole span (for spans too short to
    /// hold a working day).
    public init(continuousFrom start: Double, until end: Double) {
        windowStarts = [start]
        windowLength = max(end - start, 1)
    }

    /// All the work time in the span, seconds.
    public var totalWorkTime: Double { Double(windowStarts.count) * windowLength }

    /// The wall-clock time of a point of work time (clamped to the span's working windows).
    public func wallClock(_ workTime: Double) -> Double {
        guard let first = windowStarts.first, let last = windowStarts.last else { return 0 }
        if workTime <= 0 { return first }
        let index = Int(workTime / windowLength)
        if index >= windowStarts.count { return last + windowLength }
        return windowStarts[index] + (workTime - Double(index) * windowLength)
    }

    /// True when `time` is a weekday (Monday to Friday, UTC).
    public static func isWeekday(_ time: Double) -> Bool {
        let day = Int((time / 86_400).rounded(.down))
        return ((day + 3) % 7 + 7) % 7 < 5
    }
}

/// Anything that hands out simulated attempts one at a time, in the order they go to the log.
public protocol AttemptSource {
    mutating func nextAttempt() -> SimulatedAttempt?
}

extension TrafficSimulation: AttemptSource {}

import RatetopCore

/// Parses durations (`1s`, `500ms`, `2m`, `1h`, a bare number of seconds) and times.
enum TimeArguments {
    static func duration(_ text: String, option: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value > 0 else {
            throw UsageFailure("\(option) \(text): expected a positive duration such as 1s, 500ms, 5m")
        }
        return value * scale
    }

    static func time(_ text: String, option: String) throws -> Double {
        guard let seconds = RFC3339.parse(text) else {
            throw UsageFailure("\(option) \(text): expected an RFC 3339 time such as 2026-11-20T09:00:00Z")
        }
        return seconds
    }
}

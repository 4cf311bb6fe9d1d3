import RatetopCore

/// Parses durations (`1s`, `500ms`, `2m`, `1h`, a bare number of seconds) and times.
enum TimeArguments {
    static func duration(_ text: String, option: String) throws -> Double {
        guard let seconds = RatetopConfig.seconds(text), seconds > 0 else {
            throw UsageFailure("\(option) \(text): expected a positive duration such as 1s, 500ms, 5m")
        }
        return seconds
    }

    static func time(_ text: String, option: String) throws -> Double {
        guard let seconds = RFC3339.parse(text) else {
            throw UsageFailure("\(option) \(text): expected an RFC 3339 time such as 2026-11-20T09:00:00Z")
        }
        return seconds
    }
}

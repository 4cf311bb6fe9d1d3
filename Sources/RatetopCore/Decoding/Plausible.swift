/// The ranges a decoded number must fall in to enter the core. A line (or a scraped sample)
/// outside them is refused where it is decoded and counted with the reason, like any malformed
/// line — never read as zero, never left to overflow downstream.
///
/// - Token counts: 0 to 10^12 per count per line. The largest context window is 10^6 tokens; a
///   day's usage report of a large organisation is around 10^10. At 10^12 nine million lines
///   are needed to pass `Int.max`, and the totals saturate before that anyway.
/// - Times: 2000-01-01 to 2100-01-01 (epoch seconds 946,684,800 to 4,102,444,800). Every
///   second between two lines may be looked at, so a year-0 or year-10^11 stamp is refused,
///   not replayed; within the window the Monitor's cost does not depend on the span.
/// - Durations (latency, time to first byte, `retry-after`): finite, 0 to 7 days.
/// - Rate-limit header values: 0 to 10^12, like token counts.
public enum Plausible {
    public static let maxTokens = 1_000_000_000_000
    public static let earliest = 946_684_800.0
    public static let latest = 4_102_444_800.0
    public static let maxSeconds = 7 * 86_400.0

    /// A time, or the error naming the field.
    @inline(__always)
    public static func time(_ value: Double, _ field: StaticString) throws(JSONScanError) -> Double {
        guard value >= earliest, value <= latest else {
            throw JSONScanError("\(field): \(describe(value)) is outside 2000–2100")
        }
        return value
    }

    /// A duration in seconds.
    @inline(__always)
    public static func seconds(_ value: Double, _ field: StaticString) throws(JSONScanError) -> Double {
        guard value.isFinite, value >= 0, value <= maxSeconds else {
            throw JSONScanError("\(field): \(describe(value)) s is outside 0 to 7 days")
        }
        return value
    }

    /// An event as a decoder built it: every number in range, or the reason it is not. (On the
    /// hot path: plain comparisons, the message built only when one fails.)
    @inline(__always)
    public static func check(_ event: Exchange) throws(JSONScanError) {
        _ = try time(event.end, "time")
        guard event.start.isFinite, event.start <= event.end, event.end - event.start <= maxSeconds else {
            throw JSONScanError("latency: \(describe(event.end - event.start)) s is outside 0 to 7 days")
        }
        guard event.headersAt.isFinite else { throw JSONScanError("headers time: not a number") }
        let usage = event.usage
        try count(usage.inputTokens, "input_tokens")
        try count(usage.outputTokens, "output_tokens")
        try count(usage.cacheReadInputTokens, "cache_read_input_tokens")
        try count(usage.cacheCreationInputTokens, "cache_creation_input_tokens")
        try count(usage.cacheCreation1hInputTokens, "ephemeral_1h_input_tokens")
        try count(event.requests, "requests")
        if event.hasHeaders {
            let headers = event.headers
            try header(headers.limit.requests)
            try header(headers.limit.inputTokens)
            try header(headers.limit.outputTokens)
            try header(headers.remaining.requests)
            try header(headers.remaining.inputTokens)
            try header(headers.remaining.outputTokens)
            try header(headers.tokensLimit)
            try header(headers.tokensRemaining)
        }
        guard event.retryAfter.isFinite, event.retryAfter <= maxSeconds else {
            throw JSONScanError("retry-after: \(describe(event.retryAfter)) s is outside 0 to 7 days")
        }
    }

    /// A token (or request) count.
    @inline(__always)
    public static func count(_ value: Int, _ field: StaticString) throws(JSONScanError) {
        guard value >= 0, value <= maxTokens else { throw JSONScanError("\(field): \(value) is outside 0 to 10^12") }
    }

    @inline(__always)
    private static func header(_ value: Int) throws(JSONScanError) {
        guard value <= maxTokens else { throw JSONScanError("rate-limit header: \(value) is outside 0 to 10^12") }
    }

    /// A number as a message shows it: short, whatever its size.
    /// True when a decoding problem is a number or time out of range (the phrases of this
    /// type's errors and of `JSONCursor.readInt`'s).
    public static func isRangeProblem(_ reason: String) -> Bool {
        reason.contains(" is outside ") || reason.contains(" is out of range")
    }

    static func describe(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? "-infinity" : "infinity") }
        if abs(value) >= 1e15 || (abs(value) < 1e-3 && value != 0) { return "\(value)" }
        return value == value.rounded() ? String(Int64(value)) : "\(value)"
    }
}

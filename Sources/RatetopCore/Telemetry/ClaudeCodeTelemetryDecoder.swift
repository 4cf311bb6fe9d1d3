import DequeModule

/// Turns Claude Code's OpenTelemetry export into the engine's events. Pure: the receiver
/// (RatetopOTLP) decodes the wire format and says when each export arrived.
///
/// **Events (OTLP logs).** Claude Code names an event in the attribute `event.name`
/// (`api_request`, `api_error`; older versions `claude_code.api_request` in the attribute or as
/// the record's body).
/// - `api_request` is one admitted attempt (status 200): `model`, `input_tokens`,
///   `output_tokens`, `cache_read_tokens`, `cache_creation_tokens` (numbers, or numbers written as
///   strings), `duration_ms` (the latency: `start = end - duration`).
/// - `api_error` is one failed attempt with `status_code` (429 → throttled, 529 → overloaded,
///   others an error); an error without a status (a timeout, a dropped connection) is ignored,
///   like the transcript decoder's.
/// - The time is the record's `time_unix_nano`, else the attribute `event.timestamp`, else its
///   observed time, else the arrival. Other events (`user_prompt`, `tool_result`, …) are ignored.
/// - An exporter that resends a batch (it timed out waiting for our answer) is not counted twice:
///   an event's key (session, time, name, model, tokens) is remembered for two hours of its time.
/// - A record that is an api event but cannot be read (no model, a count out of range, a time
///   outside 2000–2100) is malformed with the reason.
///
/// **The token metric.** `claude_code.token.usage` (a monotonic sum, attribute `type`: `input`,
/// `output`, `cacheRead`, `cacheCreation`; `model`; `session.id`) says the same tokens as the
/// `api_request` events, without the attempts. Events are preferred: the metric's usage of a
/// session counts only when no event of that session arrives. Because a metric export can come
/// before the events of the same requests (Claude Code exports logs every 5 s, metrics every
/// 60 s, each on its own timer), the metric's increments are held for `metricHold` seconds of
/// arrival time and dropped if an event of their session came meanwhile; a session that sent an
/// event is never counted from the metric again. Points without `session.id`
/// (`OTEL_METRICS_INCLUDE_SESSION_ID=false`) count only while this receiver has had no event
/// at all. Delta points are increments; cumulative points are turned into increments per series
/// (a changed start time is a restart; a series first seen whose start is before the receiver
/// started is the baseline, as for scraped counters).
public final class ClaudeCodeTelemetryDecoder {
    /// What one export gave.
    public struct Result: Sendable {
        public var events: [Exchange] = []
        /// Records that are api events but could not be read, with the first few reasons.
        public var malformed = 0
        public var problems: [String] = []
        /// Records resent by the exporter (already counted).
        public var duplicates = 0
        public init() {}

        mutating func problem(_ reason: String) {
            malformed += 1
            if problems.count < 10 { problems.append(reason) }
        }
    }

    public static let tokenMetric = "claude_code.token.usage"
    /// The most cumulative series and sessions remembered.
    public static let maxSeries = 50_000
    public static let maxSessions = 4096

    /// When the receiver started (wall time): cumulative series that started before are the baseline.
    public let startedAt: Double
    public let metricHold: Double
    private let memory = TranscriptDedupMemory(capacity: 1 << 18, window: 2 * 3600)
    private var sessionsWithEvents = Set<String>()
    private var sessionOrder = Deque<String>()
    /// True once any api event arrived.
    public private(set) var hasEvents = false

    private struct Series {
        var value: Double
        var start: UInt64
        var time: Double
    }
    private var series: [String: Series] = [:]

    private struct Held {
        var session: String
        var receivedAt: Double
        var from: Double
        var to: Double
        var usage: ScrapedUsage
    }
    private var held: [Held] = []
    /// Metric increments dropped because events of their session said the same.
    public private(set) var metricIntervalsCoveredByEvents = 0
    /// Counter restarts seen in cumulative series.
    public private(set) var resets = 0

    public init(startedAt: Double, metricHold: Double = 15) {
        self.startedAt = startedAt
        self.metricHold = max(0, metricHold)
    }

    // MARK: Events

    /// Decodes one export's log records.
    public func decode(logs records: [TelemetryLogRecord], receivedAt: Double, models: ModelCatalog, origin: LineOrigin) -> Result {
        var result = Result()
        for record in records {
            guard let name = Self.eventName(record) else { continue }
            do {
                guard let event = try event(record, name: name, receivedAt: receivedAt, models: models, origin: origin) else { continue }
                let session = record.attributes["session.id"]?.text ?? ""
                noteEvents(session: session)
                guard memory.insert(Self.key(record, name: name, time: event.end), at: event.end) else {
                    result.duplicates += 1
                    continue
                }
                result.events.append(event)
            } catch {
                result.problem("\(name): \(error.reason)")
            }
        }
        return result
    }

    /// `api_request` or `api_error`, or nil for every other record.
    static func eventName(_ record: TelemetryLogRecord) -> String? {
        let named = record.attributes["event.name"]?.text ?? record.body ?? ""
        switch named {
        case "api_request", "claude_code.api_request": return "api_request"
        case "api_error", "claude_code.api_error": return "api_error"
        default: return nil
        }
    }

    private func event(_ record: TelemetryLogRecord, name: String, receivedAt: Double, models: ModelCatalog,
                       origin: LineOrigin) throws(JSONScanError) -> Exchange? {
        let attributes = record.attributes
        let end = try Plausible.time(Self.time(record) ?? receivedAt, "time")
        if name == "api_error" {
            guard let status = try Self.integer(attributes["status_code"], "status_code"), status >= 400, status <= 999 else { return nil }
            guard let model = Self.model(attributes) else { throw JSONScanError("API error \(status) without a model") }
            let kind: ExchangeErrorKind = status == 429 ? .rateLimited : status == 529 ? .overloaded : .other
            var event = Exchange(end: end, model: models.intern(model), status: status, requests: 1, errorKind: kind, origin: origin)
            if let duration = try Self.number(attributes["duration_ms"], "duration_ms") {
                event.start = end - (try Plausible.seconds(duration / 1000, "duration_ms"))
            }
            try Plausible.check(event)
            return event
        }
        guard let model = Self.model(attributes) else { throw JSONScanError("no model") }
        var usage = Usage()
        usage.inputTokens = try Self.count(attributes["input_tokens"], "input_tokens")
        usage.outputTokens = try Self.count(attributes["output_tokens"], "output_tokens")
        usage.cacheReadInputTokens = try Self.count(attributes["cache_read_tokens"], "cache_read_tokens")
        usage.cacheCreationInputTokens = try Self.count(attributes["cache_creation_tokens"], "cache_creation_tokens")
        var event = Exchange(end: end, model: models.intern(model), status: 200, requests: 1, usage: usage, origin: origin)
        if let duration = try Self.number(attributes["duration_ms"], "duration_ms") {
            event.start = end - (try Plausible.seconds(duration / 1000, "duration_ms"))
        }
        try Plausible.check(event)
        return event
    }

    static func model(_ attributes: [String: TelemetryValue]) -> String? {
        guard let model = attributes["model"]?.text, !model.isEmpty, model.utf8.count <= 256 else { return nil }
        return model
    }

    /// The event's time in epoch seconds, nil when the record says none.
    static func time(_ record: TelemetryLogRecord) -> Double? {
        if record.timeUnixNano > 0 { return seconds(record.timeUnixNano) }
        if let text = record.attributes["event.timestamp"]?.text, let time = RFC3339.parse(text) { return time }
        if record.observedTimeUnixNano > 0 { return seconds(record.observedTimeUnixNano) }
        return nil
    }

    /// Nanoseconds since the epoch as seconds (the whole seconds apart, so milliseconds stay exact).
    public static func seconds(_ nanoseconds: UInt64) -> Double {
        Double(nanoseconds / 1_000_000_000) + Double(nanoseconds % 1_000_000_000) / 1e9
    }

    /// A number attribute (or a number written as a string); nil when absent or empty.
    static func number(_ value: TelemetryValue?, _ field: StaticString) throws(JSONScanError) -> Double? {
        switch value {
        case nil, .other?: return nil
        case .int(let number)?: return Double(number)
        case .double(let number)?:
            guard number.isFinite else { throw JSONScanError("\(field): \(Plausible.describe(number)) is not a number") }
            return number
        case .bool?: throw JSONScanError("\(field): not a number")
        case .string(let text)?:
            let trimmed = text.trimmingSpaces
            if trimmed.isEmpty || trimmed == "undefined" || trimmed == "null" { return nil }
            guard trimmed.utf8.count <= 40, let number = Double(trimmed), number.isFinite else {
                throw JSONScanError("\(field): '\(text.prefix(40))' is not a number")
            }
            return number
        }
    }

    /// A whole number attribute, or nil when absent.
    static func integer(_ value: TelemetryValue?, _ field: StaticString) throws(JSONScanError) -> Int? {
        guard let number = try number(value, field) else { return nil }
        guard number == number.rounded(), abs(number) <= Double(Plausible.maxTokens) else {
            throw JSONScanError("\(field): \(Plausible.describe(number)) is not a whole number from 0 to 10^12")
        }
        return Int(number)
    }

    /// A token count: 0 when absent, else 0 to 10^12.
    static func count(_ value: TelemetryValue?, _ field: StaticString) throws(JSONScanError) -> Int {
        guard let count = try integer(value, field) else { return 0 }
        try Plausible.count(count, field)
        return count
    }

    static func key(_ record: TelemetryLogRecord, name: String, time: Double) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(name)
        hasher.combine(time)
        for field in ["session.id", "event.sequence", "prompt.id", "model", "input_tokens", "output_tokens", "cache_read_tokens",
                      "cache_creation_tokens", "status_code", "attempt", "duration_ms"] {
            hasher.combine(record.attributes[field]?.text)
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    private func noteEvents(session: String) {
        hasEvents = true
        guard !session.isEmpty, !sessionsWithEvents.contains(session) else { return }
        if sessionOrder.count >= Self.maxSessions, let oldest = sessionOrder.popFirst() { sessionsWithEvents.remove(oldest) }
        sessionsWithEvents.insert(session)
        sessionOrder.append(session)
    }

    private func covered(session: String) -> Bool {
        session.isEmpty ? hasEvents : sessionsWithEvents.contains(session)
    }

    // MARK: The token metric

    /// Takes one export's metric points: the token metric's increments are held (see the type's
    /// documentation) until `release`. Returns the points that could not be read.
    public func take(metrics points: [TelemetryMetricPoint], receivedAt: Double) -> Result {
        var result = Result()
        var grouped: [String: Held] = [:]
        var order: [String] = []
        for point in points where point.name == Self.tokenMetric {
            guard point.isMonotonic else { continue }
            guard point.value.isFinite, point.value >= 0, point.value <= Double(Plausible.maxTokens) else {
                result.problem("\(point.name): \(Plausible.describe(point.value)) is outside 0 to 10^12")
                continue
            }
            let to = Self.seconds(point.timeUnixNano)
            guard to >= Plausible.earliest, to <= Plausible.latest else {
                result.problem("\(point.name): time \(Plausible.describe(to)) is outside 2000–2100")
                continue
            }
            guard let model = Self.model(point.attributes) else {
                result.problem("\(point.name): no model")
                continue
            }
            let session = point.attributes["session.id"]?.text ?? ""
            let start = Self.seconds(point.startTimeUnixNano)
            var from = start > 0 && start <= to ? start : to
            let increment: Double
            switch point.temporality {
            case .delta:
                increment = point.value
            case .cumulative:
                let key = Self.seriesKey(point)
                if let previous = series[key] {
                    if point.startTimeUnixNano != previous.start || point.value < previous.value {
                        resets += 1
                        increment = point.value
                    } else {
                        increment = point.value - previous.value
                        from = min(previous.time, to)
                    }
                } else if series.count < Self.maxSeries {
                    // Begun since the receiver started: all of it is new. Else it is the baseline.
                    increment = start > 0 && start >= startedAt - 1 ? point.value : 0
                } else {
                    continue
                }
                series[key] = Series(value: point.value, start: point.startTimeUnixNano, time: to)
            }
            let tokens = Int(increment.rounded())
            guard tokens > 0 else { continue }
            let group = session + "\u{0}" + model
            if grouped[group] == nil {
                grouped[group] = Held(session: session, receivedAt: receivedAt, from: from, to: to, usage: ScrapedUsage(model: model))
                order.append(group)
            }
            grouped[group]!.from = min(grouped[group]!.from, from)
            grouped[group]!.to = max(grouped[group]!.to, to)
            switch point.attributes["type"]?.text {
            case "input": grouped[group]!.usage.usage.inputTokens.addSaturating(tokens)
            case "output": grouped[group]!.usage.usage.outputTokens.addSaturating(tokens)
            case "cacheRead": grouped[group]!.usage.usage.cacheReadInputTokens.addSaturating(tokens)
            case "cacheCreation": grouped[group]!.usage.usage.cacheCreationInputTokens.addSaturating(tokens)
            default: continue
            }
        }
        for group in order {
            guard let entry = grouped[group], entry.usage.hasActivity else { continue }
            if covered(session: entry.session) {
                metricIntervalsCoveredByEvents += 1
                continue
            }
            held.append(entry)
        }
        return result
    }

    /// The held metric usage whose hold has passed and whose session sent no event meanwhile,
    /// as events (`final`: everything held).
    public func release(now: Double, models: ModelCatalog, origin: LineOrigin, final: Bool = false) -> Result {
        var result = Result()
        guard !held.isEmpty else { return result }
        var kept: [Held] = []
        for entry in held {
            if covered(session: entry.session) {
                metricIntervalsCoveredByEvents += 1
                continue
            }
            guard final || now - entry.receivedAt >= metricHold else {
                kept.append(entry)
                continue
            }
            for event in entry.usage.exchanges(from: entry.from, to: entry.to, models: models, origin: origin, feed: .log) {
                do {
                    try Plausible.check(event)
                    result.events.append(event)
                } catch {
                    result.problem("\(Self.tokenMetric): \(error.reason)")
                }
            }
        }
        held = kept
        return result
    }

    /// Metric intervals waiting for their hold to pass.
    public var heldCount: Int { held.count }

    static func seriesKey(_ point: TelemetryMetricPoint) -> String {
        var key = point.name
        for (name, value) in point.attributes.sorted(by: { $0.key < $1.key }) {
            key += "\u{0}\(name)=\(value.text ?? "?")"
        }
        return key
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}

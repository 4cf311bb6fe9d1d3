/// Decodes saved Admin API usage-report pages (`GET /v1/organizations/usage_report/messages`).
///
/// ```json
/// {"data":[{"starting_at":"2026-11-20T09:00:00Z","ending_at":"2026-11-20T09:01:00Z",
///   "results":[{"uncached_input_tokens":1622,"cache_creation":{"ephemeral_1h_input_tokens":0,
///     "ephemeral_5m_input_tokens":200},"cache_read_input_tokens":12000,"output_tokens":102,
///     "model":"claude-sonnet-4-5-20250929","service_tier":"standard"}]}],
///  "has_more":false,"next_page":null}
/// ```
/// - One event per (bucket, result): `start` = `starting_at`, `end` = `ending_at`, status 200,
///   `requests` = 0 (the report counts no requests). A bucket wider than a minute (`1h`, `1d`)
///   is spread evenly over its minutes, one event each (exact totals; `coarseSeconds` says the
///   width): the buckets drain at its average rate instead of taking a day in one instant, and
///   the summary knows its peaks are unknown. Input is `uncached_input_tokens`; cache
///   creation is the sum of the two `ephemeral_*` fields. A result's `service_tier` of `batch`
///   marks the event as batch traffic.
/// - A report not grouped by model (a result without `model`) cannot be attributed to a model
///   class: the whole page is `.malformed` (no events), once, telling the user to add
///   `group_by[]=model`.
/// - A page with no buckets is `.ignored`; a JSON object without `data` is `.malformed`.
/// - Events of one page are appended sorted by `end`. Pages on successive lines are expected
///   in time order (the API pages forward) and are not re-sorted against each other.
///
/// **Whole documents.** `decode(line:...)` expects a page per line (JSONL). A page saved as
/// pretty-printed JSON spans many lines; when a file's first non-empty line is not a complete
/// JSON object (typically just `{`), the file reader should instead pass the whole file to
/// `UsageReportDecoder.decodeDocument(_:origin:models:)`, which accepts one page, several
/// pages one after another (as `curl` appends them), or a JSON array of pages.
public struct UsageReportDecoder: LogDecoder {
    public let models: ModelCatalog

    public init(models: ModelCatalog) {
        self.models = models
    }

    static let notGroupedByModel = "usage report not grouped by model (add group_by[]=model)"

    public mutating func decode(line: UnsafeRawBufferPointer, origin: LineOrigin, into events: inout [Exchange]) -> LineOutcome {
        let first = events.count
        var cursor = JSONCursor(line)
        do throws(JSONScanError) {
            let outcome = try Self.decodePage(&cursor, origin: origin, models: models, into: &events)
            guard cursor.atEnd() else { throw JSONScanError.trailing }
            if outcome != .decoded { events.removeSubrange(first...) }
            events[first...].sort { $0.end < $1.end }
            return outcome
        } catch {
            events.removeSubrange(first...)
            return .malformed(error.reason)
        }
    }

    /// Decodes a whole saved response: one page (pretty-printed or not), pages one after
    /// another, or a JSON array of pages. Events come back sorted by `end`.
    ///
    /// The outcome is `.decoded` when every page decoded. When a page is broken or not grouped
    /// by model, the outcome is `.malformed` naming the page, and the events of the pages before
    /// it are still returned (a download cut short keeps what arrived).
    public static func decodeDocument(_ bytes: UnsafeRawBufferPointer, origin: LineOrigin,
                                      models: ModelCatalog) -> ([Exchange], LineOutcome) {
        var events: [Exchange] = []
        var cursor = JSONCursor(bytes)
        var page = 0
        var anyDecoded = false
        var inArray = false
        var firstElement = true
        var kept = 0
        do throws(JSONScanError) {
            if cursor.peek() == UInt8(ascii: "[") {
                try cursor.openArray()
                inArray = true
            }
            while true {
                if inArray {
                    guard try cursor.nextElement(&firstElement) else { break }
                } else if cursor.atEnd() {
                    break
                }
                page += 1
                kept = events.count
                let outcome = try decodePage(&cursor, origin: origin, models: models, into: &events)
                if case .malformed(let reason) = outcome {
                    events.removeSubrange(kept...)
                    events.sort { $0.end < $1.end }
                    return (events, .malformed("page \(page): \(reason)"))
                }
                anyDecoded = anyDecoded || outcome == .decoded
            }
            guard cursor.atEnd() else { throw JSONScanError.trailing }
        } catch {
            events.removeSubrange(kept...)  // the broken page's partial events
            events.sort { $0.end < $1.end }
            return (events, .malformed(page > 0 ? "page \(page): \(error.reason)" : error.reason))
        }
        events.sort { $0.end < $1.end }
        return (events, anyDecoded ? .decoded : .ignored)
    }

    /// Reads one page object; appends its events (unsorted). Returns `.malformed` (with events
    /// possibly appended, for the caller to drop) when a result has no model.
    static func decodePage(_ cursor: inout JSONCursor, origin: LineOrigin, models: ModelCatalog,
                           into events: inout [Exchange]) throws(JSONScanError) -> LineOutcome {
        try cursor.openObject()
        var sawData = false
        var missingModel = false
        let first = events.count
        var firstKey = true
        while let key = try cursor.nextKey(&firstKey) {
            guard key.equals("data") else {
                try cursor.skipValue()
                continue
            }
            sawData = true
            if cursor.consumeNull() { continue }
            try cursor.openArray()
            var firstBucket = true
            while try cursor.nextElement(&firstBucket) {
                missingModel = try decodeBucket(&cursor, origin: origin, models: models, into: &events) || missingModel
            }
        }
        guard sawData else { throw JSONScanError("not a usage report page (no data array)") }
        if missingModel { return .malformed(notGroupedByModel) }
        return events.count > first ? .decoded : .ignored
    }

    /// Reads one bucket; returns true when a result had no model.
    private static func decodeBucket(_ cursor: inout JSONCursor, origin: LineOrigin, models: ModelCatalog,
                                     into events: inout [Exchange]) throws(JSONScanError) -> Bool {
        try cursor.openObject()
        var start: Double?
        var end: Double?
        var missingModel = false
        let first = events.count
        var firstKey = true
        while let key = try cursor.nextKey(&firstKey) {
            if key.equals("starting_at") {
                start = try readTime(&cursor, "starting_at")
            } else if key.equals("ending_at") {
                end = try readTime(&cursor, "ending_at")
            } else if key.equals("results") {
                if cursor.consumeNull() { continue }
                try cursor.openArray()
                var firstResult = true
                while try cursor.nextElement(&firstResult) {
                    // Times are filled in below: `results` may come before `starting_at`.
                    if let event = try decodeResult(&cursor, origin: origin, models: models) {
                        events.append(event)
                    } else {
                        missingModel = true
                    }
                }
            } else {
                try cursor.skipValue()
            }
        }
        guard let bucketEnd = end ?? start, let bucketStart = start ?? end else {
            throw JSONScanError("bucket without starting_at or ending_at")
        }
        let from = min(bucketStart, bucketEnd)
        if bucketEnd - from > 60 {
            // An hour or a day: spread evenly over its minutes, each marked with the width.
            let results = Array(events[first...])
            events.removeSubrange(first...)
            for result in results { spread(result, from: from, to: bucketEnd, into: &events) }
        } else {
            for index in first..<events.count {
                events[index].start = from
                events[index].end = bucketEnd
                events[index].headersAt = bucketEnd
            }
        }
        return missingModel
    }

    /// One minute-long event per minute of `from..<to`, the result's counts shared evenly (the
    /// remainders to the first minutes: the totals stay exact).
    static func spread(_ result: Exchange, from: Double, to: Double, into events: inout [Exchange]) {
        let pieces = max(1, Int(((to - from) / 60).rounded(.up)))
        let u = result.usage
        func share(_ total: Int, _ piece: Int) -> Int { total / pieces + (piece < total % pieces ? 1 : 0) }
        for piece in 0..<pieces {
            var event = result
            event.start = from + Double(piece) * 60
            event.end = min(event.start + 60, to)
            event.headersAt = event.end
            event.coarseSeconds = Int32(clamping: Int(to - from))
            event.usage = Usage(inputTokens: share(u.inputTokens, piece), cacheCreationInputTokens: share(u.cacheCreationInputTokens, piece),
                                cacheCreation1hInputTokens: share(u.cacheCreation1hInputTokens, piece),
                                cacheReadInputTokens: share(u.cacheReadInputTokens, piece), outputTokens: share(u.outputTokens, piece))
            event.requests = share(result.requests, piece)
            events.append(event)
        }
    }

    private static func readTime(_ cursor: inout JSONCursor, _ field: StaticString) throws(JSONScanError) -> Double? {
        guard let text = try cursor.readOptionalString() else { return nil }
        guard let parsed = RFC3339.parse(text.raw) else { throw JSONScanError("\(field): not an RFC 3339 timestamp") }
        let time = try Plausible.time(parsed, field)
        return time
    }

    /// Reads one result; nil when it names no model.
    private static func decodeResult(_ cursor: inout JSONCursor, origin: LineOrigin,
                                     models: ModelCatalog) throws(JSONScanError) -> Exchange? {
        var usage = Usage()
        var model: ModelRef?
        let isBatch = try APIObjects.readUsage(&cursor, into: &usage) { key, cursor throws(JSONScanError) in
            guard key.equals("model") else { return false }
            if let name = try cursor.readOptionalString(), name.count > 0 {
                model = name.hasEscapes ? models.intern(name.string) : models.intern(name.raw)
            }
            return true
        }
        guard let model else { return nil }
        return Exchange(end: 0, model: model, status: 200, requests: 0, usage: usage, isBatch: isBatch, origin: origin)
    }
}

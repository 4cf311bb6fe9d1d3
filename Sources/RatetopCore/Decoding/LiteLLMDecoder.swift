/// Decodes LiteLLM proxy logs: one `StandardLoggingPayload` or one spend-log row per line.
///
/// ```json
/// {"id":"...","call_type":"acompletion","status":"success","model":"anthropic/claude-sonnet-4-5",
///  "model_group":"sonnet","startTime":1763629200.1,"endTime":1763629202.4,"completionStartTime":1763629200.9,
///  "prompt_tokens":13622,"completion_tokens":102,"total_tokens":13724,"response_cost":0.0123,
///  "metadata":{"usage_object":{"cache_read_input_tokens":12000,"cache_creation_input_tokens":0}},
///  "hidden_params":{"additional_headers":{"x_ratelimit_remaining_requests":47,
///                                         "llm_provider-anthropic-ratelimit-input-tokens-remaining":"28000"}},
///  "error_str":null,"error_information":{"error_code":"","error_class":""}}
/// ```
/// - Times: `startTime`/`endTime` as epoch seconds (the logging payload; values above 1e11 are
///   read as milliseconds) or as ISO 8601 strings (spend-log exports). A string without a zone
///   (`"2025-06-22 10:59:08"`, the database's naive timestamp) is the proxy's local time: read
///   in the process's zone (`TZ`; `--timezone` sets it; see `LocalTime`), and said once per file
///   (`hasNaiveTimes`).
///   `start` = startTime, `end` = endTime; either one stands in for a missing other.
///   `completionStartTime`, when it lies between them, is when the headers arrived.
/// - Model: `model` with any provider prefix (`anthropic/`) removed, else
///   `hidden_params.litellm_model_name`, else `model_group`.
/// - Tokens: LiteLLM's `prompt_tokens` for Anthropic *includes* cache reads and cache writes, so
///   the uncached input is `prompt_tokens - cache_read - cache_creation` (never negative). Cache
///   counts come from `usage` or `metadata.usage_object` (`cache_read_input_tokens`,
///   `cache_creation_input_tokens`, `prompt_tokens_details.cached_tokens` as a fallback for
///   reads, `ephemeral_1h_input_tokens` anywhere inside them). The top-level counts win over the
///   usage object's; an Anthropic-native usage (`input_tokens`, no `prompt_tokens`) is taken as is.
/// - Headers from `hidden_params.additional_headers`, `metadata.additional_headers` or
///   `metadata.hidden_params.additional_headers`: `x-ratelimit-*` and `llm_provider-*` names,
///   with `-` or `_` as separators and string or number values. (`ExchangeLogDecoder.readHeaders`
///   reads only dashed names with string values, so this decoder has its own reader.)
/// - Failures (`status` "failure", or an error code): the status is the numeric
///   `error_information.error_code`, else the one the error text or class names (429 for
///   `rate_limit`/`RateLimitError`, 529 for `overloaded`), else 500. 429 is `.rateLimited` (or
///   `.spendLimitReached` when the text names the spend limit), 529 `.overloaded`, others `.other`.
/// - A line without a time is `.malformed`, as is one without any model.
public struct LiteLLMDecoder: LogDecoder {
    public let models: ModelCatalog
    /// Holds the text of objects written as JSON strings (a spend-log row's `metadata`) while a
    /// line is decoded: the fields read from them point into it.
    private let scratch = ScratchText()
    /// Reads times written without a zone (spend-log rows) in the process's zone.
    private let localTime = LocalTime()

    public init(models: ModelCatalog) {
        self.models = models
    }

    public mutating func decode(line: UnsafeRawBufferPointer, origin: LineOrigin, into events: inout [Exchange]) -> LineOutcome {
        do {
            events.append(try decodeEntry(line, origin: origin))
            return .decoded
        } catch {
            return .malformed(error.reason)
        }
    }

    /// The members of one line that matter; strings point into the line.
    struct Fields {
        var start: Double?
        var end: Double?
        var completionStart: Double?
        var model: JSONString?
        var modelGroup: JSONString?
        var litellmModelName: JSONString?
        var promptTokens: Int?
        var completionTokens: Int?
        var usage = UsageFields()
        var status: JSONString?
        var statusCode: Int?
        var errorCode: Int?
        var errorClass: JSONString?
        var errorText: JSONString?
        var errorMessage: JSONString?
        var headers = RateLimitHeaders()
        var retryAfter = -1.0
    }

    /// What a usage object said (`usage` or `metadata.usage_object`).
    struct UsageFields {
        var promptTokens: Int?
        var completionTokens: Int?
        var inputTokens: Int?
        var outputTokens: Int?
        var cacheRead: Int?
        var cachedTokens: Int?
        var cacheCreation: Int?
        var cacheCreation1h: Int?
        var isBatch = false
        var isFast = false
    }

    func decodeEntry(_ line: UnsafeRawBufferPointer, origin: LineOrigin) throws(JSONScanError) -> Exchange {
        scratch.reset()
        var cursor = JSONCursor(line)
        try cursor.openObject()
        var f = Fields()
        var first = true
        while let key = try cursor.nextKey(&first) {
            switch key.count {
            case 9 where key.equals("startTime"):
                f.start = try Self.readTime(&cursor, "startTime", localTime)
            case 7 where key.equals("endTime"):
                f.end = try Self.readTime(&cursor, "endTime", localTime)
            case 19 where key.equals("completionStartTime"):
                f.completionStart = try? Self.readTime(&cursor, "completionStartTime", localTime)
            case 5 where key.equals("model"):
                f.model = try cursor.readOptionalString()
            case 11 where key.equals("model_group"):
                f.modelGroup = try cursor.readOptionalString()
            case 13 where key.equals("prompt_tokens"):
                f.promptTokens = try cursor.readLooseInt()
            case 17 where key.equals("completion_tokens"):
                f.completionTokens = try cursor.readLooseInt()
            case 5 where key.equals("usage"):
                try scratch.object(&cursor) { (inner: inout JSONCursor) throws(JSONScanError) in try Self.readUsageObject(&inner, into: &f.usage) }
            case 6 where key.equals("status"):
                try Self.readStatus(&cursor, into: &f)
            case 9 where key.equals("error_str"):
                f.errorText = try cursor.readOptionalString()
            case 17 where key.equals("error_information"):
                try Self.readErrorInformation(&cursor, into: &f)
            case 13 where key.equals("hidden_params"):
                try scratch.object(&cursor) { (inner: inout JSONCursor) throws(JSONScanError) in try Self.readHiddenParams(&inner, into: &f) }
            case 8 where key.equals("metadata"):
                // Spend-log rows (the database's JSON column, exported) often hold it as a string.
                try scratch.object(&cursor) { (inner: inout JSONCursor) throws(JSONScanError) in try Self.readMetadata(&inner, into: &f) }
            default:
                try cursor.skipValue()
            }
        }
        guard cursor.atEnd() else { throw .trailing }
        guard let end = f.end ?? f.start else { throw JSONScanError("missing endTime and startTime") }
        let start = min(f.start ?? end, end)
        guard let name = Self.modelName(f) else { throw JSONScanError("missing model (no model, litellm_model_name or model_group)") }
        let model = name.hasEscapes ? models.intern(name.string) : models.intern(name.raw)

        let (status, kind, limited) = Self.outcome(f)
        var event = Exchange(end: end, start: start, headersAt: f.completionStart.map { min(max($0, start), end) },
                             model: model, status: status, requests: 1, usage: Self.usage(f), errorKind: kind,
                             limitedDimension: limited, retryAfter: f.retryAfter, isBatch: f.usage.isBatch,
                             origin: origin)
        if !f.headers.isEmpty {
            event.hasHeaders = true
            event.headers = f.headers
        }
        try Plausible.check(event)
        return event
    }

    // MARK: Interpretation

    /// The uncached input is what `prompt_tokens` has left after the cache reads and writes.
    static func usage(_ f: Fields) -> Usage {
        let u = f.usage
        let cacheRead = max(0, u.cacheRead ?? u.cachedTokens ?? 0)
        let cacheCreation = max(0, u.cacheCreation ?? 0)
        var usage = Usage()
        usage.cacheReadInputTokens = cacheRead
        usage.cacheCreationInputTokens = cacheCreation
        usage.cacheCreation1hInputTokens = min(max(0, u.cacheCreation1h ?? 0), cacheCreation)
        if let prompt = f.promptTokens ?? u.promptTokens {
            usage.inputTokens = max(0, prompt - cacheRead - cacheCreation)
        } else {
            usage.inputTokens = max(0, u.inputTokens ?? 0)
        }
        usage.outputTokens = max(0, f.completionTokens ?? u.completionTokens ?? u.outputTokens ?? 0)
        usage.isFast = u.isFast
        return usage
    }

    static func outcome(_ f: Fields) -> (status: Int, kind: ExchangeErrorKind, limited: Dimension?) {
        let failed: Bool
        if let text = f.status {
            failed = !text.equals("success")
        } else if let code = f.statusCode {
            failed = code >= 400
        } else {
            failed = (f.errorCode ?? 0) >= 400 || (f.errorText?.count ?? 0) > 0
        }
        guard failed else { return (f.statusCode.flatMap { (100..<400).contains($0) ? $0 : nil } ?? 200, .none, nil) }
        var status = f.errorCode.flatMap { $0 >= 400 ? $0 : nil } ?? f.statusCode.flatMap { $0 >= 400 ? $0 : nil }
        var spendCap = false
        var limited: Dimension?
        for text in [f.errorText, f.errorMessage, f.errorClass] {
            guard let text else { continue }
            if status == nil {
                status = text.contains("RateLimitError") ? 429 : APIObjects.statusNamed(in: text)
            }
            spendCap = spendCap || text.contains("spend limit") || text.contains("enforced_spend_limit_reached")
            limited = limited ?? APIObjects.limitedDimension(inMessage: text)
        }
        let code = status ?? 500
        switch code {
        case 429: return (429, spendCap ? .spendLimitReached : .rateLimited, spendCap ? nil : limited)
        case 529: return (529, .overloaded, nil)
        default: return (code, .other, nil)
        }
    }

    /// `model` without its provider prefix, else the deployment's model name, else the group.
    static func modelName(_ f: Fields) -> JSONString? {
        stripProvider(f.model) ?? stripProvider(f.litellmModelName) ?? stripProvider(f.modelGroup)
    }

    /// `anthropic/claude-sonnet-4-5` → `claude-sonnet-4-5`; nil for nil or empty.
    @inline(__always)
    static func stripProvider(_ name: JSONString?) -> JSONString? {
        guard let name else { return nil }
        var slash = -1
        for i in 0..<name.count where name.base[i] == UInt8(ascii: "/") { slash = i }
        let stripped = slash >= 0 ? name.dropFirst(slash + 1) : name
        return stripped.count > 0 ? stripped : nil
    }

    /// True when one of `lines` writes a time without a zone (what a reader says it assumed).
    public static func hasNaiveTimes(_ lines: [[UInt8]]) -> Bool {
        lines.contains { line in
            line.withUnsafeBytes { bytes in
                var cursor = JSONCursor(bytes)
                do throws(JSONScanError) {
                    try cursor.openObject()
                    var first = true
                    while let key = try cursor.nextKey(&first) {
                        if key.equals("startTime") || key.equals("endTime"), cursor.peek() == UInt8(ascii: "\""),
                           let parsed = RFC3339.parseZoned(try cursor.readString().raw) {
                            if !parsed.zoned { return true }
                        } else {
                            try cursor.skipValue()
                        }
                    }
                } catch {}
                return false
            }
        }
    }

    // MARK: Scanning

    /// Reads epoch seconds (or milliseconds), or an ISO 8601 string (without a zone: local time,
    /// read in `local`'s zone); `null` gives nil; a time outside 2000–2100 is an error (`Plausible`).
    static func readTime(_ cursor: inout JSONCursor, _ field: StaticString, _ local: LocalTime) throws(JSONScanError) -> Double? {
        switch cursor.peek() {
        case UInt8(ascii: "\""):
            let text = try cursor.readString()
            if let parsed = RFC3339.parseZoned(text.raw) {
                return try Plausible.time(parsed.zoned ? parsed.seconds : local.utc(fromNaive: parsed.seconds), field)
            }
            var inner = JSONCursor(text.raw)
            if let number = try? inner.readNumber(), inner.atEnd() { return try Plausible.time(epochSeconds(number), field) }
            throw JSONScanError("\(field): not a timestamp")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let number = try cursor.readNumber() else { return nil }
            return try Plausible.time(epochSeconds(number), field)
        default:
            if cursor.consumeNull() { return nil }
            try cursor.skipValue()
            throw JSONScanError("\(field): not a timestamp")
        }
    }

    @inline(__always)
    static func epochSeconds(_ number: Double) -> Double { number > 1e11 ? number / 1000 : number }

    static func readStatus(_ cursor: inout JSONCursor, into f: inout Fields) throws(JSONScanError) {
        if cursor.peek() == UInt8(ascii: "\"") {
            let text = try cursor.readString()
            if let code = text.integerValue { f.statusCode = code } else { f.status = text }
        } else {
            f.statusCode = try cursor.readLooseInt()
        }
    }

    static func readUsageObject(_ cursor: inout JSONCursor, into u: inout UsageFields) throws(JSONScanError) {
        guard cursor.peek() == UInt8(ascii: "{") else { return try cursor.skipValue() }
        try cursor.openObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            if key.equals("prompt_tokens") {
                u.promptTokens = try cursor.readLooseInt()
            } else if key.equals("completion_tokens") {
                u.completionTokens = try cursor.readLooseInt()
            } else if key.equals("input_tokens") {
                u.inputTokens = try cursor.readLooseInt()
            } else if key.equals("output_tokens") {
                u.outputTokens = try cursor.readLooseInt()
            } else if key.equals("cache_read_input_tokens") {
                u.cacheRead = try cursor.readLooseInt() ?? u.cacheRead
            } else if key.equals("cache_creation_input_tokens") {
                u.cacheCreation = try cursor.readLooseInt() ?? u.cacheCreation
            } else if key.equals("ephemeral_1h_input_tokens") {
                u.cacheCreation1h = try cursor.readLooseInt()
            } else if key.equals("cached_tokens") {
                u.cachedTokens = try cursor.readLooseInt()
            } else if key.equals("service_tier") {
                if let tier = try cursor.readOptionalString() { u.isBatch = tier.equals("batch") }
            } else if key.equals("speed") {
                if let speed = try cursor.readOptionalString() { u.isFast = speed.equals("fast") }
            } else if key.equals("prompt_tokens_details") || key.hasPrefix("cache_creation") {
                // {"cached_tokens":N} and {"ephemeral_1h_input_tokens":N,...}: same reader, nested.
                try readUsageObject(&cursor, into: &u)
            } else {
                try cursor.skipValue()
            }
        }
    }

    static func readErrorInformation(_ cursor: inout JSONCursor, into f: inout Fields) throws(JSONScanError) {
        guard cursor.peek() == UInt8(ascii: "{") else { return try cursor.skipValue() }
        try cursor.openObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            if key.equals("error_code") {
                f.errorCode = try cursor.readLooseInt() ?? f.errorCode
            } else if key.equals("error_class") {
                f.errorClass = try cursor.readOptionalString()
            } else if key.equals("error_message") {
                f.errorMessage = try cursor.readOptionalString()
            } else {
                try cursor.skipValue()
            }
        }
    }

    static func readHiddenParams(_ cursor: inout JSONCursor, into f: inout Fields) throws(JSONScanError) {
        guard cursor.peek() == UInt8(ascii: "{") else { return try cursor.skipValue() }
        try cursor.openObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            if key.equals("additional_headers") {
                f.retryAfter = try readHeaders(&cursor, into: &f.headers, retryAfter: f.retryAfter)
            } else if key.equals("litellm_model_name") {
                f.litellmModelName = try cursor.readOptionalString()
            } else {
                try cursor.skipValue()
            }
        }
    }

    static func readMetadata(_ cursor: inout JSONCursor, into f: inout Fields) throws(JSONScanError) {
        guard cursor.peek() == UInt8(ascii: "{") else { return try cursor.skipValue() }
        try cursor.openObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            if key.equals("usage_object") {
                try readUsageObject(&cursor, into: &f.usage)
            } else if key.equals("additional_headers") {
                f.retryAfter = try readHeaders(&cursor, into: &f.headers, retryAfter: f.retryAfter)
            } else if key.equals("hidden_params") {
                try readHiddenParams(&cursor, into: &f)
            } else if key.equals("error_information") {
                try readErrorInformation(&cursor, into: &f)
            } else if key.equals("status"), f.status == nil, f.statusCode == nil {
                try readStatus(&cursor, into: &f)
            } else {
                try cursor.skipValue()
            }
        }
    }

    /// Reads rate-limit headers as LiteLLM logs them: `x-ratelimit-*` / `x_ratelimit_*` and
    /// `llm_provider-anthropic-ratelimit-*`, either separator, string or number values. Returns
    /// `retry-after` in seconds, or `retryAfter` when absent.
    static func readHeaders(_ cursor: inout JSONCursor, into headers: inout RateLimitHeaders,
                            retryAfter: Double) throws(JSONScanError) -> Double {
        guard cursor.peek() == UInt8(ascii: "{") else {
            try cursor.skipValue()
            return retryAfter
        }
        try cursor.openObject()
        var retryAfter = retryAfter
        var first = true
        while let rawKey = try cursor.nextKey(&first) {
            var key = rawKey
            if looseHasPrefix(key, "llm_provider-") { key = key.dropFirst(13) }
            if looseHasPrefix(key, "anthropic-ratelimit-") {
                let rest = key.dropFirst(20)
                let value = try cursor.readLooseInt() ?? -1
                if looseEquals(rest, "requests-limit") { headers.limit.requests = value }
                else if looseEquals(rest, "requests-remaining") { headers.remaining.requests = value }
                else if looseEquals(rest, "input-tokens-limit") { headers.limit.inputTokens = value }
                else if looseEquals(rest, "input-tokens-remaining") { headers.remaining.inputTokens = value }
                else if looseEquals(rest, "output-tokens-limit") { headers.limit.outputTokens = value }
                else if looseEquals(rest, "output-tokens-remaining") { headers.remaining.outputTokens = value }
                else if looseEquals(rest, "tokens-limit") { headers.tokensLimit = value }
                else if looseEquals(rest, "tokens-remaining") { headers.tokensRemaining = value }
            } else if looseHasPrefix(key, "x-ratelimit-") {
                // LiteLLM's own names: only the requests pair and the combined tokens pair. The
                // upstream anthropic-* value wins when both are logged.
                let rest = key.dropFirst(12)
                let value = try cursor.readLooseInt() ?? -1
                if looseEquals(rest, "limit-requests") { if headers.limit.requests < 0 { headers.limit.requests = value } }
                else if looseEquals(rest, "remaining-requests") { if headers.remaining.requests < 0 { headers.remaining.requests = value } }
                else if looseEquals(rest, "limit-tokens") { if headers.tokensLimit < 0 { headers.tokensLimit = value } }
                else if looseEquals(rest, "remaining-tokens") { if headers.tokensRemaining < 0 { headers.tokensRemaining = value } }
            } else if looseEquals(key, "retry-after") {
                if let seconds = try cursor.peek() == UInt8(ascii: "\"") ? cursor.readString().integerValue.map(Double.init)
                    : cursor.readNumber() {
                    retryAfter = seconds
                }
            } else {
                try cursor.skipValue()
            }
        }
        return retryAfter
    }

    /// Compares ASCII case-insensitively, with `_` and `-` equal.
    @inline(__always)
    static func looseByteEqual(_ a: UInt8, _ b: UInt8) -> Bool {
        let x = a == UInt8(ascii: "_") ? UInt8(ascii: "-") : a | (a >= 65 && a <= 90 ? 0x20 : 0)
        let y = b == UInt8(ascii: "_") ? UInt8(ascii: "-") : b | (b >= 65 && b <= 90 ? 0x20 : 0)
        return x == y
    }

    static func looseHasPrefix(_ s: JSONString, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard n <= s.count else { return false }
        let l = literal.utf8Start
        for i in 0..<n where !looseByteEqual(s.base[i], l[i]) { return false }
        return true
    }

    static func looseEquals(_ s: JSONString, _ literal: StaticString) -> Bool {
        s.count == literal.utf8CodeUnitCount && looseHasPrefix(s, literal)
    }
}

/// Text unescaped from JSON strings that hold JSON objects (`"metadata":"{\"usage_object\":…}"`),
/// kept until the next line so the fields read from it stay valid.
final class ScratchText {
    private var blocks: [UnsafeMutableRawBufferPointer] = []

    deinit { reset() }

    func reset() {
        guard !blocks.isEmpty else { return }
        for block in blocks { block.deallocate() }
        blocks.removeAll(keepingCapacity: true)
    }

    /// Reads an object value with `read`; when the value is a string, its unescaped text is
    /// read as the object instead. Any other value is skipped.
    func object(_ cursor: inout JSONCursor, _ read: (inout JSONCursor) throws(JSONScanError) -> Void) throws(JSONScanError) {
        guard cursor.peek() == UInt8(ascii: "\"") else { return try read(&cursor) }
        let text = try cursor.readString()
        let bytes: UnsafeRawBufferPointer
        if text.hasEscapes {
            var unescaped = text.string
            let block = unescaped.withUTF8 { utf8 -> UnsafeMutableRawBufferPointer in
                let block = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, utf8.count), alignment: 1)
                if let base = utf8.baseAddress { block.copyMemory(from: UnsafeRawBufferPointer(start: base, count: utf8.count)) }
                return UnsafeMutableRawBufferPointer(rebasing: block[0..<utf8.count])
            }
            blocks.append(block)
            bytes = UnsafeRawBufferPointer(block)
        } else {
            bytes = text.raw
        }
        var inner = JSONCursor(bytes)
        guard inner.peek() == UInt8(ascii: "{") else { return }
        try read(&inner)
    }
}

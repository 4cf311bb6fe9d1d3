#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes ratetop's own `exchange` format: one API exchange per line.
///
/// ```json
/// {"ts":"2026-11-20T09:00:02.422Z","latency_ms":2099,"model":"claude-sonnet-4-5-20250929","status":200,
///  "usage":{"input_tokens":1622,"cache_creation_input_tokens":0,"cache_read_input_tokens":12000,"output_tokens":102},
///  "headers":{"anthropic-ratelimit-requests-remaining":"47"},"error":{"type":"rate_limit_error","message":"..."}}
/// ```
/// This is the hot path of a replay: it reads only the members it needs and skips the rest
/// without allocating.
public struct ExchangeLogDecoder: LogDecoder {
    public let models: ModelCatalog

    /// The top-level field whose string value groups consumers (`--group-by`), and where its
    /// values are interned.
    private let groupField: [UInt8]
    private let groups: ModelCatalog?

    public init(models: ModelCatalog, groupBy field: String? = nil, groups: ModelCatalog? = nil) {
        self.models = models
        self.groupField = Array((field ?? "").utf8)
        self.groups = field == nil ? nil : groups ?? ModelCatalog()
    }

    public mutating func decode(line: UnsafeRawBufferPointer, origin: LineOrigin, into events: inout [Exchange]) -> LineOutcome {
        do {
            try decodeExchange(line, origin: origin, into: &events)
            return .decoded
        } catch {
            return .malformed(error.reason)
        }
    }

    /// Decodes the line's exchange and appends it (an `Exchange` is ~230 bytes: appended where
    /// it is made, not returned and copied again).
    func decodeExchange(_ line: UnsafeRawBufferPointer, origin: LineOrigin, into events: inout [Exchange]) throws(JSONScanError) {
        var cursor = JSONCursor(line)
        try cursor.openObject()
        var ts: Double?
        var latencyMs: Double?
        var ttfbMs: Double?
        var model: ModelRef?
        var status: Int?
        var usage = Usage()
        var headers = RateLimitHeaders()
        var fastHeaders = RateLimitHeaders()
        var retryAfter = -1.0
        var errorKind = ExchangeErrorKind.none
        var limited: Dimension?
        var isBatch = false
        var group: Int32 = -1
        var first = true
        while let key = try cursor.nextKey(&first) {
            switch key.count {
            case 2 where key.equals("ts"):
                guard cursor.peek() == UInt8(ascii: "\"") else { throw JSONScanError("ts: expected an RFC 3339 timestamp string") }
                let text = try cursor.readString()
                guard let parsed = RFC3339.parse(text.raw) else { throw JSONScanError("ts: not an RFC 3339 timestamp") }
                ts = try Plausible.time(parsed, "ts")
            case 5 where key.equals("model"):
                if let name = try cursor.readOptionalString() {
                    model = name.hasEscapes ? models.intern(name.string) : models.intern(name.raw)
                }
            case 6 where key.equals("status"):
                status = try cursor.readInt()
            case 5 where key.equals("usage"):
                if !cursor.consumeNull() { isBatch = try APIObjects.readUsage(&cursor, into: &usage) }
            case 7 where key.equals("headers"):
                if !cursor.consumeNull() { retryAfter = try Self.readHeaders(&cursor, into: &headers, fast: &fastHeaders) }
            case 5 where key.equals("error"):
                if !cursor.consumeNull() { (errorKind, limited) = try Self.readError(&cursor) }
            case 10 where key.equals("latency_ms"):
                latencyMs = try cursor.readNumber().map { ms throws(JSONScanError) in try Plausible.seconds(max(0, ms) / 1000, "latency_ms") * 1000 }
            case 7 where key.equals("ttfb_ms"):
                ttfbMs = try cursor.readNumber().map { ms throws(JSONScanError) in try Plausible.seconds(max(0, ms) / 1000, "ttfb_ms") * 1000 }
            default:
                if let groups, key.count == groupField.count, !groupField.isEmpty,
                   groupField.withUnsafeBufferPointer({ bytesEqual(key.base, $0.baseAddress!, key.count) }) {
                    if cursor.peek() == UInt8(ascii: "\"") {
                        let value = try cursor.readString()
                        group = value.hasEscapes ? groups.intern(value.string).index : groups.intern(value.raw).index
                    } else if cursor.consumeNull() {
                        group = -1
                    } else {
                        // A number or boolean: group by its text.
                        let start = cursor.p
                        try cursor.skipValue()
                        group = groups.intern(UnsafeRawBufferPointer(start: start, count: cursor.p - start)).index
                    }
                } else {
                    try cursor.skipValue()
                }
            }
        }
        guard cursor.atEnd() else { throw .trailing }
        guard let ts else { throw JSONScanError("missing required field ts") }
        guard let status else { throw JSONScanError("missing required field status") }
        guard let model else {
            if (200..<300).contains(status) { throw JSONScanError("missing model on a \(status) response") }
            // An error without a model cannot be attributed to a bucket; keep it visible.
            throw JSONScanError("status \(status) without a model: cannot attribute it to a model class")
        }
        if errorKind == .none {
            if status == 429 { errorKind = .rateLimited } else if status == 529 { errorKind = .overloaded }
            else if status >= 400 { errorKind = .other }
        }
        if usage.isFast {
            // Fast mode has its own token limits (`anthropic-fast-*`): they are this bucket's.
            for dimension in [Dimension.inputTokens, .outputTokens] {
                headers.limit[dimension] = fastHeaders.limit[dimension]
                headers.remaining[dimension] = fastHeaders.remaining[dimension]
            }
            headers.tokensLimit = -1
            headers.tokensRemaining = -1
        }
        let latency = max(0, (latencyMs ?? 0) / 1000)
        let start = ts - latency
        let headersAt = ttfbMs.map { start + min(max(0, $0 / 1000), latency) } ?? ts
        var event = Exchange(end: ts, start: start, headersAt: headersAt, model: model, status: status, requests: 1,
                             usage: usage, errorKind: errorKind, limitedDimension: limited, retryAfter: retryAfter,
                             isBatch: isBatch, origin: origin)
        if !headers.isEmpty {
            event.hasHeaders = true
            event.headers = headers
        }
        event.group = group
        try Plausible.check(event)
        events.append(event)
    }

    /// Reads the rate-limit headers of interest; returns `retry-after` in seconds or -1.
    ///
    /// Understands Anthropic's `anthropic-ratelimit-*` names, and the `x-ratelimit-*` and
    /// `llm_provider-*` forms LiteLLM forwards.
    /// Fast mode's `anthropic-fast-{input,output}-tokens-*` go to `fast`.
    static func readHeaders(_ cursor: inout JSONCursor, into headers: inout RateLimitHeaders,
                            fast: inout RateLimitHeaders) throws(JSONScanError) -> Double {
        try cursor.openObject()
        var retryAfter = -1.0
        var first = true
        while true {
            // Fast path: `"anthropic-ratelimit-<dimension>-<limit|remaining|reset>":` is recognised
            // in place, without scanning the key byte by byte.
            if !first, cursor.p < cursor.end, cursor.p.pointee == UInt8(ascii: ","),
               try readRateLimitMember(&cursor, into: &headers) {
                continue
            }
            guard let rawKey = try cursor.nextKey(&first) else { break }
            var key = rawKey
            if key.hasPrefix("llm_provider-") { key = key.dropFirst(13) }
            if key.hasPrefix("anthropic-ratelimit-") {
                let value = try cursor.readOptionalString()?.integerValue ?? -1
                assign(key: key.dropFirst(20), value: value, into: &headers)
            } else if key.hasPrefix("anthropic-fast-") {
                let value = try cursor.readOptionalString()?.integerValue ?? -1
                assign(key: key.dropFirst(15), value: value, into: &fast)
            } else if key.hasPrefix("x-ratelimit-") {
                // LiteLLM: x-ratelimit-remaining-requests, x-ratelimit-limit-tokens, ...
                let rest = key.dropFirst(12)
                let value = try cursor.readOptionalString()?.integerValue ?? -1
                if rest.equals("limit-requests") { if headers.limit.requests < 0 { headers.limit.requests = value } }
                else if rest.equals("remaining-requests") { if headers.remaining.requests < 0 { headers.remaining.requests = value } }
                else if rest.equals("limit-tokens") { if headers.tokensLimit < 0 { headers.tokensLimit = value } }
                else if rest.equals("remaining-tokens") { if headers.tokensRemaining < 0 { headers.tokensRemaining = value } }
            } else if key.equals("retry-after") {
                if cursor.peek() == UInt8(ascii: "\"") {
                    retryAfter = Double(try cursor.readString().integerValue ?? -1)
                } else {
                    retryAfter = try cursor.readNumber() ?? -1
                }
            } else {
                try cursor.skipValue()
            }
        }
        return retryAfter
    }

    /// With the cursor on the `,` before a member: if the member is an `anthropic-ratelimit-*`
    /// header with a plain string value, reads it and returns true; otherwise leaves the cursor
    /// where it was and returns false.
    @inline(__always)
    private static func readRateLimitMember(_ cursor: inout JSONCursor, into headers: inout RateLimitHeaders) throws(JSONScanError) -> Bool {
        let prefix: StaticString = "\"anthropic-ratelimit-"
        let start = cursor.p + 1
        guard cursor.end - start > 48, bytesEqual(start, prefix.utf8Start, 21) else { return false }
        var q = start + 21
        let dimension: Int  // 0 requests, 1 input, 2 output, 3 combined tokens
        switch q.pointee {
        case UInt8(ascii: "r") where bytesEqual(q, StaticString("requests-").utf8Start, 9): dimension = 0; q += 9
        case UInt8(ascii: "i") where bytesEqual(q, StaticString("input-tokens-").utf8Start, 13): dimension = 1; q += 13
        case UInt8(ascii: "o") where bytesEqual(q, StaticString("output-tokens-").utf8Start, 14): dimension = 2; q += 14
        case UInt8(ascii: "t") where bytesEqual(q, StaticString("tokens-").utf8Start, 7): dimension = 3; q += 7
        default: return false
        }
        let isLimit: Bool
        if bytesEqual(q, StaticString("limit\":\"").utf8Start, 8) {
            isLimit = true
            q += 8
        } else if bytesEqual(q, StaticString("remaining\":\"").utf8Start, 12) {
            isLimit = false
            q += 12
        } else if bytesEqual(q, StaticString("reset\":\"").utf8Start, 8) {
            cursor.p = q + 7  // on the value's opening quote
            _ = try cursor.readStringBody()
            return true
        } else {
            return false
        }
        var value = 0
        let digits = q
        if cursor.end - q >= 8, let number = Self.shortNumber(q) {
            // One to seven digits and the closing quote, read without a loop.
            value = number.value
            q += number.count
        } else {
            while q < cursor.end, q.pointee &- 48 < 10 {
                value = value &* 10 &+ Int(q.pointee &- 48)
                q += 1
            }
        }
        guard q > digits, q - digits < 19, q < cursor.end, q.pointee == UInt8(ascii: "\"") else { return false }
        cursor.p = q + 1
        switch (dimension, isLimit) {
        case (0, true): headers.limit.requests = value
        case (0, false): headers.remaining.requests = value
        case (1, true): headers.limit.inputTokens = value
        case (1, false): headers.remaining.inputTokens = value
        case (2, true): headers.limit.outputTokens = value
        case (2, false): headers.remaining.outputTokens = value
        case (3, true): headers.tokensLimit = value
        default: headers.tokensRemaining = value
        }
        return true
    }

    /// With eight bytes readable at `q`: when they start with one to seven decimal digits
    /// followed by `"`, their value and count; otherwise nil. (SWAR: the first non-digit is
    /// found with one mask, and the digits are combined by three multiplications.)
    @inline(__always)
    static func shortNumber(_ q: UnsafePointer<UInt8>) -> (value: Int, count: Int)? {
        let word = UnsafeRawPointer(q).loadUnaligned(as: UInt64.self)
        // A byte's high bit is set when it is not a digit: above '9' the first sum reaches
        // 0x80, below '0' the difference wraps. Exact up to the first non-digit, which is
        // all that is used (carries and borrows only move up from it).
        let nonDigits = ((word &+ 0x4646_4646_4646_4646) | (word &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080
        let count = nonDigits.trailingZeroBitCount >> 3
        guard count > 0, count < 8, q[count] == UInt8(ascii: "\"") else { return nil }
        // The digits, moved to the top bytes (first digit lowest): zeros in front.
        var value = (word &- 0x3030_3030_3030_3030) << UInt64(8 * (8 - count))
        value = value &* 10 &+ (value >> 8)
        value = ((value & 0x0000_00FF_0000_00FF) &* 0x000F_4240_0000_0064
            &+ ((value >> 16) & 0x0000_00FF_0000_00FF) &* 0x0000_2710_0000_0001) >> 32
        return (Int(value), count)
    }

    private static func assign(key rest: JSONString, value: Int, into headers: inout RateLimitHeaders) {
        if rest.hasPrefix("requests-") {
            assign(rest.dropFirst(9), value, limit: &headers.limit.requests, remaining: &headers.remaining.requests)
        } else if rest.hasPrefix("input-tokens-") {
            assign(rest.dropFirst(13), value, limit: &headers.limit.inputTokens, remaining: &headers.remaining.inputTokens)
        } else if rest.hasPrefix("output-tokens-") {
            assign(rest.dropFirst(14), value, limit: &headers.limit.outputTokens, remaining: &headers.remaining.outputTokens)
        } else if rest.hasPrefix("tokens-") {
            assign(rest.dropFirst(7), value, limit: &headers.tokensLimit, remaining: &headers.tokensRemaining)
        }
    }

    @inline(__always)
    private static func assign(_ suffix: JSONString, _ value: Int, limit: inout Int, remaining: inout Int) {
        if suffix.equals("remaining") { remaining = value } else if suffix.equals("limit") { limit = value }
    }

    /// Reads the API's error object: its type and, for 429s, which limit the message names.
    static func readError(_ cursor: inout JSONCursor) throws(JSONScanError) -> (ExchangeErrorKind, Dimension?) {
        try cursor.openObject()
        var kind = ExchangeErrorKind.other
        var limited: Dimension?
        var spendCap = false
        var first = true
        while let key = try cursor.nextKey(&first) {
            if key.equals("type") {
                guard let type = try cursor.readOptionalString() else { continue }
                if type.equals("rate_limit_error") { kind = .rateLimited }
                else if type.equals("overloaded_error") { kind = .overloaded }
                else if type.equals("error") {
                    // A whole error body was logged: {"type":"error","error":{...}}.
                    continue
                }
            } else if key.equals("message") {
                guard let message = try cursor.readOptionalString() else { continue }
                limited = APIObjects.limitedDimension(inMessage: message)
                if limited == nil, message.contains("spend limit") { spendCap = true }
            } else if key.equals("details") {
                if cursor.consumeNull() { continue }
                try cursor.openObject()
                var inner = true
                while let sub = try cursor.nextKey(&inner) {
                    if sub.equals("error_code"), let code = try cursor.readOptionalString() {
                        if code.equals("enforced_spend_limit_reached") { spendCap = true }
                    } else {
                        try cursor.skipValue()
                    }
                }
            } else if key.equals("error") {
                // Nested body shape: take the inner object's findings.
                if cursor.consumeNull() { continue }
                let (innerKind, innerLimited) = try readError(&cursor)
                if innerKind == .spendLimitReached { spendCap = true }
                if innerKind != .other { kind = innerKind }
                limited = innerLimited ?? limited
            } else {
                try cursor.skipValue()
            }
        }
        if spendCap { kind = .spendLimitReached }
        return (kind, limited)
    }

}

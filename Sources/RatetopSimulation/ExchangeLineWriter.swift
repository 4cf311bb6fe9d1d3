import RatetopCore

/// Writes simulated attempts as ratetop `exchange` lines, one JSON object per attempt:
///
/// ```json
/// {"ts":"2026-04-14T10:30:02.422Z","latency_ms":2099,"request_id":"req_01...","model":"claude-sonnet-4-5-20250929",
///  "status":200,"usage":{"input_tokens":1622,"cache_creation_input_tokens":0,"cache_read_input_tokens":14200,"output_tokens":102},
///  "headers":{"date":"Tue, 14 Apr 2026 10:30:02 GMT","content-type":"application/json","request-id":"req_01...",
///             "anthropic-ratelimit-requests-limit":"50", ...}}
/// ```
///
/// `headers` holds what a client wrapper would log from a real response: the twelve
/// `anthropic-ratelimit-*` headers (absent on a 529), `request-id`, `retry-after` and
/// `x-should-retry` on errors, and the usual noise (`date`, `content-type`, `cf-ray`,
/// `anthropic-organization-id`, `server`, `via`, ...). Never any credential. `error` carries
/// the API's error object on a 429 or 529. Request ids and ray ids come from the writer's own
/// seeded generator, so output is reproducible.
public struct ExchangeLineWriter: Sendable {
    /// False to leave out `headers` (a log from a wrapper that does not keep them).
    public var includeHeaders: Bool
    private var rng: SplitMix64
    private let organizationID: [UInt8]
    private let colo: StaticString

    public init(seed: UInt64 = 0x0E1C_4A9D_2026_0414, includeHeaders: Bool = true) {
        self.includeHeaders = includeHeaders
        var generator = SplitMix64(seed: seed)
        organizationID = Self.uuid(&generator)
        let colos: [StaticString] = ["SJC", "IAD", "AMS", "FRA", "LHR", "ORD"]
        colo = colos[generator.below(colos.count)]
        rng = generator
    }

    /// The line for one attempt, without the newline.
    public mutating func line(for attempt: SimulatedAttempt) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        append(attempt, to: &bytes)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one attempt's line, newline included.
    public mutating func append(_ attempt: SimulatedAttempt, to out: inout [UInt8]) {
        var requestID: (UInt64, UInt64) = (rng.next(), rng.next())
        let latency = max(0, Int(((attempt.end - attempt.start) * 1000).rounded()))
        out.append(ascii: "{\"ts\":\"")
        out.append(timestamp: attempt.end, milliseconds: true)
        out.append(ascii: "\",\"latency_ms\":")
        out.append(decimal: latency)
        out.append(ascii: ",\"request_id\":\"")
        Self.appendRequestID(&requestID, to: &out)
        out.append(ascii: "\",\"model\":\"")
        out.append(string: attempt.model)
        out.append(ascii: "\",\"status\":")
        out.append(decimal: attempt.status)
        if attempt.status == 200 {
            out.append(ascii: ",\"usage\":{\"input_tokens\":")
            out.append(decimal: attempt.usage.inputTokens)
            out.append(ascii: ",\"cache_creation_input_tokens\":")
            out.append(decimal: attempt.usage.cacheCreationInputTokens)
            out.append(ascii: ",\"cache_read_input_tokens\":")
            out.append(decimal: attempt.usage.cacheReadInputTokens)
            out.append(ascii: ",\"output_tokens\":")
            out.append(decimal: attempt.usage.outputTokens)
            out.append(UInt8(ascii: "}"))
        }
        if includeHeaders {
            appendHeaders(attempt, requestID: &requestID, to: &out)
        }
        if attempt.status == 429 {
            out.append(ascii: ",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"")
            out.append(ascii: "This request would exceed the rate limit for your organization (")
            out.append(contentsOf: organizationID)
            out.append(ascii: ") of ")
            let dimension = attempt.limitedDimension ?? .requests
            out.append(grouped: attempt.headers?.limit[dimension] ?? 0)
            switch dimension {
            case .requests: out.append(ascii: " requests per minute.")
            case .inputTokens: out.append(ascii: " input tokens per minute.")
            case .outputTokens: out.append(ascii: " output tokens per minute.")
            }
            out.append(ascii: " For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.\"}")
        } else if attempt.status == 529 {
            out.append(ascii: ",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}")
        }
        out.append(ascii: "}\n")
    }

    private mutating func appendHeaders(_ attempt: SimulatedAttempt, requestID: inout (UInt64, UInt64), to out: inout [UInt8]) {
        out.append(ascii: ",\"headers\":{\"date\":\"")
        out.append(httpDate: attempt.end)
        out.append(ascii: "\",\"content-type\":\"application/json\",\"request-id\":\"")
        Self.appendRequestID(&requestID, to: &out)
        out.append(UInt8(ascii: "\""))
        if let headers = attempt.headers {
            appendBucket("requests", headers.limit.requests, headers.remaining.requests, headers.reset.requests, to: &out)
            appendBucket("input-tokens", headers.limit.inputTokens, headers.remaining.inputTokens, headers.reset.inputTokens, to: &out)
            appendBucket("output-tokens", headers.limit.outputTokens, headers.remaining.outputTokens, headers.reset.outputTokens, to: &out)
            appendBucket("tokens", headers.tokensLimit, headers.tokensRemaining, headers.tokensReset, to: &out)
        }
        if let retryAfter = attempt.retryAfter, attempt.status == 429 {
            out.append(ascii: ",\"retry-after\":\"")
            out.append(decimal: retryAfter)
            out.append(UInt8(ascii: "\""))
        }
        if attempt.status != 200 {
            out.append(ascii: ",\"x-should-retry\":\"true\"")
        }
        out.append(ascii: ",\"anthropic-organization-id\":\"")
        out.append(contentsOf: organizationID)
        out.append(ascii: "\",\"via\":\"1.1 google\",\"server\":\"cloudflare\",\"cf-ray\":\"")
        var ray = rng.next()
        for _ in 0..<16 {
            out.append(Self.hexDigits[Int(ray & 0xF)])
            ray >>= 4
        }
        out.append(UInt8(ascii: "-"))
        out.append(ascii: colo)
        out.append(ascii: "\"}")
    }

    private func appendBucket(_ name: StaticString, _ limit: Int, _ remaining: Int, _ reset: Double, to out: inout [UInt8]) {
        out.append(ascii: ",\"anthropic-ratelimit-")
        out.append(ascii: name)
        out.append(ascii: "-limit\":\"")
        out.append(decimal: limit)
        out.append(ascii: "\",\"anthropic-ratelimit-")
        out.append(ascii: name)
        out.append(ascii: "-remaining\":\"")
        out.append(decimal: remaining)
        out.append(ascii: "\",\"anthropic-ratelimit-")
        out.append(ascii: name)
        out.append(ascii: "-reset\":\"")
        out.append(timestamp: reset, milliseconds: false)
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let base62: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `req_01` followed by 22 base62 characters drawn from two 64-bit values.
    private static func appendRequestID(_ bits: inout (UInt64, UInt64), to out: inout [UInt8]) {
        out.append(ascii: "req_01")
        var (high, low) = bits
        for index in 0..<22 {
            if index < 11 {
                out.append(base62[Int(high % 62)])
                high /= 62
            } else {
                out.append(base62[Int(low % 62)])
                low /= 62
            }
        }
    }

    /// A random version-4 UUID in lower-case text.
    private static func uuid(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        var a = rng.next(), b = rng.next()
        a = (a & ~0xF000) | 0x4000
        b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let nibbles = (0..<16).map { UInt8((a >> (60 - 4 * UInt64($0))) & 0xF) }
            + (0..<16).map { UInt8((b >> (60 - 4 * UInt64($0))) & 0xF) }
        for (index, nibble) in nibbles.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(hexDigits[Int(nibble)])
        }
        return bytes
    }
}

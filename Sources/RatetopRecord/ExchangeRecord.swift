import RatetopCore

/// One API exchange as an `exchange` log line: what ratetop reads back with `ExchangeLogDecoder`.
///
/// ```json
/// {"ts":"2026-11-20T09:00:02.422Z","latency_ms":2099,"ttfb_ms":412,"request_id":"req_01…",
///  "model":"claude-sonnet-4-5-20250929","status":200,"stream":true,
///  "usage":{"input_tokens":1622,"cache_read_input_tokens":12000,"output_tokens":102},
///  "headers":{"anthropic-ratelimit-requests-limit":"50",…},"error":{"type":"…","message":"…"}}
/// ```
/// Bodies are never stored: only the usage and error objects taken from them.
public struct ExchangeRecord: Sendable, Equatable {
    /// When the response completed (epoch seconds).
    public var completedAt: Double
    public var latencyMs: Int
    /// When the response head arrived, from the start (streams only).
    public var ttfbMs: Int?
    public var requestID: String?
    public var model: String?
    public var status: Int
    public var stream: Bool
    public var usage: UsageObject?
    /// Allow-listed response headers, lower-case names, in the order received.
    public var headers: [Header]
    /// The API's error object, compact JSON text.
    public var error: [UInt8]?

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(completedAt: Double, latencyMs: Int, ttfbMs: Int? = nil, requestID: String? = nil, model: String?, status: Int,
                stream: Bool = false, usage: UsageObject? = nil, headers: [Header] = [], error: [UInt8]? = nil) {
        self.completedAt = completedAt
        self.latencyMs = latencyMs
        self.ttfbMs = ttfbMs
        self.requestID = requestID
        self.model = model
        self.status = status
        self.stream = stream
        self.usage = usage
        self.headers = headers
        self.error = error
    }

    /// The line's bytes, without the newline.
    public func line() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(768)
        JSONBytes.appendASCII("{\"ts\":\"", to: &out)
        out.append(contentsOf: RFC3339.format(completedAt, fractionDigits: 3).utf8)
        JSONBytes.appendASCII("\",\"latency_ms\":", to: &out)
        JSONBytes.appendDecimal(latencyMs, to: &out)
        if let ttfbMs {
            JSONBytes.appendASCII(",\"ttfb_ms\":", to: &out)
            JSONBytes.appendDecimal(ttfbMs, to: &out)
        }
        if let requestID {
            JSONBytes.appendASCII(",\"request_id\":", to: &out)
            JSONBytes.appendString(requestID, to: &out)
        }
        if let model {
            JSONBytes.appendASCII(",\"model\":", to: &out)
            JSONBytes.appendString(model, to: &out)
        }
        JSONBytes.appendASCII(",\"status\":", to: &out)
        JSONBytes.appendDecimal(status, to: &out)
        if stream { JSONBytes.appendASCII(",\"stream\":true", to: &out) }
        if let usage, !usage.isEmpty {
            JSONBytes.appendASCII(",\"usage\":", to: &out)
            usage.append(to: &out)
        }
        if !headers.isEmpty {
            JSONBytes.appendASCII(",\"headers\":{", to: &out)
            for (index, header) in headers.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONBytes.appendString(header.name, to: &out)
                out.append(UInt8(ascii: ":"))
                JSONBytes.appendString(header.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let error {
            JSONBytes.appendASCII(",\"error\":", to: &out)
            out.append(contentsOf: error)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

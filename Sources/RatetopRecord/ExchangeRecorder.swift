/// Follows one proxied Messages API call from its response head to its end and makes its
/// `exchange` line. Pure: the bytes, the times and how the call ended are handed in.
///
/// ```swift
/// var recorder = ExchangeRecorder(status: 200, headers: upstreamHeaders, requestModel: "claude-sonnet-4-5")
/// recorder.feed(chunk)   // for every body chunk, as it is forwarded
/// let record = recorder.finish(completedAt: now, latencyMs: 2099, ttfbMs: 412, ending: .complete)
/// ```
/// A `text/event-stream` body is read with `StreamUsageScanner` (usage from `message_start` and
/// the last `message_delta`); any other body with `JSONFieldCapture` (`model`, `usage`,
/// `error`). Nothing else of either body is kept.
public struct ExchangeRecorder: Sendable {
    /// How the response body ended.
    public enum Ending: Sendable, Equatable {
        /// The upstream finished the body and the client took all of it.
        case complete
        /// The upstream connection failed or closed mid-body (the reason, without secrets).
        case upstreamFailed(String)
        /// The client went away before the body was delivered.
        case clientGone
    }

    public let status: Int
    public let isStream: Bool
    private let headers: [ExchangeRecord.Header]
    private let requestID: String?
    private let requestModel: String?
    private var scanner = StreamUsageScanner()
    private var capture = JSONFieldCapture(keys: ["model", "usage", "error"])

    /// `headers`: the upstream's response headers (any case); only allow-listed ones are kept.
    public init(status: Int, headers: [(name: String, value: String)], requestModel: String?) {
        self.status = status
        self.requestModel = requestModel
        var kept: [ExchangeRecord.Header] = []
        var requestID: String?
        var isStream = false
        for (name, value) in headers {
            let lower = HeaderPolicy.lowercased(name)
            if lower == "content-type" { isStream = value.lowercased().hasPrefix("text/event-stream") }
            if lower == "request-id" { requestID = value }
            if HeaderPolicy.isLogged(lower) { kept.append(.init(name: lower, value: value)) }
        }
        self.headers = kept
        self.requestID = requestID
        self.isStream = isStream
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        if isStream {
            scanner.feed(bytes)
        } else if !capture.isFinished {
            capture.feed(bytes)
        }
    }

    /// The line for this call, or nil when no model is known (the request named none and the
    /// response has none): such a call cannot be put in any bucket.
    public mutating func finish(completedAt: Double, latencyMs: Int, ttfbMs: Int, ending: Ending) -> ExchangeRecord? {
        var model = requestModel
        var usage: UsageObject?
        var error: [UInt8]?
        if isStream {
            scanner.finish()
            if let served = scanner.model { model = served }
            usage = scanner.usage.isEmpty ? nil : scanner.usage
            error = scanner.error
            if error == nil, (200..<300).contains(status), !scanner.sawMessageStop {
                error = Self.interruption(ending)
            }
        } else {
            if let raw = capture.values["model"], let served = JSONBytes.stringValue(raw) { model = served }
            if let raw = capture.values["usage"] { usage = UsageObject(json: raw) }
            if let raw = capture.values["error"], raw.first == UInt8(ascii: "{"), JSONBytes.isStrictObject(raw) {
                // Checked by the book (nothing the upstream sent may make the line invalid) and
                // compacted onto one line.
                error = JSONBytes.compact(raw)
            }
            if error == nil, ending != .complete { error = Self.interruption(ending) }
        }
        guard let model, !model.isEmpty else { return nil }
        return ExchangeRecord(completedAt: completedAt, latencyMs: latencyMs, ttfbMs: isStream ? ttfbMs : nil,
                              requestID: requestID, model: model, status: status, stream: isStream, usage: usage,
                              headers: headers, error: error)
    }

    /// The error object ratetop writes when a body did not arrive whole. Its types are ratetop's
    /// own (`stream_interrupted`, `client_disconnected`), and the message says so.
    static func interruption(_ ending: Ending) -> [UInt8] {
        var out: [UInt8] = []
        switch ending {
        case .clientGone:
            JSONBytes.appendASCII("{\"type\":\"client_disconnected\",\"message\":", to: &out)
            JSONBytes.appendString("ratetop record: the client closed the connection before the response ended", to: &out)
        case .upstreamFailed(let reason):
            JSONBytes.appendASCII("{\"type\":\"stream_interrupted\",\"message\":", to: &out)
            JSONBytes.appendString("ratetop record: the upstream response ended early: \(reason)", to: &out)
        case .complete:
            JSONBytes.appendASCII("{\"type\":\"stream_interrupted\",\"message\":", to: &out)
            JSONBytes.appendString("ratetop record: the stream ended without message_stop", to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

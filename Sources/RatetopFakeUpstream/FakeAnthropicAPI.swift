import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A local stand-in for the Anthropic API, for the proxy's tests and benchmark: Hummingbird on
/// 127.0.0.1 (port 0), realistic rate-limit headers, non-streaming and streaming bodies, and the
/// failures the proxy must pass through. The request header `x-fake-scenario` picks the answer
/// to `POST /v1/messages`:
///
/// | scenario | answer |
/// |---|---|
/// | `json` (default) | 200, a message with usage (after `x-fake-delay-ms`, if given) |
/// | `stream` | 200 `text/event-stream` in several chunks with pauses, two cumulative `message_delta`s |
/// | `rate-limited` | 429, `retry-after: 7`, a `rate_limit_error` body |
/// | `overloaded` | 529, an `overloaded_error` body |
/// | `stream-error` | 200 stream that sends an SSE `error` event mid-way |
/// | `stream-drop` | 200 stream whose connection is dropped mid-way |
/// | `slow` | the 200 message after 1 s |
/// | `slow-stream` | the stream's head at once, its first event after 1 s |
/// | `bench-stream` | a stream of `x-fake-events` deltas, `x-fake-interval-ms` apart, the first after `x-fake-first-ms` |
/// | `count-body` | the body read as it streams and counted, never held; the 200 message with `x-fake-received-bytes` |
///
/// `GET /v1/models` answers a model list (a call the proxy forwards without logging).
public final class FakeAnthropicAPI: Sendable {
    public let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, Never>
    private let received: ReceivedRequests

    /// A request as the fake saw it.
    public struct Received: Sendable {
        public var method: String
        public var target: String
        /// Lower-case names, as received.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
    }

    private init(port: Int, group: ServiceGroup, running: Task<Void, Never>, received: ReceivedRequests) {
        self.port = port
        self.group = group
        self.running = running
        self.received = received
    }

    /// The requests received so far (bounded to the last 1,000).
    public var requests: [Received] { received.all }

    public static func start(recordRequests: Bool = true) async throws -> FakeAnthropicAPI {
        let received = ReceivedRequests(enabled: recordRequests)
        let router = Router()
        router.post("/v1/messages") { request, _ -> Response in
            if request.headers[HTTPField.Name("x-fake-scenario")!] == "count-body" {
                return try await countBody(request, received: received)
            }
            let body = try await request.body.collect(upTo: 32 << 20)
            let bytes = Array(body.readableBytesView)
            received.add(Received(method: request.method.rawValue, target: request.head.path ?? "",
                                  headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) }, body: bytes))
            let model = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["model"] as? String ?? "claude-sonnet-4-5-20250929"
            let requestID = received.nextRequestID()
            return try await answer(scenario: request.headers[HTTPField.Name("x-fake-scenario")!] ?? "json", model: model,
                                    requestID: requestID, request: request)
        }
        router.get("/v1/models") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: modelsBody)))
        }
        var logger = Logger(label: "fake-anthropic")
        logger.logLevel = .critical
        let (ports, report) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: router,
                                      configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), backlog: 1024),
                                      onServerRunning: { report.yield($0.localAddress?.port ?? -1) }, logger: logger)
        var configuration = ServiceGroupConfiguration(services: [application], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(1)
        let group = ServiceGroup(configuration: configuration)
        let running = Task.detached {
            try? await group.run()
            report.yield(-1)
            report.finish()
        }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? -1
        guard port > 0 else { throw FakeUpstreamError(description: "the fake Anthropic API could not listen on 127.0.0.1") }
        return FakeAnthropicAPI(port: port, group: group, running: running, received: received)
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        await running.value
    }

    // MARK: Answers

    /// The `count-body` scenario: the body is read as it streams and counted, never held (a
    /// request body of any size); the answer is the JSON message, with `x-fake-received-bytes`.
    /// Recorded without its body (its first 256 bytes only).
    static func countBody(_ request: Request, received: ReceivedRequests) async throws -> Response {
        var count = 0
        var head: [UInt8] = []
        for try await chunk in request.body {
            if head.count < 256 { head += chunk.readableBytesView.prefix(256 - head.count) }
            count += chunk.readableBytes
        }
        received.add(Received(method: request.method.rawValue, target: request.head.path ?? "",
                              headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) }, body: head))
        let requestID = received.nextRequestID()
        return json(status: .ok, body: messageBody(model: "claude-haiku-4-5-20251001"),
                    headers: rateLimitHeaders(requestID: requestID, remaining: (47, 28000, 8000)) + [("x-fake-received-bytes", "\(count)")])
    }

    static func answer(scenario: String, model: String, requestID: String, request: Request) async throws -> Response {
        switch scenario {
        case "rate-limited":
            return json(status: .tooManyRequests, body: rateLimitedBody(requestID: requestID),
                        headers: rateLimitHeaders(requestID: requestID, remaining: (0, 0, 8000)) + [("retry-after", "7"), ("x-should-retry", "true")])
        case "overloaded":
            return json(status: HTTPResponse.Status(code: 529, reasonPhrase: "Overloaded"), body: overloadedBody(requestID: requestID),
                        headers: baseHeaders(requestID: requestID) + [("x-should-retry", "true")])
        case "stream", "stream-error", "stream-drop", "slow-stream":
            let chunks: [String]
            switch scenario {
            case "stream-error": chunks = streamErrorChunks(model: model)
            case "stream-drop": chunks = streamDropChunks(model: model)
            default: chunks = streamChunks(model: model)
            }
            let firstPause: Duration = scenario == "slow-stream" ? .seconds(1) : .milliseconds(15)
            let drops = scenario == "stream-drop"
            return stream(requestID: requestID, chunks: chunks, firstPause: firstPause, pause: .milliseconds(15), drops: drops)
        case "bench-stream":
            let events = request.headers[HTTPField.Name("x-fake-events")!].flatMap(Int.init) ?? 20
            let interval = request.headers[HTTPField.Name("x-fake-interval-ms")!].flatMap(Int.init) ?? 10
            let first = request.headers[HTTPField.Name("x-fake-first-ms")!].flatMap(Int.init) ?? interval
            return stream(requestID: requestID, chunks: benchStreamChunks(model: model, events: events),
                          firstPause: .milliseconds(first), pause: .milliseconds(interval), drops: false)
        case "slow":
            try await pause(.seconds(1))
            return json(status: .ok, body: messageBody(model: model), headers: rateLimitHeaders(requestID: requestID, remaining: (47, 28000, 8000)))
        default:
            if let delay = request.headers[HTTPField.Name("x-fake-delay-ms")!].flatMap(Double.init), delay > 0 {
                try await pause(.milliseconds(delay))
            }
            return json(status: .ok, body: messageBody(model: model), headers: rateLimitHeaders(requestID: requestID, remaining: (47, 28000, 8000)))
        }
    }

    static func json(status: HTTPResponse.Status, body: String, headers: [(String, String)]) -> Response {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func stream(requestID: String, chunks: [String], firstPause: Duration, pause: Duration, drops: Bool) -> Response {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .contentType, value: "text/event-stream; charset=utf-8"))
        fields.append(HTTPField(name: .cacheControl, value: "no-cache"))
        for (name, value) in rateLimitHeaders(requestID: requestID, remaining: (47, 28000, 8000)) {
            fields.append(HTTPField(name: HTTPField.Name(name)!, value: value))
        }
        return Response(status: .ok, headers: fields, body: ResponseBody { writer in
            for (index, chunk) in chunks.enumerated() {
                try await Self.pause(index == 0 ? firstPause : pause)
                try await writer.write(ByteBuffer(string: chunk))
            }
            if drops { throw FakeUpstreamError(description: "dropping the connection mid-stream") }
            try await writer.finish(nil)
        })
    }

    /// Waits on a SwiftNIO timer, which fires on time; `Task.sleep` can fire tens of milliseconds
    /// late under load, and the benchmark would count that as latency.
    static func pause(_ duration: Duration) async throws {
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        try await MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds)) {}.futureResult.get()
    }

    // MARK: Bodies and headers, public so tests compare against them

    public static let organizationID = "6f1c0a52-8e1d-4c1b-9a0e-2a9f6c3d1b7e"

    public static func baseHeaders(requestID: String) -> [(String, String)] {
        [("request-id", requestID), ("anthropic-organization-id", organizationID), ("via", "1.1 google"),
         ("cf-cache-status", "DYNAMIC"), ("server", "cloudflare"), ("cf-ray", "8f3a2b1c4d5e6f70-SJC"),
         ("set-cookie", "__cf_bm=SECRET-COOKIE; path=/; HttpOnly")]
    }

    public static func rateLimitHeaders(requestID: String, remaining: (Int, Int, Int)) -> [(String, String)] {
        [("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-requests-remaining", "\(remaining.0)"),
         ("anthropic-ratelimit-requests-reset", "2026-11-30T09:00:03Z"),
         ("anthropic-ratelimit-input-tokens-limit", "30000"), ("anthropic-ratelimit-input-tokens-remaining", "\(remaining.1)"),
         ("anthropic-ratelimit-input-tokens-reset", "2026-11-30T09:00:05Z"),
         ("anthropic-ratelimit-output-tokens-limit", "8000"), ("anthropic-ratelimit-output-tokens-remaining", "\(remaining.2)"),
         ("anthropic-ratelimit-output-tokens-reset", "2026-11-30T09:00:02Z"),
         ("anthropic-ratelimit-tokens-limit", "38000"), ("anthropic-ratelimit-tokens-remaining", "\(remaining.1 + remaining.2)"),
         ("anthropic-ratelimit-tokens-reset", "2026-11-30T09:00:05Z")] + baseHeaders(requestID: requestID)
    }

    public static func messageBody(model: String) -> String {
        #"{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"\#(model)","content":[{"type":"text","text":"Hello! \"Quoted\" and\nnewline."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1622,"cache_creation_input_tokens":0,"cache_read_input_tokens":12000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":102,"service_tier":"standard"}}"#
    }

    public static func rateLimitedBody(requestID: String) -> String {
        #"{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization (\#(organizationID)) of 30,000 input tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits."},"request_id":"\#(requestID)"}"#
    }

    public static func overloadedBody(requestID: String) -> String {
        #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"\#(requestID)"}"#
    }

    static func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }

    static func messageStart(model: String) -> String {
        event("message_start", #"{"type":"message_start","message":{"id":"msg_01Stream","type":"message","role":"assistant","model":"\#(model)","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1622,"cache_creation_input_tokens":500,"cache_read_input_tokens":12000,"output_tokens":1,"service_tier":"standard"}}}"#)
    }

    /// The `stream` scenario's body, as sent: chunk edges fall inside lines and events.
    public static func streamChunks(model: String) -> [String] {
        let text = messageStart(model: model)
            + event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#)
            + event("ping", #"{"type": "ping"}"#)
            + event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}"#)
            + event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},"usage":{"output_tokens":7}}"#)
            + event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" world, \"quoted\""}}"#)
            + event("content_block_stop", #"{"type":"content_block_stop","index":0}"#)
            + event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":1622,"cache_creation_input_tokens":500,"cache_read_input_tokens":12000,"output_tokens":102,"server_tool_use":null}}"#)
            + event("message_stop", #"{"type":"message_stop"}"#)
        return split(text, sizes: [40, 300, 7, 500, 90])
    }

    public static func streamErrorChunks(model: String) -> [String] {
        [messageStart(model: model),
         event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#)
            + event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}"#),
         event("error", #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)]
    }

    public static func streamDropChunks(model: String) -> [String] {
        [messageStart(model: model),
         event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#)
            + event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},"usage":{"output_tokens":9}}"#)]
    }

    public static func benchStreamChunks(model: String, events: Int) -> [String] {
        [messageStart(model: model)]
            + (0..<events).map { event("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"token \#($0) "}}"#) }
            + [event("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":\#(events)}}"#)
                + event("message_stop", #"{"type":"message_stop"}"#)]
    }

    static let modelsBody = #"{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],"has_more":false,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-sonnet-4-5-20250929"}"#

    /// Cuts `text` into pieces of the given sizes, cycling through them.
    static func split(_ text: String, sizes: [Int]) -> [String] {
        let bytes = Array(text.utf8)
        var pieces: [String] = []
        var start = 0
        var index = 0
        while start < bytes.count {
            let end = min(bytes.count, start + sizes[index % sizes.count])
            pieces.append(String(decoding: bytes[start..<end], as: UTF8.self))
            start = end
            index += 1
        }
        return pieces
    }
}

public struct FakeUpstreamError: Error, CustomStringConvertible {
    public var description: String
}

/// What the fake received, and its request-id counter.
final class ReceivedRequests: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [FakeAnthropicAPI.Received] = []
    private var counter = 0
    private let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled }

    func add(_ item: FakeAnthropicAPI.Received) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        items.append(item)
        if items.count > 1000 { items.removeFirst(items.count - 1000) }
    }

    var all: [FakeAnthropicAPI.Received] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }

    func nextRequestID() -> String {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        let digits = String(counter)
        return "req_011CFake" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }
}

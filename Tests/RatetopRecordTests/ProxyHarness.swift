import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RatetopFakeUpstream
import RatetopTestSupport
import Testing
@testable import RatetopRecord

/// A fake Anthropic API and a proxy in front of it, both on 127.0.0.1, a log file, a client,
/// and every message the proxy logged. Tests stay async all the way (nothing blocks Swift's
/// cooperative pool, which the servers' tasks use).
struct ProxyHarness: Sendable {
    let upstream: FakeAnthropicAPI
    let proxy: RecordProxy
    let folder: Scratch
    let logPath: String
    let writer: ExchangeLogWriter
    let client: HTTPClient
    let messages: CapturedMessages

    static let apiKey = "sk-ant-test-SECRET-0123456789"
    static let bearer = "Bearer sk-ant-oauth-SECRET-abcdef"

    static func start(upstreamURL: String? = nil, options: RecordProxy.Options = RecordProxy.Options()) async throws -> ProxyHarness {
        let upstream = try await FakeAnthropicAPI.start()
        let folder = Scratch()
        let logPath = folder.file("proxy.jsonl")
        let messages = CapturedMessages()
        let logger = Logger(label: "test") { _ in CapturingLogHandler(messages: messages) }
        let writer = try ExchangeLogWriter(path: logPath, onProblem: { messages.add($0) })
        let proxy = try await RecordProxy.start(host: "127.0.0.1", port: 0,
                                                upstream: UpstreamURL(upstreamURL ?? "http://127.0.0.1:\(upstream.port)"),
                                                log: writer, logger: logger, options: options)
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 512
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        return ProxyHarness(upstream: upstream, proxy: proxy, folder: folder, logPath: logPath, writer: writer, client: client, messages: messages)
    }

    func stop() async {
        await proxy.stop()
        await upstream.stop()
        try? await client.shutdown()
    }

    /// The log's lines, parsed.
    var logLines: [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    var logText: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    static func requestBody(model: String = "claude-sonnet-4-5", stream: Bool) -> String {
        #"{"model":"\#(model)","max_tokens":1024,"stream":\#(stream),"messages":[{"role":"user","content":"Hello, \"proxy\"!"}]}"#
    }

    /// What a client got for one call.
    struct Fetched: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        /// Seconds from sending to the first body byte.
        var firstByte: Double?
        var failure: String?

        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }

        /// The body with this response's own `request-id` value blanked out.
        var bodyWithoutRequestID: String {
            let text = String(decoding: body, as: UTF8.self)
            guard let id = header("request-id") else { return text }
            return text.replacingOccurrences(of: id, with: "req_…")
        }

        /// Headers that describe the message (not the connection), lower-cased and sorted.
        var messageHeaders: [String] {
            headers.map { "\($0.name.lowercased()): \($0.value)" }
                .filter { !["content-length", "transfer-encoding", "connection", "keep-alive"].contains(String($0.split(separator: ":")[0])) }
                .sorted()
        }
    }

    /// `POST /v1/messages` straight to the fake (`direct`) or through the proxy.
    func call(_ scenario: String, direct: Bool = false, stream: Bool = false, model: String = "claude-sonnet-4-5",
              path: String = "/v1/messages", method: HTTPMethod = .POST, extraHeaders: [(String, String)] = []) async throws -> Fetched {
        let port = direct ? upstream.port : proxy.boundPort
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "x-api-key", value: Self.apiKey)
        request.headers.add(name: "authorization", value: Self.bearer)
        request.headers.add(name: "anthropic-version", value: "2023-06-01")
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "x-fake-scenario", value: scenario)
        for (name, value) in extraHeaders { request.headers.add(name: name, value: value) }
        if method == .POST { request.body = .bytes(ByteBuffer(string: Self.requestBody(model: model, stream: stream))) }
        let start = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(30))
        var fetched = Fetched(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: [])
        do {
            for try await chunk in response.body {
                if fetched.firstByte == nil {
                    let elapsed = ContinuousClock.now - start
                    fetched.firstByte = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                }
                fetched.body.append(contentsOf: chunk.readableBytesView)
            }
        } catch {
            fetched.failure = "\(error)"
        }
        return fetched
    }
}

/// Every message logged through swift-log, and every writer problem.
final class CapturedMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ message: String) {
        lock.lock()
        items.append(message)
        lock.unlock()
    }
    var all: [String] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

struct CapturingLogHandler: LogHandler {
    let messages: CapturedMessages
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        messages.add("\(event.level): \(event.message) \(event.metadata ?? [:]) \(metadata)")
    }
}

/// Feeds `text` to `feed` cut into pieces of `size` bytes, as a socket might deliver it.
func feedInPieces(_ text: String, size: Int, _ feed: (UnsafeRawBufferPointer) -> Void) {
    let bytes = Array(text.utf8)
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + size)
        bytes[start..<end].withUnsafeBytes { feed($0) }
        start = end
    }
}

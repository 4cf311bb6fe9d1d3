import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Forwards every request to the upstream and streams the response back as it arrives; for
/// `POST /v1/messages` it also follows the call with an `ExchangeRecorder` and appends the line.
///
/// Forwarded unchanged: method, target (path and query), headers (credentials included: the
/// upstream needs them) minus the hop-by-hop ones, and the body, streamed. One change:
/// `accept-encoding` is sent as `identity`, so the body can be read for its usage (the client
/// then gets an uncompressed body, which every client accepts). Responses come back with their
/// status, headers (minus hop-by-hop) and body bytes as received, chunk by chunk.
struct ProxyResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let client: HTTPClient
    let upstream: UpstreamURL
    let log: ExchangeLogWriter
    let logger: Logger
    let headTimeout: TimeAmount

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let startedWall = Date().timeIntervalSince1970
        let target = request.head.path ?? "/"
        let recorded = request.method == .post && Self.isMessagesPath(target)

        var outbound = HTTPClientRequest(url: upstream.url(for: target))
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        let tokens = HeaderPolicy.connectionTokens(request.headers[values: .connection])
        for field in request.headers {
            let name = field.name.canonicalName
            guard !HeaderPolicy.isHopByHop(name, connectionTokens: tokens) else { continue }
            if name == "accept-encoding" {
                outbound.headers.replaceOrAdd(name: "accept-encoding", value: "identity")
                continue
            }
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        let sniffer = recorded ? RequestModelSniffer() : nil
        let body = SniffingBody(base: request.body, sniffer: sniffer)
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }) {
            if length > 0 { outbound.body = .stream(body, length: .known(length)) }
        } else if request.headers[.transferEncoding] != nil || [.post, .put, .patch].contains(request.method) {
            outbound.body = .stream(body, length: .unknown)
        }

        let response: HTTPClientResponse
        do {
            response = try await client.execute(outbound, deadline: .now() + headTimeout, logger: Self.silent)
        } catch {
            return gatewayFailure(error)
        }
        let headAt = DispatchTime.now().uptimeNanoseconds
        var headers = HTTPFields()
        let responseTokens = HeaderPolicy.connectionTokens(response.headers["connection"])
        var logged: [(name: String, value: String)] = []
        for (name, value) in response.headers {
            let lower = HeaderPolicy.lowercased(name)
            if recorded { logged.append((lower, value)) }
            guard !HeaderPolicy.isHopByHop(lower, connectionTokens: responseTokens), let fieldName = HTTPField.Name(name) else { continue }
            headers.append(HTTPField(name: fieldName, value: value))
        }
        let contentLength = response.headers.first(name: "content-length").flatMap { Int($0) }
        let status = Int(response.status.code)
        let upstreamBody = response.body
        let log = self.log
        let loggedHeaders = logged
        let responseBody = ResponseBody(contentLength: contentLength) { writer in
            var recorder = recorded ? ExchangeRecorder(status: status, headers: loggedHeaders, requestModel: sniffer?.model) : nil
            var ending = ExchangeRecorder.Ending.complete
            defer {
                if var finished = recorder {
                    let end = DispatchTime.now().uptimeNanoseconds
                    let record = finished.finish(completedAt: startedWall + Double(end - started) / 1e9,
                                                 latencyMs: Self.milliseconds(end - started),
                                                 ttfbMs: Self.milliseconds(headAt - started), ending: ending)
                    if let record { log.append(record.line()) }
                }
            }
            var iterator = upstreamBody.makeAsyncIterator()
            while true {
                let chunk: ByteBuffer?
                do {
                    chunk = try await iterator.next()
                } catch {
                    ending = .upstreamFailed(Self.describe(error))
                    throw error
                }
                guard let chunk else { break }
                do {
                    try await writer.write(chunk)
                } catch {
                    ending = .clientGone
                    throw error
                }
                chunk.withUnsafeReadableBytes { recorder?.feed($0) }
            }
            do {
                try await writer.finish(nil)
            } catch {
                ending = .clientGone
                throw error
            }
        }
        return Response(status: HTTPResponse.Status(code: status, reasonPhrase: response.status.reasonPhrase),
                        headers: headers, body: responseBody)
    }

    /// `/v1/messages`, with or without a query: the calls the rate limits count. Token counting,
    /// batches and model listing have limits of their own and are forwarded without a line.
    static func isMessagesPath(_ target: String) -> Bool {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return path == "/v1/messages" || path == "/v1/messages/"
    }

    /// The upstream could not be reached or did not answer: 502 (504 on a timeout) with an
    /// error body shaped like the API's own, so SDKs report it (and retry it) as usual.
    private func gatewayFailure(_ error: any Error) -> Response {
        let reason = Self.describe(error)
        let timedOut = reason == "timed out"
        logger.warning("upstream \(upstream.displayName) \(timedOut ? "did not answer" : "unreachable"): \(reason)")
        let status: HTTPResponse.Status = timedOut ? .gatewayTimeout : .badGateway
        var body: [UInt8] = []
        JSONBytes.appendASCII("{\"type\":\"error\",\"error\":{\"type\":", to: &body)
        JSONBytes.appendString(timedOut ? "timeout_error" : "api_error", to: &body)
        JSONBytes.appendASCII(",\"message\":", to: &body)
        JSONBytes.appendString("ratetop record: upstream \(upstream.displayName) \(timedOut ? "did not answer" : "unreachable"): \(reason)", to: &body)
        JSONBytes.appendASCII("}}", to: &body)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A short reason for an AsyncHTTPClient or NIO error (never a header or a URL path).
    static func describe(_ error: any Error) -> String {
        if error is CancellationError { return "cancelled" }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection was closed"
            case .cancelled: return "cancelled"
            default: break
            }
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("readTimeout") { return "timed out" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("connectionReset") || text.contains("Connection reset") { return "connection reset" }
        if text.contains("remoteConnectionClosed") || text.contains("uncleanShutdown") { return "the connection was closed" }
        return text.split(whereSeparator: \.isNewline).first.map { String($0.prefix(160)) } ?? "unknown error"
    }

    static func milliseconds(_ nanoseconds: UInt64) -> Int { Int((Double(nanoseconds) / 1e6).rounded()) }

    private static let silent = Logger(label: "ratetop.record.client", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// Reads the request body's top-level `"model"` as the body streams to the upstream.
final class RequestModelSniffer: @unchecked Sendable {
    private let lock = NSLock()
    private var capture = JSONFieldCapture(keys: ["model"], valueLimit: 1024)

    func feed(_ buffer: ByteBuffer) {
        lock.lock()
        defer { lock.unlock() }
        guard !capture.hasAll, !capture.isFinished else { return }
        buffer.withUnsafeReadableBytes { capture.feed($0) }
    }

    var model: String? {
        lock.lock()
        defer { lock.unlock() }
        return capture.values["model"].flatMap(JSONBytes.stringValue)
    }
}

/// The request body as it streams to the upstream, shown to a `RequestModelSniffer` on the way.
struct SniffingBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let sniffer: RequestModelSniffer?

    struct AsyncIterator: AsyncIteratorProtocol {
        var inner: Base.AsyncIterator
        let sniffer: RequestModelSniffer?

        mutating func next() async throws -> ByteBuffer? {
            let buffer = try await inner.next()
            if let buffer, let sniffer { sniffer.feed(buffer) }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(inner: base.makeAsyncIterator(), sniffer: sniffer) }
}

import Foundation
import Hummingbird
import Logging
import NIOCore
import RatetopCore
import RatetopExecutors
import RatetopIO
import ServiceLifecycle

/// `watch otlp://HOST:PORT`: an OTLP/HTTP receiver for Claude Code's OpenTelemetry export. A
/// Hummingbird server on its own event loop and queue accepts `POST /v1/logs` and
/// `POST /v1/metrics` (protobuf or JSON, optionally gzip), decodes the body there into plain
/// records and answers 200 with an empty `Export…ServiceResponse`; the caller's `poll` turns the
/// records into events (`ClaudeCodeTelemetryDecoder`) on its own thread, in arrival order.
///
/// Refused: a body over 16 MiB (413), an unknown `Content-Type` or `Content-Encoding` (415), a
/// body that is not OTLP (400), records piling up while the caller does not poll (503, which
/// OTLP exporters retry). Each refusal counts as a malformed input with its reason and shows
/// in `source_problems` until a minute passes without one. Hostile input cannot crash it:
/// sizes are bounded before decoding, nesting is bounded in the decoder, numbers are
/// range-checked by the core.
public final class OTLPReceiver: LiveFeed, @unchecked Sendable {
    public let target: OTLPTarget
    public var name: String { target.displayName }
    public var recoveredNotice: String { "accepting exports again" }
    public private(set) var lastDataAt: Double?
    public private(set) var problem: FeedProblem?
    /// Exports taken in by `poll` (accepted requests).
    public private(set) var exports = 0
    /// Requests refused, as taken in by `poll`.
    public private(set) var refused = 0
    /// The port bound (the real one when 0 was asked for), once started.
    public private(set) var boundPort: Int?

    public static let maxBodyBytes = 16 << 20
    /// The most records waiting for the caller's poll; beyond, exports are answered 503.
    public static let maxPendingRecords = 500_000
    /// A refusal stays in `problem` this long after the last one.
    public static let problemLasts = 60.0

    let decoder: ClaudeCodeTelemetryDecoder
    let mailbox = Mailbox()
    private var group: ServiceGroup?
    private var finished: DispatchSemaphore?
    private var lastRefusalAt = -Double.infinity

    /// `startedAt`: wall time; cumulative metric series begun before it are the baseline.
    public init(target: OTLPTarget, startedAt: Double = Date().timeIntervalSince1970, metricHold: Double = 15) {
        self.target = target
        self.decoder = ClaudeCodeTelemetryDecoder(startedAt: startedAt, metricHold: metricHold)
    }

    deinit { stop() }

    // MARK: Polling (the caller's thread)

    public func poll(now: Double, models: ModelCatalog, source: Int32, diagnostics: Diagnostics, each: (Exchange) -> Void) {
        let path = "\(name) export"
        for item in mailbox.take() {
            switch item {
            case .logs(let records, let at):
                exports += 1
                lastDataAt = at
                let result = decoder.decode(logs: records, receivedAt: at, models: models, origin: LineOrigin(source: source, line: exports))
                for reason in result.problems { diagnostics.malformed(path: path, line: exports, reason: reason) }
                result.events.forEach(each)
            case .metrics(let points, let at):
                exports += 1
                lastDataAt = at
                let result = decoder.take(metrics: points, receivedAt: at)
                for reason in result.problems { diagnostics.malformed(path: path, line: exports, reason: reason) }
            case .refused(let reason, let at):
                refused += 1
                lastRefusalAt = at
                diagnostics.malformed(path: "\(name) request", line: refused, reason: reason)
                if var current = problem {
                    current.failures += 1
                    current.reason = reason
                    current.retryAt = at
                    problem = current
                } else {
                    problem = FeedProblem(reason: reason, since: at, failures: 1, retryAt: at, retrying: false)
                }
            }
        }
        let released = decoder.release(now: now, models: models, origin: LineOrigin(source: source, line: exports))
        for reason in released.problems { diagnostics.malformed(path: path, line: exports, reason: reason) }
        released.events.forEach(each)
        if problem != nil, now - lastRefusalAt >= Self.problemLasts { problem = nil }
    }

    // MARK: Serving

    /// Starts listening; returns once the socket is bound. Call from a plain thread (it waits).
    public func start(timeout: Double = 10, logger: Logger? = nil) throws(OTLPReceiverError) {
        guard group == nil else { return }
        let logger = logger ?? Self.quietLogger
        let startup = Startup()
        let finished = DispatchSemaphore(value: 0)
        let application = Self.makeApplication(host: target.host, port: target.port, mailbox: mailbox, logger: logger) { port in
            startup.settle(.success(port))
        }
        var configuration = ServiceGroupConfiguration(services: [application], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(3)
        let group = ServiceGroup(configuration: configuration)
        let host = target.host, port = target.port
        OTLPExecutor.run {
            do {
                try await group.run()
                startup.settle(.failure(OTLPReceiverError(host: host, port: port, reason: "the server stopped")))
            } catch {
                startup.settle(.failure(OTLPReceiverError(host: host, port: port, reason: Self.reason(error))))
            }
            finished.signal()
        }
        guard let result = startup.wait(timeout: timeout) else {
            OTLPExecutor.run { await group.triggerGracefulShutdown() }
            throw OTLPReceiverError(host: host, port: port, reason: "not listening after \(Int(timeout)) s")
        }
        switch result {
        case .success(let bound):
            boundPort = bound
            self.group = group
            self.finished = finished
        case .failure(let error):
            throw error
        }
    }

    /// Stops listening (an export in progress may finish) and waits up to 5 s. Safe to call twice.
    public func stop() {
        guard let group, let finished else { return }
        self.group = nil
        self.finished = nil
        OTLPExecutor.run { await group.triggerGracefulShutdown() }
        _ = finished.wait(timeout: .now() + 5)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "ratetop.otlp")
        logger.logLevel = .warning
        return logger
    }

    static func makeApplication(host: String, port: Int, mailbox: Mailbox, logger: Logger,
                                onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.post("/v1/logs") { request, _ -> Response in
            await handle(request, signal: .logs, mailbox: mailbox)
        }
        router.post("/v1/metrics") { request, _ -> Response in
            await handle(request, signal: .metrics, mailbox: mailbox)
        }
        return Application(router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
                           onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    /// One export: the body read (bounded), decoded, handed over; the answer.
    static func handle(_ request: Request, signal: OTLPPayload.Signal, mailbox: Mailbox) async -> Response {
        let now = Date().timeIntervalSince1970
        func refuse(_ status: HTTPResponse.Status, _ reason: String) -> Response {
            mailbox.deliver(.refused("/v1/\(signal.rawValue): \(reason)", at: now))
            return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: reason + "\n")))
        }
        let contentType = request.headers[.contentType]
        guard let encoding = OTLPPayload.encoding(contentType: contentType) else {
            let shown = contentType.map { "'\($0.prefix(80))'" } ?? "none"
            return refuse(.unsupportedMediaType, "Content-Type \(shown): expected application/x-protobuf or application/json")
        }
        var request = request
        var body: [UInt8]
        do {
            var buffer = try await request.collectBody(upTo: maxBodyBytes)
            body = buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            return refuse(.contentTooLarge, "body larger than \(maxBodyBytes >> 20) MiB")
        } catch {
            return refuse(.badRequest, "body not read: \(OTLPPayload.describe(error))")
        }
        let contentEncoding = request.headers[.contentEncoding]?.lowercased().trimmingCharacters(in: .whitespaces) ?? "identity"
        switch contentEncoding {
        case "identity", "":
            break
        case "gzip", "x-gzip", "deflate":
            do { body = try OTLPPayload.gunzip(body, limit: maxBodyBytes) } catch { return refuse(.badRequest, error.description) }
        default:
            return refuse(.unsupportedMediaType, "Content-Encoding '\(contentEncoding.prefix(40))': expected gzip or none")
        }
        let item: Mailbox.Item
        do {
            switch signal {
            case .logs: item = .logs(try OTLPPayload.logs(body, encoding: encoding), at: now)
            case .metrics: item = .metrics(try OTLPPayload.metrics(body, encoding: encoding), at: now)
            }
        } catch {
            return refuse(.badRequest, error.description)
        }
        guard mailbox.deliver(item) else {
            return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "1"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "busy: too many records waiting\n")))
        }
        let contentTypeOut = encoding == .json ? "application/json" : "application/x-protobuf"
        return Response(status: .ok, headers: [.contentType: contentTypeOut],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: OTLPPayload.emptyResponse(signal, encoding: encoding))))
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? "unknown error"
    }

    /// What arrived, waiting for the caller's poll (a lock, nothing else: `deliver` never waits).
    final class Mailbox: @unchecked Sendable {
        enum Item {
            case logs([TelemetryLogRecord], at: Double)
            case metrics([TelemetryMetricPoint], at: Double)
            case refused(String, at: Double)

            var records: Int {
                switch self {
                case .logs(let records, _): records.count
                case .metrics(let points, _): points.count
                case .refused: 1
                }
            }
        }

        private let lock = NSLock()
        private var items: [Item] = []
        private var records = 0
        private var refusals = 0

        /// False when too much is waiting (the item is dropped; the sender retries on 503).
        @discardableResult
        func deliver(_ item: Item) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            if case .refused = item {
                // Refusals are counted, but a flood of them keeps only so many.
                refusals += 1
                guard refusals <= 1000 else { return true }
            } else {
                guard records + item.records <= OTLPReceiver.maxPendingRecords else { return false }
            }
            records += item.records
            items.append(item)
            return true
        }

        func take() -> [Item] {
            lock.lock()
            defer { lock.unlock() }
            let taken = items
            items.removeAll(keepingCapacity: false)
            records = 0
            refusals = 0
            return taken
        }
    }
}

/// Why the receiver could not start: one line, exit 1.
public struct OTLPReceiverError: Error, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var reason: String
    public var description: String {
        "otlp://\(host.contains(":") ? "[\(host)]" : host):\(port): cannot listen: \(reason)"
    }
}

/// The first outcome of starting the server, handed to the thread waiting in `start`.
private final class Startup: @unchecked Sendable {
    private let lock = NSLock()
    private let settled = DispatchSemaphore(value: 0)
    private var result: Result<Int, OTLPReceiverError>?

    func settle(_ outcome: Result<Int, OTLPReceiverError>) {
        lock.lock()
        defer { lock.unlock() }
        guard result == nil else { return }
        result = outcome
        settled.signal()
    }

    func wait(timeout: Double) -> Result<Int, OTLPReceiverError>? {
        guard settled.wait(timeout: .now() + timeout) == .success else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return result
    }
}

/// Where the receiver's tasks run: a serial queue of its own, not Swift's cooperative pool.
enum OTLPExecutor {
    static let queue = SerialQueueExecutor(label: "ratetop.otlp")

    static func run(_ operation: @escaping @Sendable () async -> Void) {
        Task.detached(executorPreference: queue, operation: operation)
    }
}

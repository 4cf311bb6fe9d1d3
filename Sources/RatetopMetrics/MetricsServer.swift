import Foundation
import Hummingbird
import Logging
import NIOCore
import RatetopCore
import ServiceLifecycle

/// The `--metrics-listen` endpoint: a Hummingbird server answering `GET /metrics` with the
/// exporter's Prometheus text (404 for every other path). It runs on SwiftNIO's event loop and a
/// queue of its own, so a synchronous runner only calls `start`, keeps updating the exporter from
/// its loop, and calls `stop` at the end:
///
/// ```swift
/// let exporter = MetricsExporter()
/// let server = try MetricsServer.start(listen: "127.0.0.1:10429", exporter: exporter)
/// // every tick: exporter.update(state:totals:linesRead:malformedLines:firingAlerts:)
/// server.stop()
/// ```
public final class MetricsServer: Sendable {
    /// The host the server listens on, as given.
    public let host: String
    /// The port the socket is bound to (the real one when 0 was asked for).
    public let boundPort: Int
    private let group: ServiceGroup
    private let finished: DispatchSemaphore

    private init(host: String, boundPort: Int, group: ServiceGroup, finished: DispatchSemaphore) {
        self.host = host
        self.boundPort = boundPort
        self.group = group
        self.finished = finished
    }

    /// Parses a `--metrics-listen` value (a host alone listens on `defaultPort`) and starts the
    /// server there.
    public static func start(listen: String, exporter: MetricsExporter, admission: AdmissionDesk? = nil,
                             logger: Logger? = nil) throws -> MetricsServer {
        let (host, port) = try check(listen: listen)
        return try start(host: host, port: port, exporter: exporter, admission: admission, logger: logger)
    }

    /// Starts the server and returns once the socket is bound (port 0 picks a free port; read
    /// `boundPort`). Throws `MetricsServerError` when it cannot listen there. The server's tasks
    /// prefer a queue of their own (`MetricsServerExecutor`), so serving never waits for Swift's
    /// cooperative pool; `start` and `stop` block the calling thread briefly, so call them from a
    /// plain thread (a synchronous command's main thread), not from an async task: Hummingbird's
    /// graceful shutdown does run one unstructured task on that pool.
    public static func start(host: String, port: Int, exporter: MetricsExporter, admission: AdmissionDesk? = nil,
                             logger: Logger? = nil, timeout: Double = 10) throws -> MetricsServer {
        let logger = logger ?? quietLogger
        let startup = StartupResult()
        let finished = DispatchSemaphore(value: 0)
        let application = makeApplication(host: host, port: port, exporter: exporter, admission: admission, logger: logger) { port in
            startup.settle(.success(port))
        }
        // No signals: the runner owns SIGINT/SIGTERM and calls `stop`.
        var configuration = ServiceGroupConfiguration(services: [application], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(3)
        let group = ServiceGroup(configuration: configuration)
        MetricsServerExecutor.run {
            do {
                try await group.run()
                startup.settle(.failure(.cannotListen(host: host, port: port, reason: "the server stopped")))
            } catch {
                startup.settle(.failure(.cannotListen(host: host, port: port, reason: Self.reason(error))))
            }
            finished.signal()
        }
        guard let result = startup.wait(timeout: timeout) else {
            MetricsServerExecutor.run { await group.triggerGracefulShutdown() }
            throw MetricsServerError.cannotListen(host: host, port: port, reason: "not listening after \(Int(timeout)) s")
        }
        return MetricsServer(host: host, boundPort: try result.get(), group: group, finished: finished)
    }

    /// Stops listening, lets a scrape in progress finish, and waits (up to 5 s) until the server
    /// has shut down. Safe to call twice.
    public func stop() {
        let group = self.group
        MetricsServerExecutor.run { await group.triggerGracefulShutdown() }
        if finished.wait(timeout: .now() + 5) == .success { finished.signal() }
    }

    /// The logger used when none is given: warnings and errors only.
    static var quietLogger: Logger {
        var logger = Logger(label: "ratetop.metrics")
        logger.logLevel = .warning
        return logger
    }

    static func makeApplication(host: String, port: Int, exporter: MetricsExporter, admission: AdmissionDesk?, logger: Logger,
                                onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: MetricsExporter.contentType],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: exporter.exposition())))
        }
        if let admission {
            router.get("/v1/admission") { request, _ -> Response in
                var query: [String: String] = [:]
                for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
                let (status, body) = admission.answer(query: query)
                return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: body + "\n")))
            }
        }
        return Application(router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
                           onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    /// The useful part of a NIO bind error ("Address already in use"), not its type dump.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)"
    }

    // MARK: Parsing --metrics-listen

    /// `parse`, and the host must be an address or a name that resolves: what `watch` and
    /// `config check` both run on a listen address before anything binds.
    public static func check(listen: String, defaultPort: Int? = MetricsServer.defaultPort) throws -> (host: String, port: Int) {
        let parsed = try parse(listen: listen, defaultPort: defaultPort)
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(parsed.host, nil, &hints, &result)
        if let result { freeaddrinfo(result) }
        guard status == 0 else {
            throw MetricsServerError.badListenAddress(listen, problem: "the host '\(parsed.host)' does not resolve to an address")
        }
        return parsed
    }

    /// The host used when a listen address gives only a port.
    public static let defaultHost = "127.0.0.1"

    /// The port used when a `--metrics-listen` address gives only a host. Outside 9100–9999
    /// (Prometheus's exporter range, fully allocated since 2023) and away from 9464 (the
    /// OpenTelemetry Prometheus exporter's default, which Claude Code uses), Kubernetes's
    /// 10248–10259 and the ephemeral range; "429" for the status ratetop is about.
    public static let defaultPort = 10429

    /// Parses `HOST:PORT`, `:PORT`, `PORT`, `[IPv6]:PORT`, or a host alone (`HOST`, `[IPv6]`) on
    /// `defaultPort`; the host defaults to 127.0.0.1. With `defaultPort` nil a port is required
    /// (`record --listen`).
    public static func parse(listen: String, defaultPort: Int? = MetricsServer.defaultPort) throws -> (host: String, port: Int) {
        func bad(_ problem: String) -> MetricsServerError { .badListenAddress(listen, problem: problem) }
        let text = listen.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw bad("it is empty") }
        guard !text.contains("://") else { throw bad("give HOST:PORT, not a URL") }
        let host: String
        let portText: String
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad("the IPv6 address has no closing ']'") }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard !host.isEmpty else { throw bad("the IPv6 address between '[' and ']' is empty") }
            if rest.isEmpty, let defaultPort {
                portText = String(defaultPort)
            } else {
                guard rest.hasPrefix(":") else { throw bad("the port is missing after ']'") }
                portText = String(rest.dropFirst())
            }
        } else if let colon = text.lastIndex(of: ":") {
            let hostPart = text[..<colon]
            guard !hostPart.contains(":") else { throw bad("an IPv6 address needs brackets, e.g. [::1]:10429") }
            host = hostPart.isEmpty ? defaultHost : String(hostPart)
            portText = String(text[text.index(after: colon)...])
        } else if text.allSatisfy(\.isASCIIDigit) {
            host = defaultHost
            portText = text
        } else if let defaultPort {
            host = text
            portText = String(defaultPort)
        } else {
            throw bad("the port is missing")
        }
        guard !portText.isEmpty else { throw bad("the port is missing") }
        guard portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText), port <= 65535 else {
            throw bad("the port '\(portText)' is not a number from 0 to 65535")
        }
        guard !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { throw bad("the host '\(host)' is not a host name or address") }
        return (host, port)
    }
}

/// Why the metrics endpoint could not start: one line each, for the exit-2 / exit-1 message.
public enum MetricsServerError: Error, Equatable, CustomStringConvertible {
    case badListenAddress(String, problem: String)
    case cannotListen(host: String, port: Int, reason: String)

    /// A bad address as `'VALUE': problem (expected …)`, without the flag: for a config file's
    /// problem line or an environment variable's message.
    public var detail: String {
        switch self {
        case let .badListenAddress(value, problem): "'\(value)': \(problem) (expected HOST:PORT, :PORT, PORT or HOST)"
        case .cannotListen: description
        }
    }

    public var description: String {
        switch self {
        case let .badListenAddress(value, problem):
            "--metrics-listen '\(value)': \(problem) (expected HOST:PORT, :PORT, PORT or HOST)"
        case let .cannotListen(host, port, reason):
            "--metrics-listen: cannot listen on \(host.contains(":") ? "[\(host)]" : host):\(port): \(reason)"
        }
    }
}

/// The first outcome of starting the server (bound port or error), handed from the server's
/// task to the thread waiting in `start`.
private final class StartupResult: @unchecked Sendable {
    private let lock = NSLock()
    private let settled = DispatchSemaphore(value: 0)
    private var result: Result<Int, MetricsServerError>?

    func settle(_ outcome: Result<Int, MetricsServerError>) {
        lock.lock()
        defer { lock.unlock() }
        guard result == nil else { return }
        result = outcome
        settled.signal()
    }

    func wait(timeout: Double) -> Result<Int, MetricsServerError>? {
        guard settled.wait(timeout: .now() + timeout) == .success else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return result
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// `ratetop record`: a reverse proxy in front of the Anthropic API that forwards everything
/// unchanged and appends one `exchange` line per Messages API call to the log.
///
/// ```swift
/// let log = try ExchangeLogWriter(path: "proxy.jsonl")
/// let proxy = try await RecordProxy.start(host: "127.0.0.1", port: 8787,
///                                         upstream: UpstreamURL("https://api.anthropic.com"), log: log)
/// // apps: ANTHROPIC_BASE_URL=http://127.0.0.1:8787
/// await proxy.stop()   // stops accepting, lets calls in flight finish (bounded), closes the client
/// ```
/// The listener is Hummingbird 2 on SwiftNIO; the upstream client is AsyncHTTPClient (TLS via
/// NIOSSL, HTTP/2 when the upstream offers it) with its own connection pool.
public final class RecordProxy: Sendable {
    public let host: String
    /// The port the socket is bound to (the real one when 0 was asked for).
    public let boundPort: Int
    private let group: ServiceGroup
    private let running: Task<Void, Never>
    private let client: HTTPClient

    /// Tunables; the defaults suit the real API (non-streaming calls can take minutes).
    public struct Options: Sendable {
        /// How long the upstream may take to send the response head.
        public var headTimeout: Double = 600
        /// The longest silence allowed between two reads of an upstream response.
        public var readTimeout: Double = 600
        public var connectTimeout: Double = 10
        /// On `stop`, how long calls in flight may take to finish before they are cut.
        public var shutdownGrace: Double = 8
        /// The longest a client connection may stay silent while the proxy waits for it: before
        /// its request head is complete, in the middle of its request body, or between two
        /// requests on a kept-alive connection. The connection is then closed (a request whose
        /// body stalled is cut, its upstream call cancelled). Never while a response is being
        /// waited for or sent: a non-streaming call may take minutes. 60 s like nginx's
        /// `client_body_timeout`; SDK connection pools drop idle connections sooner.
        public var clientIdleTimeout: Double = 60
        public init() {}
    }

    private init(host: String, boundPort: Int, group: ServiceGroup, running: Task<Void, Never>, client: HTTPClient) {
        self.host = host
        self.boundPort = boundPort
        self.group = group
        self.running = running
        self.client = client
    }

    /// Starts listening on `host:port` (0: any free port; see `boundPort`) and returns once the
    /// socket is bound. Throws `RecordProxyError.cannotListen` when it cannot.
    public static func start(host: String, port: Int, upstream: UpstreamURL, log: ExchangeLogWriter,
                             logger: Logger = Logger(label: "ratetop.record"), options: Options = Options()) async throws -> RecordProxy {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        // The client's own retries would hide an unreachable upstream for the whole deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        // Every client stream needs its own upstream connection over HTTP/1.1 (the default of 8
        // per host would queue streams behind each other).
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        configuration.timeout = .init(connect: .milliseconds(Int64(options.connectTimeout * 1000)),
                                      read: .milliseconds(Int64(options.readTimeout * 1000)))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)

        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let responder = ProxyResponder(client: client, upstream: upstream, log: log, logger: logger,
                                       headTimeout: .milliseconds(Int64(options.headTimeout * 1000)))
        // The bound port, or why there is none: the first value the server's task reports.
        let (startup, report) = AsyncStream.makeStream(of: Result<Int, RecordProxyError>.self)
        let idle = TimeAmount.milliseconds(Int64(options.clientIdleTimeout * 1000))
        let application = Application(
            responder: responder,
            // (HummingbirdCore's HTTP1Channel.Configuration, named by its context.)
            server: .http1(configuration: .init(idleTimeout: idle)),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil, backlog: 1024),
            onServerRunning: { channel in report.yield(.success(channel.localAddress?.port ?? port)) },
            logger: quiet)
        // No signal handling here: the command owns SIGINT/SIGTERM/SIGHUP and calls `stop`.
        var groupConfiguration = ServiceGroupConfiguration(services: [application], logger: quiet)
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int64(options.shutdownGrace * 1000))
        let group = ServiceGroup(configuration: groupConfiguration)
        let running = Task.detached {
            do {
                try await group.run()
                report.yield(.failure(.cannotListen(host: host, port: port, reason: "the server stopped")))
            } catch {
                report.yield(.failure(.cannotListen(host: host, port: port, reason: reason(error))))
            }
            report.finish()
        }
        var reports = startup.makeAsyncIterator()
        do {
            let bound = try await reports.next()?.get() ?? -1
            return RecordProxy(host: host, boundPort: bound, group: group, running: running, client: client)
        } catch {
            await group.triggerGracefulShutdown()
            await running.value
            try? await client.shutdown()
            throw error
        }
    }

    /// Runs the proxy on `threads` event loops (SwiftNIO's shared group) and makes them Swift
    /// Concurrency's global executor, so the proxy's tasks run on the threads doing its I/O
    /// instead of hopping to the cooperative pool and back for every request and chunk. With one
    /// loop (the default of `ratetop record`) a call never changes threads at all; that costs
    /// about a quarter less CPU per stream than two loops and keeps first bytes steadier
    /// (scripts/bench-record.sh), and one core carries over a thousand calls a second, several
    /// times what the largest published tier allows. Call once, from the main thread, before
    /// anything uses SwiftNIO or starts a task, and only in a process whose tasks never block (a
    /// blocked loop stalls every connection on it). Returns whether the executor was installed.
    @discardableResult
    public static func runTasksOnEventLoops(threads: Int) -> Bool {
        NIOSingletons.groupLoopCountSuggestion = max(1, threads)
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Stops accepting connections, lets calls in flight finish (up to `shutdownGrace`), then
    /// closes the upstream client. Safe to call twice.
    public func stop() async {
        await group.triggerGracefulShutdown()
        await running.value
        try? await client.shutdown()
    }

    /// The useful part of a NIO bind error ("address already in use"), not its type dump.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return "\(error)"
    }
}

/// Why the proxy could not start: one line for the exit message.
public enum RecordProxyError: Error, Equatable, CustomStringConvertible {
    case cannotListen(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case let .cannotListen(host, port, reason):
            "--listen: cannot listen on \(host.contains(":") ? "[\(host)]" : host):\(port): \(reason)"
        }
    }
}

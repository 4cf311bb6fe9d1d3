import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A Prometheus `/metrics` endpoint for tests (Hummingbird on 127.0.0.1): a stand-in for a
/// LiteLLM proxy or another ratetop. It serves whatever text it is given, or an HTTP error while
/// failing, and counts the answers it composed. It can be stopped (connection refused) and started
/// again on the same port with the same `Shared` state (the proxy's host coming back).
///
/// An answer is counted under the same lock that picks its body, so once `answers >= n` the first
/// n scrapes have their text: tests rely on that to know which answer was a counter's baseline.
///
/// It can also misbehave the way a hostile or broken endpoint does (`deliver`): a body that
/// never ends, one that drips a few bytes at a time, a gigantic one streamed without being held
/// in memory.
public final class FakeMetricsEndpoint: Sendable {
    /// How the text is sent.
    public enum Delivery: Sendable, Equatable {
        /// All at once (the default).
        case whole
        /// The text, then `filler` every `interval`, forever: a body that never ends (until the
        /// client goes away).
        case endless(filler: String, interval: Duration)
        /// The text `bytes` bytes at a time, `interval` apart.
        case drip(bytes: Int, interval: Duration)
        /// The text, then `filler` repeated until `totalBytes` bytes were sent, as fast as the
        /// client reads (a gigantic body; one chunk in memory at a time).
        case padded(filler: String, totalBytes: Int)
    }

    struct State {
        var body = ""
        var failStatus: Int?
        var answers = 0
        var delivery = Delivery.whole
    }

    /// What outlives a stop: the text, the failure mode, the count.
    public final class Shared: Sendable {
        let state = Mutex(State())
        public init() {}
    }

    public let shared: Shared
    public let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, Never>

    /// Starts on `port` (0: any free one), serving from `shared`.
    public init(port: Int = 0, shared: Shared = Shared()) async throws {
        self.shared = shared
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            let (failStatus, body, delivery) = shared.state.withLock { state -> (Int?, String, Delivery) in
                state.answers += 1
                return (state.failStatus, state.body, state.delivery)
            }
            if let failStatus {
                return Response(status: HTTPResponse.Status(code: failStatus),
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "upstream error\n")))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: Self.body(body, delivery))
        }
        var logger = Logger(label: "fake-metrics")
        logger.logLevel = .critical
        let (ports, report) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                                      onServerRunning: { report.yield($0.localAddress?.port ?? -1) }, logger: logger)
        // A service group, as FakeAnthropicAPI does: its graceful shutdown closes the listening
        // socket at once, and a connection the scraper keeps alive is cut after a second.
        var configuration = ServiceGroupConfiguration(services: [application], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(1)
        let group = ServiceGroup(configuration: configuration)
        self.group = group
        running = Task.detached {
            try? await group.run()
            report.yield(-1)
            report.finish()
        }
        var iterator = ports.makeAsyncIterator()
        let bound = await iterator.next() ?? -1
        guard bound > 0 else { throw FakeUpstreamError(description: "the fake /metrics endpoint could not listen on 127.0.0.1:\(port)") }
        self.port = bound
    }

    public var url: String { "http://127.0.0.1:\(port)/metrics" }
    public var answers: Int { shared.state.withLock { $0.answers } }

    public func serve(_ text: String) { shared.state.withLock { $0.body = text } }

    /// How the next answers are sent (`.whole` again to behave).
    public func deliver(_ delivery: Delivery) { shared.state.withLock { $0.delivery = delivery } }

    static func body(_ text: String, _ delivery: Delivery) -> ResponseBody {
        switch delivery {
        case .whole:
            return ResponseBody(byteBuffer: ByteBuffer(string: text))
        case let .endless(filler, interval):
            return ResponseBody { writer in
                try await writer.write(ByteBuffer(string: text))
                let chunk = ByteBuffer(string: filler)
                // Until the client closes the connection (the write throws) or the server stops.
                while !Task.isCancelled {
                    try await FakeAnthropicAPI.pause(interval)
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            }
        case let .drip(bytes, interval):
            return ResponseBody { writer in
                let all = Array(text.utf8)
                var start = 0
                while start < all.count, !Task.isCancelled {
                    let end = min(all.count, start + max(1, bytes))
                    try await writer.write(ByteBuffer(bytes: all[start..<end]))
                    start = end
                    if start < all.count { try await FakeAnthropicAPI.pause(interval) }
                }
                try await writer.finish(nil)
            }
        case let .padded(filler, totalBytes):
            return ResponseBody { writer in
                let head = ByteBuffer(string: text)
                try await writer.write(head)
                var sent = head.readableBytes
                // About 64 KiB of whole filler lines per write.
                let piece = String(repeating: filler, count: max(1, (64 << 10) / max(1, filler.utf8.count)))
                let chunk = ByteBuffer(string: piece)
                while sent < totalBytes, !Task.isCancelled {
                    try await writer.write(chunk)
                    sent += chunk.readableBytes
                }
                try await writer.finish(nil)
            }
        }
    }

    /// Answers every scrape with `status` (nil: the text again).
    public func fail(with status: Int?) { shared.state.withLock { $0.failStatus = status } }

    /// Stops listening: scrapes are refused until a fixture is started on the port again.
    public func stop() async {
        await group.triggerGracefulShutdown()
        await running.value
    }
}

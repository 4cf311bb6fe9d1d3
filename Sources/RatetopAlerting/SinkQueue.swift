import Logging
import RatetopCore
import Synchronization

/// A bounded queue in front of one sink, drained by its own task: a failed delivery is retried
/// with exponential backoff (one log line per failure) before the next message goes, so a sink
/// that is down never blocks the engine and loses nothing unless the queue overflows — then the
/// oldest messages are dropped and counted.
public final class SinkQueue: Sendable {
    public struct Policy: Sendable {
        public var capacity: Int
        public var firstBackoff: Double
        public var maximumBackoff: Double

        public init(capacity: Int = 1_000, firstBackoff: Double = 1, maximumBackoff: Double = 60) {
            self.capacity = capacity
            self.firstBackoff = firstBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    fileprivate struct Item {
        var id: Int
        var notifications: [AlertNotification]
    }

    fileprivate struct State {
        var items: [Item] = []
        var nextID = 0
        var delivering: Int?
        var dropped = 0
        var rejected = 0
        var delivered = 0
        var failures = 0
        var closed = false
    }

    public let sink: any AlertSink
    public let policy: Policy
    private let logger: Logger
    private let storage = Storage()
    private let wake: AsyncStream<Void>.Continuation
    private let worker: Task<Void, Never>

    public init(sink: any AlertSink, policy: Policy = Policy(), logger: Logger) {
        self.sink = sink
        self.policy = policy
        self.logger = logger
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        let storage = self.storage
        worker = Task.detached(executorPreference: SinkExecutor.shared) {
            for await _ in stream {
                await Self.drain(storage: storage, sink: sink, policy: policy, logger: logger)
            }
        }
    }

    deinit {
        wake.finish()
        worker.cancel()
    }

    /// Adds a message without waiting. When the queue is full the oldest waiting message is
    /// dropped (never the one being delivered) and counted.
    public func enqueue(_ notifications: [AlertNotification]) {
        guard !notifications.isEmpty else { return }
        let droppedNow: Int = storage.state.withLock { state in
            guard !state.closed else { return 0 }
            var dropped = 0
            while state.items.count >= policy.capacity {
                let index = state.items.first?.id == state.delivering ? 1 : 0
                guard index < state.items.count else { break }
                state.items.remove(at: index)
                dropped += 1
            }
            state.dropped += dropped
            state.items.append(Item(id: state.nextID, notifications: notifications))
            state.nextID += 1
            return dropped
        }
        if droppedNow > 0 {
            logger.error("\(sink.displayName): queue full (\(policy.capacity) messages); dropped \(droppedNow) oldest, \(dropped) in all")
        }
        wake.yield()
    }

    /// Messages waiting or being delivered.
    public var pending: Int { storage.state.withLock { $0.items.count } }
    /// Messages dropped because the queue was full.
    public var dropped: Int { storage.state.withLock { $0.dropped } }
    /// Messages the sink rejected as malformed (not retried).
    public var rejected: Int { storage.state.withLock { $0.rejected } }
    /// Messages delivered.
    public var delivered: Int { storage.state.withLock { $0.delivered } }

    /// Waits until every message is delivered or `timeout` seconds pass; returns the number
    /// still pending.
    public func flush(timeout: Double) async -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while pending > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return pending
    }

    /// Stops taking messages and stops the worker (after `flush`, on exit).
    public func close() {
        storage.state.withLock { $0.closed = true }
        wake.finish()
        worker.cancel()
    }

    private static func drain(storage: Storage, sink: any AlertSink, policy: Policy, logger: Logger) async {
        while !Task.isCancelled {
            guard let item = storage.state.withLock({ state -> Item? in
                state.delivering = state.items.first?.id
                return state.items.first
            }) else { return }
            do {
                try await sink.deliver(item.notifications)
                let recovered: Int = storage.state.withLock { state in
                    state.items.removeAll { $0.id == item.id }
                    state.delivering = nil
                    state.delivered += 1
                    defer { state.failures = 0 }
                    return state.failures
                }
                if recovered > 0 { logger.notice("\(sink.displayName): delivered again after \(recovered) failed attempts") }
            } catch let error {
                if error.permanent {
                    storage.state.withLock { state in
                        state.items.removeAll { $0.id == item.id }
                        state.delivering = nil
                        state.rejected += 1
                    }
                    logger.error("\(sink.displayName): \(error.description); message rejected, not retried")
                    continue
                }
                let (failures, waiting) = storage.state.withLock { state in
                    state.failures += 1
                    state.delivering = nil
                    return (state.failures, state.items.count)
                }
                let backoff = min(policy.maximumBackoff, policy.firstBackoff * Double(1 << min(failures - 1, 20)))
                logger.warning("\(sink.displayName): \(error.description); retry \(failures) in \(formatSeconds(backoff)) (\(waiting) waiting)")
                try? await Task.sleep(for: .milliseconds(Int64(backoff * 1000)))
            }
        }
    }
}

/// The queue's state, shared with its worker task.
private final class Storage: Sendable {
    let state = Mutex(SinkQueue.State())
}

/// `50 ms`, `0.3 s`, `4 s`: a duration for a log line.
func formatSeconds(_ seconds: Double) -> String {
    if seconds < 0.1 { return "\(Int((seconds * 1000).rounded())) ms" }
    return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\((seconds * 10).rounded() / 10) s"
}

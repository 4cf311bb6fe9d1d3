import Dispatch
import Logging
import RatetopCore
import Synchronization

/// Fans the engine's alert transitions out to every sink, each behind its own `SinkQueue`, and
/// re-sends the alerts still firing to Alertmanager on its cadence. `publish` never waits: the
/// engine's loop goes on whatever the sinks do.
public final class AlertDispatcher: Sendable {
    /// Seconds between re-sends of firing alerts to Alertmanager (Prometheus' `resend_delay`).
    public static let defaultResendInterval = 60.0

    public let queues: [SinkQueue]
    public let resendInterval: Double

    private struct State {
        var book: AlertBook
        /// The firing alerts, by fingerprint, for re-sending.
        var firing: [String: AlertNotification] = [:]
        var lastSend = -Double.infinity
    }

    private let state: Mutex<State>

    public init(sinks: [any AlertSink], instance: String?, policy: SinkQueue.Policy = SinkQueue.Policy(),
                resendInterval: Double = AlertDispatcher.defaultResendInterval, logger: Logger) {
        queues = sinks.map { SinkQueue(sink: $0, policy: policy, logger: logger) }
        self.resendInterval = resendInterval
        state = Mutex(State(book: AlertBook(instance: instance)))
    }

    /// Hands the transitions of one evaluation to every sink. `wallNow` is the real time, for
    /// the re-send cadence.
    public func publish(_ events: [AlertEvent], wallNow: Double) {
        guard !events.isEmpty else { return }
        let notifications = state.withLock { state in
            events.map { event in
                let notification = state.book.notification(for: event)
                state.firing[notification.fingerprint] = notification.isFiring ? notification : nil
                return notification
            }
        }
        for queue in queues {
            if queue.sink.batchesTransitions {
                queue.enqueue(notifications)
            } else {
                for notification in notifications { queue.enqueue([notification]) }
            }
        }
        state.withLock { $0.lastSend = wallNow }
    }

    /// Re-sends the firing alerts to the sinks that batch (Alertmanager) once per resend
    /// interval, unless they still have something waiting (which refreshes them anyway).
    public func tick(wallNow: Double) {
        let firing: [AlertNotification]? = state.withLock { state in
            guard !state.firing.isEmpty, wallNow - state.lastSend >= resendInterval else { return nil }
            state.lastSend = wallNow
            return state.firing.values.sorted { $0.startsAt < $1.startsAt || ($0.startsAt == $1.startsAt && $0.fingerprint < $1.fingerprint) }
        }
        guard let firing else { return }
        for queue in queues where queue.sink.batchesTransitions && queue.pending == 0 {
            queue.enqueue(firing)
        }
    }

    /// Alerts firing now.
    public var firingCount: Int { state.withLock { $0.firing.count } }
    /// Messages dropped by full queues, over every sink.
    public var dropped: Int { queues.reduce(0) { $0 + $1.dropped } }
    /// Messages waiting, over every sink.
    public var pending: Int { queues.reduce(0) { $0 + $1.pending } }

    /// Waits up to `timeout` seconds (in all, not per sink) for every queue to empty; returns
    /// what is still pending.
    public func flush(timeout: Double) async -> Int {
        let clock = ContinuousClock()
        let start = clock.now
        var left = 0
        for queue in queues {
            let elapsed = start.duration(to: clock.now)
            let spent = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            left += await queue.flush(timeout: max(0, timeout - spent))
        }
        return left
    }

    /// `flush` for a synchronous caller (the exit path of the command-line loop). Must not be
    /// called from inside a Swift concurrency task.
    public func flushAndWait(timeout: Double) -> Int {
        let done = DispatchSemaphore(value: 0)
        let left = Mutex(0)
        Task.detached(executorPreference: SinkExecutor.shared) {
            let pending = await self.flush(timeout: timeout)
            left.withLock { $0 = pending }
            done.signal()
        }
        done.wait()
        return left.withLock { $0 }
    }

    /// Stops every queue's worker, and what a delivery still runs (after `flush`, on exit).
    public func close() {
        for queue in queues {
            queue.close()
            queue.sink.stop()
        }
    }
}

import Foundation

/// Where the metrics server's tasks run: a serial dispatch queue of its own, not Swift's
/// cooperative pool. The pool has one thread per core (two here); a synchronous caller blocked
/// in `MetricsServer.start`, or busy in its loop, must not be able to starve the server of them.
enum MetricsServerExecutor {
    /// Starts `operation` in a detached task that prefers the server's queue (child tasks, and so
    /// Hummingbird's connection handlers, inherit the preference).
    static func run(_ operation: @escaping @Sendable () async -> Void) {
        if #available(macOS 15.0, *) {
            Task.detached(executorPreference: QueueExecutor.shared, operation: operation)
        } else {
            Task.detached(operation: operation)
        }
    }
}

/// A task executor that runs every job on one serial dispatch queue.
@available(macOS 15.0, *)
private final class QueueExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = QueueExecutor()
    private let queue = DispatchQueue(label: "ratetop.metrics-server")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

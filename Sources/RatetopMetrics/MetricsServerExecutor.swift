import Foundation
import RatetopCore
import RatetopExecutors

/// Where the metrics server's tasks run: a serial dispatch queue of its own, not Swift's
/// cooperative pool. The pool has one thread per core (two here); a synchronous caller blocked
/// in `MetricsServer.start`, or busy in its loop, must not be able to starve the server of them.
enum MetricsServerExecutor {
    @available(macOS 15.0, *)
    static let queue = SerialQueueExecutor(label: "ratetop.metrics-server")

    /// Starts `operation` in a detached task that prefers the server's queue (child tasks, and so
    /// Hummingbird's connection handlers, inherit the preference).
    static func run(_ operation: @escaping @Sendable () async -> Void) {
        if #available(macOS 15.0, *) {
            Task.detached(executorPreference: queue, operation: operation)
        } else {
            Task.detached(operation: operation)
        }
    }
}

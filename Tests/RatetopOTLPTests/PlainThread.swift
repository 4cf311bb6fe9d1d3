import Foundation

/// Runs a blocking test body on a thread of its own, the way the headless runner calls
/// `OTLPReceiver` (from its main thread), instead of on one of Swift concurrency's few pool
/// threads: a test that blocks those (polling, waiting for `stop`) can starve the server's
/// shutdown, which Hummingbird runs in an unstructured task on that pool. (As in RatetopMetricsTests.)
func onPlainThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.start()
    }
}

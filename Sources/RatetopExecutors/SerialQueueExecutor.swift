import Dispatch

/// A task executor that runs every job on one serial dispatch queue of its own, off Swift's
/// cooperative pool (one thread per core: two here). The metrics server, the alert sinks and the
/// scraped sources prefer one each, so a synchronous caller that blocks or busies the pool can
/// never starve them (found the hard way: see docs/DECISIONS.md, 2026-11-30).
@available(macOS 15.0, *)
public final class SerialQueueExecutor: TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

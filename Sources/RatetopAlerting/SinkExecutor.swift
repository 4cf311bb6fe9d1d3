import Dispatch

/// Where the sink queues' workers run: a serial dispatch queue of their own rather than the
/// shared cooperative pool, so deliveries and their backoff timers keep going even while every
/// pool thread is busy with blocking work (a synchronous caller, a loaded test run).
final class SinkExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = SinkExecutor()

    private let queue = DispatchQueue(label: "ratetop.sinks")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

import Dispatch

/// Where scrape loops run: a serial dispatch queue of their own rather than Swift's cooperative
/// pool (two threads on a 2-core machine), so a blocked caller never stalls a scrape and a
/// scrape never stalls the caller (the lesson of the metrics server and the alert sinks).
final class ScrapeExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = ScrapeExecutor()

    private let queue = DispatchQueue(label: "ratetop.scrape")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

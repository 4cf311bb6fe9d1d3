import RatetopExecutors

/// Where the sink queues' workers run: a serial queue of their own rather than the shared
/// cooperative pool, so deliveries and their backoff timers keep going even while every pool
/// thread is busy with blocking work (a synchronous caller, a loaded test run).
enum SinkExecutor {
    static let shared = SerialQueueExecutor(label: "ratetop.sinks")
}

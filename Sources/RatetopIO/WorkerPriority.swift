import CThreadPriority

/// Decode workers run a little below the thread that drives the Monitor.
///
/// A replay on two cores runs three busy threads: the consumer (merge, engine, alerts) and two
/// decode workers. At equal priority each gets two thirds of a core, so the consumer — the one
/// thread everything else waits for — runs a third slower than it could, while the workers,
/// which are ahead, fill their queue and sleep. A few steps of nice (a weight of about a third)
/// give the consumer its core whenever it is runnable; the workers still have the other core
/// and every idle moment of the first. Measured on the 1M-line dense log, 2 cores: 0.94–1.05 s
/// at equal priority, 0.73–0.80 s with the workers at nice +5 or +10 (docs/DECISIONS.md).
public enum WorkerPriority {
    /// Nice steps a worker runs below the process.
    public static let steps: Int32 = 5

    /// Lowers the calling thread's priority (ignored where the system refuses: it is an
    /// optimisation, not a requirement).
    public static func lowerCurrentThread() {
        _ = ratetop_lower_thread_priority(steps)
    }
}

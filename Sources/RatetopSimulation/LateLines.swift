/// The late-lines shape: one log appended to by several workers, each of which buffers its
/// lines and writes them out a little later. Lines keep their own timestamps (when the response
/// completed), so a line can be stamped a few seconds earlier than lines above it; when a worker
/// stalls (a long GC pause, a blocked disk) its lines come minutes late.
///
/// Wraps any `AttemptSource` (in completion order) and hands out the same attempts, all of them,
/// in the order the workers' flushes put them in the file. A call and its retries stay on one
/// worker, whose own lines stay in order.
public struct LateLines<Base: AttemptSource>: AttemptSource {
    public let workers: Int
    /// Seconds from a worker's first buffered line to its flush, uniform in this range.
    public let flushDelay: ClosedRange<Double>
    /// The chance that a flush stalls, and for how long (seconds, uniform).
    public let stallChance: Double
    public let stallDelay: ClosedRange<Double>

    private var base: Base
    private var baseDone = false
    private var rng: SplitMix64
    private var buffers: [[SimulatedAttempt]]
    private var deadlines: [Double]
    private var output: [SimulatedAttempt] = []
    private var outputHead = 0

    public init(base: Base, workers: Int = 8, flushDelay: ClosedRange<Double> = 0.2...4, stallChance: Double = 0.002,
                stallDelay: ClosedRange<Double> = 30...240, seed: UInt64) {
        precondition(workers > 0, "at least one worker")
        self.base = base
        self.workers = workers
        self.flushDelay = flushDelay
        self.stallChance = stallChance
        self.stallDelay = stallDelay
        rng = SplitMix64(seed: seed ^ 0x1A7E_11E5_0000_0001)
        buffers = Array(repeating: [], count: workers)
        deadlines = Array(repeating: .infinity, count: workers)
    }

    public mutating func nextAttempt() -> SimulatedAttempt? {
        while outputHead == output.count {
            output.removeAll(keepingCapacity: true)
            outputHead = 0
            if baseDone { return nil }
            guard let attempt = base.nextAttempt() else {
                baseDone = true
                flush(until: .infinity)
                continue
            }
            flush(until: attempt.end)
            let worker = Int((UInt64(truncatingIfNeeded: attempt.callID) &* 0x9E37_79B9_7F4A_7C15) >> 32) % workers
            if buffers[worker].isEmpty {
                var delay = rng.uniform(flushDelay.lowerBound, flushDelay.upperBound)
                if rng.chance(stallChance) { delay += rng.uniform(stallDelay.lowerBound, stallDelay.upperBound) }
                deadlines[worker] = attempt.end + delay
            }
            buffers[worker].append(attempt)
        }
        let attempt = output[outputHead]
        outputHead += 1
        return attempt
    }

    /// Moves the buffers of every worker due by `time` to the output, earliest flush first.
    private mutating func flush(until time: Double) {
        while true {
            var due = -1
            for worker in 0..<workers where !buffers[worker].isEmpty && deadlines[worker] <= time
                && (due < 0 || deadlines[worker] < deadlines[due]) {
                due = worker
            }
            guard due >= 0 else { return }
            output.append(contentsOf: buffers[due])
            buffers[due].removeAll(keepingCapacity: true)
            deadlines[due] = .infinity
        }
    }
}

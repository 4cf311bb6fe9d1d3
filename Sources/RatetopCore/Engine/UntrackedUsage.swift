/// Usage the server reported that the logs do not explain — another consumer on the same
/// organization — with in-flight requests told apart.
///
/// A header's `-remaining` also counts requests of our own logs that were still running when
/// it was sent; they complete (and are logged) later. So a gap is held for `settleDelay`
/// seconds, and the costs of requests that turn out to have started before it (skipped by the
/// estimator as already counted) are taken off it. What is left when the delay has passed is
/// untracked usage.
struct UntrackedUsage: Sendable {
    /// Longer than nearly every response takes.
    static let settleDelay = 60.0
    /// Gaps per whole second of observation time, oldest first: at most a minute's worth.
    private var pending: [(time: Double, amount: PerDimension<Double>)] = []
    /// The sum of `pending`, per dimension.
    private var total = PerDimension<Double>(repeating: 0)

    /// A gap observed at `time`.
    mutating func add(_ gap: PerDimension<Double>, at time: Double) {
        guard gap.requests > 0 || gap.inputTokens > 0 || gap.outputTokens > 0 else { return }
        for dimension in Dimension.allCases { total[dimension] += gap[dimension] }
        let second = time.rounded(.down)
        if let last = pending.last, last.time >= second {
            for dimension in Dimension.allCases { pending[pending.count - 1].amount[dimension] += gap[dimension] }
        } else {
            pending.append((second, gap))
        }
    }

    /// Costs of a request started at `start` that an observation had already counted: they
    /// explain the gaps observed after `start`, oldest first.
    mutating func explain(_ costs: PerDimension<Double>, since start: Double) {
        guard costs.requests > 0 && total.requests > 0 || costs.inputTokens > 0 && total.inputTokens > 0
                || costs.outputTokens > 0 && total.outputTokens > 0 else { return }
        // The first second of gaps at or after `start`'s second (the list is in time order).
        let start = start.rounded(.down)
        var low = 0, high = pending.count
        while low < high {
            let middle = (low + high) / 2
            if pending[middle].time < start { low = middle + 1 } else { high = middle }
        }
        // One pass over the gaps for all three dimensions, until the costs are used up.
        var left = PerDimension(requests: total.requests > 0 ? costs.requests : 0,
                                inputTokens: total.inputTokens > 0 ? costs.inputTokens : 0,
                                outputTokens: total.outputTokens > 0 ? costs.outputTokens : 0)
        var index = low
        while index < pending.count, left.requests > 0 || left.inputTokens > 0 || left.outputTokens > 0 {
            var amount = pending[index].amount
            let requests = min(left.requests, amount.requests)
            let input = min(left.inputTokens, amount.inputTokens)
            let output = min(left.outputTokens, amount.outputTokens)
            amount.requests -= requests
            amount.inputTokens -= input
            amount.outputTokens -= output
            pending[index].amount = amount
            left.requests -= requests
            left.inputTokens -= input
            left.outputTokens -= output
            total.requests -= requests
            total.inputTokens -= input
            total.outputTokens -= output
            index += 1
        }
        // Gaps fully explained are dropped, so the list holds only what is still unexplained.
        var write = low
        for read in low..<index {
            let amount = pending[read].amount
            if amount.requests > 0 || amount.inputTokens > 0 || amount.outputTokens > 0 {
                pending[write] = pending[read]
                write += 1
            }
        }
        if write < index { pending.removeSubrange(write..<index) }
    }

    /// The gaps observed before `time`, no longer pending.
    mutating func settle(before time: Double) -> PerDimension<Double> {
        var settled = PerDimension<Double>(repeating: 0)
        while let first = pending.first, first.time < time {
            for dimension in Dimension.allCases {
                settled[dimension] += first.amount[dimension]
                total[dimension] -= first.amount[dimension]
            }
            pending.removeFirst()
        }
        if pending.isEmpty { total = PerDimension(repeating: 0) }
        return settled
    }
}

/// What a bucket's alert metrics do between events, so that the scheduled evaluation can skip
/// the seconds in which nothing can change (`Monitor`).
///
/// Between two events every metric is one of three kinds (`AlertMetric.Motion`): constant;
/// stepwise (it changes only when a second leaves a rolling window or a minute moves through
/// the half-hour trend: `nextJump` says when); or continuous and monotone between its jumps
/// (a bucket refilling, seconds since something): `value` gives its exact value at any second,
/// computed by the same expressions as the state.
protocol BucketFuture {
    /// A continuous metric's value at `time`, exactly as the state at `time` would give it,
    /// valid until the metric's next jump.
    func value(_ metric: AlertMetric, _ dimension: Dimension?, at time: Double) -> Double?
    /// The first whole second after `time` at which the metric may jump; nil when it cannot
    /// without new events.
    func nextJump(_ metric: AlertMetric, after time: Double) -> Double?
}

extension AlertMetric {
    /// How a metric moves between events.
    enum Motion {
        /// Changes only with events (the spend cap).
        case constant
        /// Piecewise constant: jumps when a second leaves a window or a minute moves through the trend.
        case stepwise
        /// Moves monotonically between jumps (a refilling bucket, time since something).
        case continuous
    }

    /// True when an applied event that made `change` can move this metric (now or later):
    /// the scheduled path re-reads the other rules only when they are due. Every applied event
    /// moves the levels and the windows' usage; the rest move only with what they read.
    func isMoved(by change: BucketChange) -> Bool {
        switch self {
        case .headroom, .secondsToEmpty, .rate429, .rate529, .cacheHitRatio: !change.isEmpty
        case .throttledPerMinute: change.contains(.throttles)
        case .limitPressure: !change.isDisjoint(with: [.trend, .limits])
        case .secondsSinceLimitChange: change.contains(.limitChange)
        case .spendCapped: change.contains(.spend)
        case .secondsSinceLastLine: false
        }
    }

    /// True when the metric never falls between events (or becomes unknown): a bucket refills,
    /// the last minute's rate only loses seconds (so the time to empty grows), time since
    /// something grows.
    var risesBetweenEvents: Bool {
        switch self {
        case .headroom, .secondsToEmpty, .secondsSinceLimitChange, .secondsSinceLastLine: true
        case .rate429, .throttledPerMinute, .rate529, .cacheHitRatio, .limitPressure, .spendCapped: false
        }
    }

    var motion: Motion {
        switch self {
        case .spendCapped: .constant
        case .rate429, .rate529, .throttledPerMinute, .cacheHitRatio, .limitPressure: .stepwise
        case .headroom, .secondsToEmpty, .secondsSinceLimitChange, .secondsSinceLastLine: .continuous
        }
    }
}

/// The scheduled path: the `Monitor` steps a tracker only at the whole seconds where it can
/// change, and the transitions are the ones the stepped path (`evaluate`, one state every
/// second) gives. Between events a tracker can change only when its hold completes, when a
/// metric jumps, or when a continuous metric crosses the threshold that moves it — and
/// because such a metric is monotone between jumps, it crosses at most once there, so the
/// second can be found by bisection on exact values.
extension AlertEvaluator {
    /// How far ahead a continuous metric is searched for a crossing (about 31 years); past it
    /// the tracker is looked at again.
    static let horizon = 1e9

    /// Steps the trackers of bucket `position` at the whole second `time` — those whose metric
    /// the bucket's events since the last evaluation can have moved (`changed`), and those due
    /// then — in the stepped path's order,
    /// appending the transitions; reschedules them and returns the bucket's next due second.
    /// The rules read `bucket`'s numbers; `state` gives the whole state at `time`, asked for only
    /// to word a transition.
    mutating func stepBucket(_ position: Int, reading bucket: BucketReading, at time: Double, changed: BucketChange,
                             future: some BucketFuture, state: () -> BucketState,
                             into events: inout [AlertEvent]) -> Double {
        var next = Double.infinity
        let moved = Self.movedMetrics[Int(changed.rawValue)]
        for entry in bucketSlots {
            let slot = bucketSlot(position, entry.slot)
            guard moved & (1 << entry.metricIndex) != 0 || bucketDue[slot] <= time else {
                next = min(next, bucketDue[slot])
                continue
            }
            let metric = Self.metricList[entry.metricIndex]
            let value = metric.value(reading: bucket, dimension: entry.dimension, at: time)
            let fires = value.map { entry.hysteresis.isFiring($0) } ?? false
            // A tracker at rest whose metric only rises until the next event cannot meet a
            // `below` fire condition it does not meet now: no crossing to search, no jump to find.
            var due: Double
            if trackers[slot].isAtRest, !fires {
                // A step would change nothing (the usual case).
                due = entry.risesBelow ? .infinity
                    : Self.nextChange(AlertTracker.Phase(firing: false, holdCompletes: nil), entry.hysteresis, metric: metric,
                                      dimension: entry.dimension, value: value, bucket: bucket, at: time, future: future)
            } else if let transition = trackers[slot].step(entry.hysteresis, value: value, at: time) {
                events.append(event(rules[entry.rule], transition, at: time, value: value, dimension: entry.dimension,
                                    subject: .bucket(state())))
                // The condition that moves it now was not read at this step: read it at the next.
                due = time + 1
            } else {
                let phase = trackers[slot].phase(entry.hysteresis)
                due = entry.risesBelow && !fires && !phase.firing && phase.holdCompletes == nil ? .infinity
                    : Self.nextChange(phase, entry.hysteresis, metric: metric, dimension: entry.dimension,
                                      value: value, bucket: bucket, at: time, future: future)
            }
            bucketDue[slot] = due
            next = min(next, due)
        }
        bucketNextDue[position] = next
        return next
    }

    /// The earliest due second of a bucket's trackers.
    func nextDue(bucket position: Int) -> Double {
        bucketNextDue[position]
    }

    /// Steps the source rules of source `position` at `time` (all of them when `all`: it gave a
    /// line, else those due), appending transitions; returns the source's next due second.
    mutating func stepSource(_ position: Int, _ source: SourceActivity, at time: Double, all: Bool,
                             into events: inout [AlertEvent]) -> Double {
        var next = Double.infinity
        for index in sourceRules {
            guard all || sourceDue[position][index] <= time else {
                next = min(next, sourceDue[position][index])
                continue
            }
            let rulePlan = plan[index]
            let metric = Self.metricList[rulePlan.metricIndex]
            let value = metric.value(of: source, at: time)
            let tracker: AlertTracker
            var due: Double
            if let transition = sourceTrackers[position][index].step(rulePlan.hysteresis, value: value, at: time) {
                events.append(event(rules[index], transition, at: time, value: value, dimension: nil, subject: .source(source)))
                tracker = sourceTrackers[position][index]
                due = time + 1
            } else {
                tracker = sourceTrackers[position][index]
                due = tracker.holdCompletes(rulePlan.hysteresis) ?? .infinity
            }
            if source.lastLineAt != nil, due > time + 1 {
                // Seconds since the last line only grow: one crossing at most.
                let moving = tracker.movingCondition(rulePlan.hysteresis, value: value)
                let upper = time + Self.horizon
                if let crossing = Self.firstChange(after: time, through: upper, from: moving, {
                    tracker.movingCondition(rulePlan.hysteresis, value: metric.value(of: source, at: $0))
                }) {
                    due = min(due, crossing)
                } else {
                    due = min(due, upper + 1)
                }
            }
            sourceDue[position][index] = due
            next = min(next, due)
        }
        return next
    }

    /// True when stepping the source's rules at `time` would change nothing: no tracker firing
    /// or holding, and no fire condition met by the source as it is now. (`mutating` though it
    /// changes nothing: called through the Monitor's stored evaluator, a non-mutating call copied
    /// the whole evaluator — every array retained and released — on each line.)
    mutating func sourceAtRest(_ position: Int, _ source: SourceActivity, at time: Double) -> Bool {
        for index in sourceRules {
            let tracker = sourceTrackers[position][index]
            let rulePlan = plan[index]
            guard !tracker.firing, tracker.holdCompletes(rulePlan.hysteresis) == nil,
                  !tracker.movingCondition(rulePlan.hysteresis, value: Self.metricList[rulePlan.metricIndex].value(of: source, at: time))
            else { return false }
        }
        return true
    }

    /// The next second after `time` at which a tracker that just stepped can change with no new
    /// events: its hold completing, its metric jumping, or its metric crossing the threshold
    /// that moves it.
    static func nextChange(_ tracker: AlertTracker.Phase, _ rule: AlertRule.Hysteresis, metric: AlertMetric, dimension: Dimension?,
                           value: Double?, bucket: BucketReading, at time: Double, future: some BucketFuture) -> Double {
        var next = tracker.holdCompletes ?? .infinity
        let moving = tracker.movingCondition(rule, value: value)
        // Values that cannot move without events.
        switch metric {
        case .spendCapped:
            return next
        case .secondsToEmpty where value == nil, .throttledPerMinute where value == 0:
            return next  // not draining stays so; no 429s in the last minute stays so
        case .cacheHitRatio where bucket.uncachedInput5m + bucket.cacheRead5m + bucket.cacheCreation5m < AlertRule.cacheMinimumInput:
            return next  // the 5-minute input only shrinks: the value stays unknown
        case .rate429 where bucket.requests429 == 0, .rate529 where bucket.requests529 == 0:
            // Only 0 (enough attempts) or unknown (too few) can follow.
            if tracker.movingCondition(rule, value: 0) == moving && tracker.movingCondition(rule, value: nil) == moving {
                return next
            }
        default:
            break
        }
        let jump = future.nextJump(metric, after: time)
        if metric.motion == .continuous {
            let upper = (jump ?? time + horizon + 1) - 1
            if upper > time, let crossing = firstChange(after: time, through: upper, from: moving, {
                tracker.movingCondition(rule, value: future.value(metric, dimension, at: $0))
            }) {
                next = min(next, crossing)
            } else if jump == nil {
                next = min(next, upper + 1)
            }
        }
        if let jump { next = min(next, jump) }
        return next
    }

    /// The first whole second in `time + 1 ... upper` at which `condition` differs from `from`,
    /// for a condition that changes at most once there; nil when it does not change. Gallops
    /// out from `time` first: crossings are usually minutes away, not years.
    static func firstChange(after time: Double, through upper: Double, from: Bool, _ condition: (Double) -> Bool) -> Double? {
        guard upper > time, condition(upper) != from else { return nil }
        var low = time + 1
        var high = upper
        var step = 1.0
        while low + step < high {
            if condition(low + step) != from {
                high = low + step
                break
            }
            low += step + 1
            step *= 4
        }
        while low < high {
            let middle = ((low + high) / 2).rounded(.down)
            if condition(middle) != from { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

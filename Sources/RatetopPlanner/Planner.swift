import HeapModule
import RatetopCore
import RatetopSimulation

/// One row of a plan: limits per class and the assumptions to replay the demand with.
public struct PlanScenario: Sendable {
    public var name: String
    /// The tier's id, nil for limits that match no tier.
    public var tierID: String?
    /// Limits per class of the demand (`Demand.classes`); nil: nothing limits the class.
    public var limits: [PerDimension<Int>?]
    /// The scheme's monthly spend cap for the tier, when the table has one.
    public var spendCapUSD: Double?
    public var assumptions: PlanAssumptions
    public var retry: PlanRetryPolicy
    /// The log as it ran: its own limits, nothing assumed.
    public var isBaseline: Bool

    public init(name: String, tierID: String?, limits: [PerDimension<Int>?], spendCapUSD: Double? = nil,
                assumptions: PlanAssumptions = PlanAssumptions(), retry: PlanRetryPolicy = .sdkDefault,
                isBaseline: Bool = false) {
        self.name = name
        self.tierID = tierID
        self.limits = limits
        self.spendCapUSD = spendCapUSD
        self.assumptions = assumptions
        self.retry = retry
        self.isBaseline = isBaseline
    }
}

/// The peak per-minute demand of one class and dimension against a limit.
public struct PlanPeak: Sendable, Equatable {
    public var classID: String
    public var dimension: Dimension
    /// The most the class asked for in one calendar minute (by arrival, batch traffic excluded).
    public var perMinute: Double
    /// The scenario's limit; nil when nothing limits the class.
    public var limit: Int?
    public var share: Double? { limit.map { $0 > 0 ? perMinute / Double($0) : .infinity } }
}

/// What one scenario would have met.
public struct PlanResult: Sendable {
    public var scenario: PlanScenario
    /// Attempts presented to the limiters (retries included; batch calls not).
    public var attempts = 0
    public var throttled = 0
    /// Distinct minutes with at least one throttled attempt.
    public var throttledMinutes = 0
    public var calls = 0
    public var batchCalls = 0
    /// Calls refused on every attempt.
    public var failed = 0
    /// Seconds from a call's first attempt to its admission, over the calls admitted.
    public var waitP50 = 0.0
    public var waitP95 = 0.0
    public var waitMax = 0.0
    /// The class and dimension whose peak minute is largest against its limit, and every one.
    public var binding: PlanPeak?
    public var peaks: [PlanPeak] = []
    /// USD of the calls admitted (batch at the batch discount); models without a price add
    /// nothing and are listed.
    public var costUSD = 0.0
    public var unpricedModels: [String] = []
    /// When the month's spend first passed the tier's cap.
    public var spendCapReachedAt: Double?

    public var throttledShare: Double { attempts > 0 ? Double(throttled) / Double(attempts) : 0 }
}

/// Replays a demand through one `ReferenceLimiter` per class for each scenario.
public enum Planner {
    /// The baseline reproduces the log's 429 share when the two differ by at most this many
    /// points, or this fraction of the log's share, whichever is larger (see DECISIONS).
    public static let toleranceAbsolute = 0.03
    public static let toleranceRelative = 0.15

    public static func reproduces(replayed: Double, observed: Double) -> Bool {
        abs(replayed - observed) <= max(toleranceAbsolute, toleranceRelative * observed)
    }

    /// The demand with a scenario's assumptions applied, ready to replay: per call in order of
    /// arrival its class, counted input, output, duration, whether it goes to batch, its cost.
    public struct Prepared: Sendable {
        public var arrival: [Double] = []
        public var duration: [Double] = []
        public var countedInput: [Int] = []
        public var output: [Int] = []
        public var classIndex: [Int32] = []
        public var isBatch: [Bool] = []
        /// USD; nil when the model has no price.
        public var cost: [Double?] = []
        public var model: [Int32] = []
        /// Per class: peak per-minute requests, counted input and output (batch excluded).
        public var peaks: [PerDimension<Double>] = []
    }

    /// Applies assumptions to a demand. Throws when a selector names nothing in the log.
    public static func prepare(_ demand: Demand, assumptions: PlanAssumptions, table: LimitsTable) throws(PlanError) -> Prepared {
        var batchMatchers: [(DemandCall) -> Bool] = []
        for selector in assumptions.batch {
            guard let matcher = selector.matcher(in: demand) else { throw PlanError.noMatch(option: "--batch", selector: selector, demand: demand) }
            batchMatchers.append(matcher)
        }
        var shiftMatchers: [((DemandCall) -> Bool, Double)] = []
        for shift in assumptions.shifts {
            guard let matcher = shift.selector.matcher(in: demand) else { throw PlanError.noMatch(option: "--shift", selector: shift.selector, demand: demand) }
            shiftMatchers.append((matcher, shift.seconds))
        }
        var calls = demand.calls
        if !shiftMatchers.isEmpty {
            for index in calls.indices {
                for (matches, seconds) in shiftMatchers where matches(calls[index]) { calls[index].arrival += seconds }
            }
            // Stable: calls at the same instant keep their order.
            calls = calls.enumerated().sorted { ($0.element.arrival, $0.offset) < ($1.element.arrival, $1.offset) }.map(\.element)
        }
        var prepared = Prepared()
        let count = calls.count
        prepared.arrival.reserveCapacity(count)
        prepared.duration.reserveCapacity(count)
        prepared.countedInput.reserveCapacity(count)
        prepared.output.reserveCapacity(count)
        prepared.classIndex.reserveCapacity(count)
        prepared.isBatch.reserveCapacity(count)
        prepared.cost.reserveCapacity(count)
        prepared.model.reserveCapacity(count)
        prepared.peaks = Array(repeating: PerDimension(repeating: 0), count: demand.classes.count)
        var minute = Array(repeating: Int.min, count: demand.classes.count)
        var current = Array(repeating: PerDimension<Double>(repeating: 0), count: demand.classes.count)
        var prices = PriceCache(table: table, demand: demand)
        for call in calls {
            let usage = assumptions.cacheHit.map { RatetopPlanner.usage(call.usage, atCacheHitRate: $0) } ?? call.usage
            let planClass = demand.classes[Int(call.classIndex)]
            let batch = call.isBatch || batchMatchers.contains { $0(call) }
            let counted = usage.countedInputTokens(cacheReadsCount: planClass.cacheReadsCount)
            prepared.arrival.append(call.arrival)
            prepared.duration.append(max(0, call.duration))
            prepared.countedInput.append(counted)
            prepared.output.append(usage.outputTokens)
            prepared.classIndex.append(call.classIndex)
            prepared.isBatch.append(batch)
            prepared.model.append(call.model)
            prepared.cost.append(prices.cost(of: usage, model: call.model, fast: planClass.id.hasSuffix("-fast"),
                                             at: call.arrival, batch: batch))
            guard !batch else { continue }
            let c = Int(call.classIndex)
            let m = Int((call.arrival / 60).rounded(.down))
            if m != minute[c] {
                minute[c] = m
                current[c] = PerDimension(repeating: 0)
            }
            current[c].requests += 1
            current[c].inputTokens += Double(counted)
            current[c].outputTokens += Double(usage.outputTokens)
            for dimension in Dimension.allCases where current[c][dimension] > prepared.peaks[c][dimension] {
                prepared.peaks[c][dimension] = current[c][dimension]
            }
        }
        return prepared
    }

    /// Runs every scenario; scenarios with the same assumptions share one preparation.
    public static func run(_ demand: Demand, scenarios: [PlanScenario], table: LimitsTable,
                           rejectLatency: Double? = nil) throws(PlanError) -> [PlanResult] {
        var prepared: [(PlanAssumptions, Prepared)] = []
        var results: [PlanResult] = []
        for scenario in scenarios {
            let ready: Prepared
            if let done = prepared.first(where: { $0.0 == scenario.assumptions }) {
                ready = done.1
            } else {
                ready = try prepare(demand, assumptions: scenario.assumptions, table: table)
                prepared.append((scenario.assumptions, ready))
            }
            results.append(replay(ready, demand: demand, scenario: scenario,
                                  rejectLatency: rejectLatency ?? demand.observed.rejectLatency))
        }
        return results
    }

    private struct Retry: Comparable {
        var time: Double
        var call: Int
        var attempt: Int

        static func < (a: Retry, b: Retry) -> Bool { a.time < b.time || (a.time == b.time && a.call < b.call) }
    }

    /// One scenario: calls in order of arrival, retries on a heap, each attempt presented to
    /// its class's limiter at its start; a refused attempt answers after `rejectLatency` and is
    /// retried by the policy.
    public static func replay(_ prepared: Prepared, demand: Demand, scenario: PlanScenario,
                              rejectLatency: Double, seed: UInt64 = 0x9A1E_2026_1207) -> PlanResult {
        var result = PlanResult(scenario: scenario)
        let start = prepared.arrival.first ?? 0
        var limiters: [ReferenceLimiter?] = demand.classes.indices.map { index in
            guard index < scenario.limits.count, let limits = scenario.limits[index] else { return nil }
            return ReferenceLimiter(classID: demand.classes[index].id, limits: limits,
                                    cacheReadsCount: demand.classes[index].cacheReadsCount, start: start)
        }
        var rng = SplitMix64(seed: seed)
        var retries = Heap<Retry>()
        var waits: [Double] = []
        waits.reserveCapacity(prepared.arrival.count / 8)
        var zeroWaits = 0
        var lastThrottledMinute = Int.min
        var monthKey = Int.min
        var monthSpend = 0.0
        var unpriced = Set<Int32>()
        let maxRetries = scenario.retry.maxRetries
        var next = 0
        let count = prepared.arrival.count
        result.calls = count

        while next < count || !retries.isEmpty {
            let call: Int, attempt: Int, time: Double
            if let retry = retries.min, next >= count || retry.time < prepared.arrival[next] {
                _ = retries.removeMin()
                (call, attempt, time) = (retry.call, retry.attempt, retry.time)
            } else {
                (call, attempt, time) = (next, 0, prepared.arrival[next])
                next += 1
            }
            var admitted = true
            if prepared.isBatch[call] {
                result.batchCalls += 1
            } else {
                result.attempts += 1
                let c = Int(prepared.classIndex[call])
                if limiters[c] != nil {
                    let admission = limiters[c]!.admit(at: time, countedInput: prepared.countedInput[call],
                                                       outputTokens: prepared.output[call], end: time + prepared.duration[call])
                    if case .rejected(_, let wait) = admission {
                        admitted = false
                        result.throttled += 1
                        let minute = Int((time / 60).rounded(.down))
                        if minute != lastThrottledMinute {
                            lastThrottledMinute = minute
                            result.throttledMinutes += 1
                        }
                        if attempt < maxRetries {
                            // The SDK honours retry-after (whole seconds, as the server sends it) up to 60 s.
                            let retryAfter = wait.isFinite ? max(1, (wait - 1e-9).rounded(.up)) : 60
                            let delay: Double
                            if retryAfter <= 60 {
                                delay = retryAfter
                            } else {
                                var backoff = DemandBuilder.initialRetryDelay
                                for _ in 0..<attempt { backoff *= 2 }
                                delay = min(backoff, DemandBuilder.maxRetryDelay) * (1 - 0.25 * rng.unit())
                            }
                            retries.insert(Retry(time: time + rejectLatency + delay, call: call, attempt: attempt + 1))
                        } else {
                            result.failed += 1
                        }
                    }
                }
                if admitted {
                    let wait = time - prepared.arrival[call]
                    if wait > 0 { waits.append(wait) } else { zeroWaits += 1 }
                }
            }
            guard admitted else { continue }
            if let cost = prepared.cost[call] {
                result.costUSD += cost
                if let cap = scenario.spendCapUSD {
                    let days = Int((time / 86_400).rounded(.down))
                    let civil = RFC3339.civilFromDays(days)
                    let key = civil.year * 12 + civil.month
                    if key != monthKey {
                        monthKey = key
                        monthSpend = 0
                    }
                    monthSpend += cost
                    if monthSpend > cap, result.spendCapReachedAt == nil { result.spendCapReachedAt = time }
                }
            } else {
                unpriced.insert(prepared.model[call])
            }
        }
        waits.sort()
        let admittedCount = waits.count + zeroWaits
        func quantile(_ q: Double) -> Double {
            guard admittedCount > 0 else { return 0 }
            let rank = Int((q * Double(admittedCount)).rounded(.up)) - 1
            let position = max(0, rank) - zeroWaits
            return position < 0 ? 0 : waits[min(position, waits.count - 1)]
        }
        result.waitP50 = quantile(0.5)
        result.waitP95 = quantile(0.95)
        result.waitMax = waits.last ?? 0
        result.unpricedModels = unpriced.sorted().map { demand.modelNames[Int($0)] }
        for (index, planClass) in demand.classes.enumerated() {
            let limits = index < scenario.limits.count ? scenario.limits[index] : nil
            for dimension in Dimension.allCases where prepared.peaks[index][dimension] > 0 {
                result.peaks.append(PlanPeak(classID: planClass.id, dimension: dimension,
                                             perMinute: prepared.peaks[index][dimension], limit: limits?[dimension]))
            }
        }
        result.binding = result.peaks.filter { $0.limit != nil }.max { ($0.share ?? 0) < ($1.share ?? 0) }
        return result
    }
}

/// Why a plan cannot run.
public enum PlanError: Error, Sendable, CustomStringConvertible {
    case noMatch(option: String, selector: PlanSelector, demand: Demand)

    public var description: String {
        switch self {
        case .noMatch(let option, let selector, let demand):
            let classes = demand.classes.map(\.id).prefix(6).joined(separator: ", ")
            if case .field(let field, let value) = selector {
                if demand.groupField != field { return "\(option) \(selector): the log was not read by field \(field)" }
                let values = demand.groupNames.prefix(6).joined(separator: ", ")
                return "\(option) \(selector): no traffic has \(field)=\(value) (values: \(values.isEmpty ? "none" : values))"
            }
            return "\(option) \(selector): matches no class, model or source of the log (classes: \(classes))"
        }
    }
}

/// Price rules per model, looked up once per model and period of validity.
struct PriceCache {
    let table: LimitsTable
    let names: [String]
    var rules: [Int32: (rule: PriceRule?, from: Double, until: Double)] = [:]

    init(table: LimitsTable, demand: Demand) {
        self.table = table
        names = demand.modelNames
    }

    mutating func cost(of usage: Usage, model: Int32, fast: Bool, at time: Double, batch: Bool) -> Double? {
        let key = fast ? -model - 1 : model
        var entry = rules[key]
        if entry == nil || time < entry!.from || time >= entry!.until {
            let rule = table.price(for: names[Int(model)], at: time, fast: fast)
            entry = (rule, rule?.from ?? -.infinity, rule?.until ?? .infinity)
            rules[key] = entry
        }
        guard usage.inputTokens | usage.outputTokens | usage.cacheReadInputTokens | usage.cacheCreationInputTokens | usage.webSearchRequests != 0 else { return 0 }
        guard let rule = entry?.rule else { return nil }
        return table.prices.dollars(for: usage, rule: rule, isBatch: batch)
    }
}

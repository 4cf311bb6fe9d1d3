import RatetopCore

/// What `ratetop plan` was asked: which tiers, which assumptions, which retry policy; and the
/// scenarios that follows from it for a demand.
public struct PlanRequest: Sendable {
    /// Tier ids or names; `all` alone: every tier of the scheme in force. Empty: the log's tier
    /// only (with the assumptions, when there are any).
    public var tiers: [String]
    public var assumptions: PlanAssumptions
    public var retry: PlanRetryPolicy
    /// The tier the log ran on when its headers do not say (`--log-tier`, the config's `tier`).
    public var logTier: String?

    public init(tiers: [String] = [], assumptions: PlanAssumptions = PlanAssumptions(), retry: PlanRetryPolicy = .sdkDefault,
                logTier: String? = nil) {
        self.tiers = tiers
        self.assumptions = assumptions
        self.retry = retry
        self.logTier = logTier
    }
}

/// The scenarios of a plan, and what was decided on the way.
public struct PlanSetup: Sendable {
    public var scheme: TierScheme?
    /// The log's own tier: matched from its headers, or given; nil when neither says.
    public var baselineTier: Tier?
    public var scenarios: [PlanScenario]
    /// Things worth a line under the table (classes no tier limits, a log without headers).
    public var notes: [String]
}

public enum PlanSetupError: Error, Sendable, CustomStringConvertible {
    case unknownTier(String, known: [String])

    public var description: String {
        switch self {
        case .unknownTier(let name, let known): "--tier \(name): unknown tier (known: all, \(known.joined(separator: ", ")))"
        }
    }
}

extension PlanRequest {
    /// The baseline (the log's limits, nothing assumed, the SDK's retries — the log's client)
    /// and one row per asked tier with the assumptions and retry policy.
    public func setup(for demand: Demand, table: LimitsTable) throws(PlanSetupError) -> PlanSetup {
        var notes: [String] = []
        // The log's tier: from the headers of its busiest class that has them.
        var callsPerClass = Array(repeating: 0, count: demand.classes.count)
        for call in demand.calls { callsPerClass[Int(call.classIndex)] += 1 }
        let withHeaders = demand.classes.indices.filter { demand.classes[$0].hasHeaderLimits && demand.classes[$0].tableClassID != nil }
            .sorted { callsPerClass[$0] > callsPerClass[$1] }
        var baselineTier: Tier?
        var baselineScheme: TierScheme?
        for index in withHeaders {
            let planClass = demand.classes[index]
            if let tier = table.tier(matching: planClass.headerLimits, classID: planClass.tableClassID!, at: demand.observed.from) {
                baselineTier = tier
                baselineScheme = table.schemes.first { $0.tiers.contains(tier) }
                break
            }
        }
        if baselineTier == nil, let logTier {
            guard let found = table.tier(named: logTier) else { throw .unknownTier(logTier, known: table.tierIDs) }
            (baselineScheme, baselineTier) = (found.scheme, found.tier)
        }
        let scheme = baselineScheme ?? table.scheme(at: demand.observed.from)

        var scenarios: [PlanScenario] = []
        let hasHeaders = !withHeaders.isEmpty
        if hasHeaders || baselineTier != nil {
            let limits = demand.classes.map { planClass -> PerDimension<Int>? in
                let tierLimits = planClass.tableClassID.flatMap { baselineTier?.limits[$0] }
                guard planClass.hasHeaderLimits else { return tierLimits }
                var merged = planClass.headerLimits
                for dimension in Dimension.allCases where merged[dimension] <= 0 {
                    // A dimension no header gave: the tier's, else unlimited.
                    merged[dimension] = tierLimits?[dimension] ?? Int.max / 4
                }
                return merged
            }
            let name = (baselineTier?.name ?? "custom") + " (log)"
            scenarios.append(PlanScenario(name: name, tierID: baselineTier?.id, limits: limits,
                                          spendCapUSD: baselineTier?.monthlySpendCapUSD, retry: .sdkDefault, isBaseline: true))
        } else {
            notes.append("no rate-limit headers in the log: --log-tier NAME adds the baseline row")
        }

        var wanted: [Tier] = []
        if tiers.count == 1, tiers[0].lowercased() == "all" {
            wanted = scheme?.tiers ?? []
        } else {
            for name in tiers {
                guard let found = table.tier(named: name) else { throw .unknownTier(name, known: table.tierIDs) }
                wanted.append(found.tier)
            }
        }
        if tiers.isEmpty, let baselineTier, !(assumptions.isEmpty && retry == .sdkDefault) { wanted = [baselineTier] }
        var unlimited = Set<String>()
        for tier in wanted {
            // The log's own tier with nothing assumed is the baseline row already.
            if tier == baselineTier, assumptions.isEmpty, retry == .sdkDefault, !scenarios.isEmpty { continue }
            let limits = demand.classes.map { planClass -> PerDimension<Int>? in
                guard let id = planClass.tableClassID, let limits = tier.limits[id] else {
                    unlimited.insert(planClass.id)
                    return nil
                }
                return limits
            }
            var name = tier.name
            if !assumptions.isEmpty { name += " + " + assumptions.label }
            if retry != .sdkDefault { name += " · retry \(retry)" }
            scenarios.append(PlanScenario(name: name, tierID: tier.id, limits: limits, spendCapUSD: tier.monthlySpendCapUSD,
                                          assumptions: assumptions, retry: retry))
        }
        for id in unlimited.sorted() { notes.append("\(id): no limits in the table for some tiers, not throttled there") }
        return PlanSetup(scheme: scheme, baselineTier: baselineTier, scenarios: scenarios, notes: notes)
    }
}

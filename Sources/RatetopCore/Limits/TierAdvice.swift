/// The tier a class's traffic fits, and how an organization gets there: what `tier_upgrade`
/// names.
public struct TierAdvice: Sendable, Equatable {
    public var tierID: String
    public var tierName: String
    /// The tier's limits for the class: RPM, ITPM, OTPM.
    public var limits: PerDimension<Int>
    /// How the tier is reached (the limits table's `reached_by`).
    public var reachedBy: String
    /// The cumulative credit purchase that reaches it (Tier 1–4), if the table says.
    public var creditThresholdUSD: Double?

    public init(tier: Tier, classID: String) {
        tierID = tier.id
        tierName = tier.name
        limits = tier.limits[classID] ?? PerDimension(repeating: 0)
        reachedBy = tier.reachedBy
        creditThresholdUSD = tier.creditThresholdUSD
    }

    /// "tier2 fits (1k RPM / 450k ITPM / 90k OTPM), reached by a cumulative credit purchase of $40"
    public var text: String {
        let numbers = Dimension.allCases.map { "\(LimitsReport.compact(limits[$0])) \($0.limitName)" }.joined(separator: " / ")
        let how: String
        if let credit = creditThresholdUSD {
            how = "reached by a cumulative credit purchase of $\(LimitsReport.compact(Int(credit)))"
        } else if reachedBy.isEmpty {
            how = "see the Console"
        } else {
            how = reachedBy
        }
        return "\(tierID) fits (\(numbers)), \(how)"
    }
}

extension LimitsTable {
    /// Demand is scaled by this before it is matched to a tier (25% margin over p95).
    public static let tierMargin = 1.25

    /// The smallest tier whose limits for `classID` are at least `p95 × 1.25` on every dimension,
    /// in the current tier's scheme (else the scheme in force at `time`). `.custom` when the
    /// scheme has limits for the class but no tier is large enough; nil when it has none.
    /// With `above`, only tiers larger than the current one count (an upgrade).
    public func recommendedTier(classID: String, currentTier: String?, p95: PerDimension<Double>, at time: Double,
                                above: Bool = false) -> TierRecommendation? {
        let scheme = currentTier.flatMap { self.scheme(containing: $0) } ?? self.scheme(at: time)
        guard let scheme, scheme.tiers.contains(where: { $0.limits[classID] != nil }) else { return nil }
        var candidates = scheme
        if above, let currentTier, let position = scheme.tiers.firstIndex(where: { $0.id == currentTier }) {
            candidates.tiers = Array(scheme.tiers[(position + 1)...])
        }
        let demand = p95.map { $0 * Self.tierMargin }
        return smallestTier(in: candidates, classID: classID, fitting: demand).map { .tier($0) } ?? .custom
    }
}

/// What `recommendedTier` found.
public enum TierRecommendation: Sendable, Equatable {
    case tier(Tier)
    /// No published tier is large enough: custom limits (contact Anthropic sales).
    case custom

    /// The id written as `recommended_tier`.
    public var id: String {
        switch self {
        case .tier(let tier): tier.id
        case .custom: "custom"
        }
    }
}

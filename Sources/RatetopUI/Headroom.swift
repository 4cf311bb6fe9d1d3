import RatetopCore

/// Reads a `BucketState` the way the dashboard colours and ranks it: how full each bucket is,
/// which one binds first, and the colour role that goes with it.
public enum Headroom {
    /// Below this fraction left a bucket is critical.
    public static let criticalFraction = 0.10
    /// Below this fraction left a bucket is a warning.
    public static let warningFraction = 0.25
    /// Draining to empty within this many seconds is critical.
    public static let criticalSecondsToEmpty = 60.0

    /// Remaining ÷ limit (0…1), or nil when the limit or the level is unknown.
    public static func fraction(_ state: BucketState, _ dimension: Dimension) -> Double? {
        guard let limit = state.limits[dimension], limit > 0, let remaining = state.remaining[dimension] else {
            return nil
        }
        return min(1, max(0, remaining / Double(limit)))
    }

    /// The role for a level: critical under 10 % or empty within 60 s, warning under 25 %,
    /// good otherwise, muted when unknown.
    public static func role(_ state: BucketState, _ dimension: Dimension) -> ColorRole {
        guard let fraction = fraction(state, dimension) else { return .muted }
        if let seconds = state.secondsToEmpty[dimension], seconds <= criticalSecondsToEmpty { return .critical }
        return role(forFraction: fraction)
    }

    /// The role for a fraction left, ignoring the drain rate.
    public static func role(forFraction fraction: Double) -> ColorRole {
        if fraction < criticalFraction { return .critical }
        if fraction < warningFraction { return .warning }
        return .good
    }

    /// The bucket that binds first: the one with the shortest time to empty, or, when none is
    /// draining, the one with the smallest fraction left. Nil when no limit is known.
    /// Ties go to the first dimension (requests, input, output).
    public static func bindsFirst(_ state: BucketState) -> Dimension? {
        let known = Dimension.allCases.filter { fraction(state, $0) != nil }
        let emptiest = known.min { (fraction(state, $0) ?? 1) < (fraction(state, $1) ?? 1) }
        // A bucket already nearly empty binds now, whatever another's drain rate says.
        if let emptiest, let left = fraction(state, emptiest), left < 0.1 { return emptiest }
        let draining = known.compactMap { dimension in state.secondsToEmpty[dimension].map { (dimension, $0) } }
        if let soonest = draining.min(by: { $0.1 < $1.1 }) { return soonest.0 }
        return emptiest
    }
}

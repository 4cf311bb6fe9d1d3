extension Int {
    /// Adds `other` without trapping: a sum past `Int.max` (or `Int.min`) stays there, and
    /// `saturated` is set so the output can say so. What no input may do is crash a dashboard.
    @inline(__always)
    mutating func add(_ other: Int, _ saturated: inout Bool) {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow {
            self = other > 0 ? .max : .min
            saturated = true
        } else {
            self = sum
        }
    }
}

extension Int {
    /// Adds `other`, stopping at `Int.max` (or `Int.min`) instead of trapping.
    @inline(__always)
    mutating func addSaturating(_ other: Int) {
        var ignored = false
        add(other, &ignored)
    }
}

extension Int {
    /// A Double as an Int, clamped to Int's range (NaN is 0): never a trap on a conversion.
    @inline(__always)
    init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.2e18 {
            self = .max
        } else if value <= -9.2e18 {
            self = .min
        } else {
            self = Int(value)
        }
    }
}

/// A dashboard panel that `e` can expand to fill the body.
public enum Panel: String, Sendable, Hashable, CaseIterable {
    case buckets
    case graph
    case cache
    case throttling
    case drainers
    case alerts

    /// The panel `e` expands next after `current` (nil = none expanded): each panel in order,
    /// then back to none. Alerts are skipped while there are none.
    public static func next(after current: Panel?, hasAlerts: Bool) -> Panel? {
        let order = allCases.filter { $0 != .alerts || hasAlerts }
        guard let current, let index = order.firstIndex(of: current) else { return order.first }
        return index + 1 < order.count ? order[index + 1] : nil
    }
}

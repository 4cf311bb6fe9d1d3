import RatetopCore

/// The alerts firing now, kept from the evaluator's transitions: what a runner hands to
/// `MetricsExporter.update` every tick.
public struct FiringAlerts: Sendable {
    /// Firing alerts in the order they fired.
    public private(set) var alerts: [ActiveAlert] = []

    public init() {}

    /// Applies transitions: `firing` adds the alert, `resolved` removes it.
    public mutating func apply(_ events: [AlertEvent]) {
        for event in events {
            let alert = ActiveAlert(event)
            switch event.state {
            case .firing:
                if !alerts.contains(alert) { alerts.append(alert) }
            case .resolved:
                alerts.removeAll { $0 == alert }
            }
        }
    }
}

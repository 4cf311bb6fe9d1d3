import RatetopCore

// TEMPORARY until the rules branch (labels, per-source alerts) is merged.
extension AlertEvent {
    var labels: [String: String] { [:] }
    var source: String? { nil }
    var bucketLabel: String? { bucket }
}

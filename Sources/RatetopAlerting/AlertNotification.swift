import RatetopCore

/// One alert transition as the sinks send it: the engine's `AlertEvent` with the label set that
/// identifies the alert (Alertmanager's `labels`), its annotations, when it started and, once
/// resolved, when it ended.
public struct AlertNotification: Sendable, Equatable {
    public var event: AlertEvent
    /// Identity labels, sorted by name: `alertname`, `severity`, `bucket`, `dimension`,
    /// `source`, `instance`, and the rule's own labels.
    public var labels: [(name: String, value: String)]
    /// `summary`, `value`, `threshold`.
    public var annotations: [(name: String, value: String)]
    /// When the alert started firing (seconds since the epoch, the engine's clock).
    public var startsAt: Double
    /// When it resolved; nil while firing.
    public var endsAt: Double?
    /// Alertmanager's fingerprint of `labels` (16 hex digits).
    public var fingerprint: String

    public var isFiring: Bool { event.state == .firing }

    public static func == (lhs: AlertNotification, rhs: AlertNotification) -> Bool {
        lhs.event == rhs.event && lhs.startsAt == rhs.startsAt && lhs.endsAt == rhs.endsAt && lhs.fingerprint == rhs.fingerprint
            && lhs.labels.elementsEqual(rhs.labels, by: ==) && lhs.annotations.elementsEqual(rhs.annotations, by: ==)
    }

    /// The labels of an event: what Alertmanager groups, routes and silences by.
    public static func labels(of event: AlertEvent, instance: String?) -> [(name: String, value: String)] {
        var labels: [String: String] = [:]
        for (name, value) in event.labels { labels[name] = value }
        // Identity labels win over a rule's labels of the same name.
        labels["alertname"] = event.rule
        labels["severity"] = event.severity.rawValue
        if let bucket = event.bucket { labels["bucket"] = bucket }
        if let dimension = event.dimension { labels["dimension"] = dimension.jsonKey }
        if let source = event.source { labels["source"] = source }
        if let instance, labels["instance"] == nil { labels["instance"] = instance }
        return labels.keys.sorted().map { ($0, labels[$0] ?? "") }
    }

    /// The annotations of an event.
    public static func annotations(of event: AlertEvent) -> [(name: String, value: String)] {
        var annotations = [("summary", event.summary)]
        if let value = event.value { annotations.append(("value", number(value))) }
        annotations.append(("threshold", number(event.threshold)))
        return annotations
    }

    /// A number as an annotation: as the JSON lines write it; infinities spelled as Prometheus does.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : value > 0 ? "+Inf" : "-Inf" }
        return JSONLines.number(value)
    }

    /// Alertmanager's (Prometheus') label-set fingerprint: FNV-1a 64 over the sorted names and
    /// values, each followed by the byte 0xFF, printed as 16 hex digits.
    public static func fingerprint(_ labels: [(name: String, value: String)]) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        func add(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 1_099_511_628_211
        }
        for (name, value) in labels.sorted(by: { $0.name < $1.name }) {
            for byte in name.utf8 { add(byte) }
            add(0xFF)
            for byte in value.utf8 { add(byte) }
            add(0xFF)
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Turns the engine's transitions into notifications, remembering when each firing alert
/// started so its resolution carries the same `startsAt` and fingerprint.
public struct AlertBook: Sendable {
    /// The `instance` label added to every alert (the host name), if any.
    public let instance: String?
    private var startedAt: [String: Double] = [:]

    public init(instance: String?) {
        self.instance = instance
    }

    /// The alerts firing now, by fingerprint.
    public var firingCount: Int { startedAt.count }

    public mutating func notification(for event: AlertEvent) -> AlertNotification {
        let labels = AlertNotification.labels(of: event, instance: instance)
        let fingerprint = AlertNotification.fingerprint(labels)
        let startsAt: Double
        let endsAt: Double?
        switch event.state {
        case .firing:
            startsAt = event.at
            endsAt = nil
            startedAt[fingerprint] = event.at
        case .resolved:
            startsAt = startedAt.removeValue(forKey: fingerprint) ?? event.at
            endsAt = event.at
        }
        return AlertNotification(event: event, labels: labels, annotations: AlertNotification.annotations(of: event),
                                 startsAt: startsAt, endsAt: endsAt, fingerprint: fingerprint)
    }
}

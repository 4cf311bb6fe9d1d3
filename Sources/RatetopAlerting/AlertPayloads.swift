import Foundation
import RatetopCore

/// The JSON bodies the HTTP sinks post. Pure: built from notifications and a send time.
public enum AlertPayloads {
    /// Alertmanager v2's `postableAlert`.
    struct PostableAlert: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL: String?
    }

    /// Alertmanager's webhook `alert`.
    struct WebhookAlert: Encodable {
        var status: String
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL: String
        var fingerprint: String
    }

    /// Alertmanager's webhook message (version 4).
    struct WebhookMessage: Encodable {
        var version = "4"
        var groupKey: String
        var truncatedAlerts = 0
        var status: String
        var receiver: String
        var groupLabels: [String: String]
        var commonLabels: [String: String]
        var commonAnnotations: [String: String]
        var externalURL: String
        var alerts: [WebhookAlert]
    }

    /// Alertmanager's zero time, which its webhooks send as `endsAt` of a firing alert.
    static let zeroTime = "0001-01-01T00:00:00Z"

    /// How long a firing alert stays active in Alertmanager without being re-sent: four resend
    /// intervals, as Prometheus does, so one lost post does not resolve it.
    public static let alertmanagerValidity = 4.0

    /// The body of `POST /api/v2/alerts`: firing alerts end `validity` seconds after `sentAt`
    /// unless re-sent; resolved ones end when they resolved.
    public static func alertmanager(_ notifications: [AlertNotification], sentAt: Double, validity: Double) -> Data {
        let alerts = notifications.map { notification in
            PostableAlert(labels: dictionary(notification.labels), annotations: dictionary(notification.annotations),
                          startsAt: time(notification.startsAt),
                          endsAt: time(notification.endsAt ?? max(sentAt, notification.startsAt) + validity),
                          generatorURL: nil)
        }
        return encode(alerts)
    }

    /// A webhook message for one transition, in the shape Alertmanager's webhook receiver posts.
    public static func webhook(_ notification: AlertNotification, receiver: String = "ratetop") -> Data {
        let labels = dictionary(notification.labels)
        let status = notification.isFiring ? "firing" : "resolved"
        let groupLabels = ["alertname": notification.event.rule]
        let message = WebhookMessage(
            groupKey: "{}:{alertname=\"\(notification.event.rule)\"}", status: status, receiver: receiver,
            groupLabels: groupLabels, commonLabels: labels, commonAnnotations: dictionary(notification.annotations),
            externalURL: "",
            alerts: [WebhookAlert(status: status, labels: labels, annotations: dictionary(notification.annotations),
                                  startsAt: time(notification.startsAt), endsAt: notification.endsAt.map(time) ?? zeroTime,
                                  generatorURL: "", fingerprint: notification.fingerprint)])
        return encode(message)
    }

    static func dictionary(_ pairs: [(name: String, value: String)]) -> [String: String] {
        Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    static func time(_ seconds: Double) -> String {
        RFC3339.format(seconds, fractionDigits: 3)
    }

    private static func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and dictionaries of strings always encode.
        return (try? encoder.encode(value)) ?? Data("[]".utf8)
    }
}

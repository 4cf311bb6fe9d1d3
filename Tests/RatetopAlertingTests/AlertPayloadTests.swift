import Foundation
import RatetopAlerting
@testable import RatetopCore
import Testing
import RatetopTestSupport

/// An alert transition for tests.
func alertEvent(_ rule: String = "headroom_low", state: AlertEvent.State = .firing, at: Double = 1_790_000_000,
                severity: AlertSeverity = .warning, bucket: String = "sonnet-4.x", dimension: RatetopCore.Dimension? = .inputTokens,
                value: Double? = 0.08, threshold: Double = 0.1, summary: String = "ITPM headroom 8% on sonnet-4.x") -> AlertEvent {
    AlertEvent(at: at, rule: rule, state: state, severity: severity, bucket: bucket, dimension: dimension, value: value,
               threshold: threshold, summary: summary)
}

func json(_ data: Data) -> Any? { try? JSONSerialization.jsonObject(with: data) }

@Suite(.tags(.unit)) struct AlertPayloadTests {
    @Test func fingerprintMatchesAlertmanagers() {
        // Read back from a real Alertmanager 0.25 after posting {alertname="t1", bucket="x"}.
        #expect(AlertNotification.fingerprint([("alertname", "t1"), ("bucket", "x")]) == "e4186ed0fa8e37cd")
        #expect(AlertNotification.fingerprint([("bucket", "x"), ("alertname", "t1")]) == "e4186ed0fa8e37cd")
    }

    @Test func labelsIdentifyTheAlert() {
        let labels = AlertNotification.labels(of: alertEvent(), instance: "host-1")
        #expect(labels.map(\.name) == ["alertname", "bucket", "dimension", "instance", "severity"])
        #expect(labels.map(\.value) == ["headroom_low", "sonnet-4.x", "input_tokens", "host-1", "warning"])
        let noDimension = AlertNotification.labels(of: alertEvent("rate_429_high", dimension: nil), instance: nil)
        #expect(noDimension.map(\.name) == ["alertname", "bucket", "severity"])
    }

    @Test func resolutionKeepsTheStartAndFingerprint() throws {
        var book = AlertBook(instance: "h")
        let fired = book.notification(for: alertEvent(at: 100))
        #expect(book.firingCount == 1)
        let resolved = book.notification(for: alertEvent(state: .resolved, at: 160, value: 0.3, threshold: 0.2))
        #expect(book.firingCount == 0)
        #expect(fired.fingerprint == resolved.fingerprint)
        #expect(resolved.startsAt == 100)
        #expect(resolved.endsAt == 160)
        #expect(fired.endsAt == nil)
    }

    @Test func alertmanagerBody() throws {
        var book = AlertBook(instance: nil)
        let fired = book.notification(for: alertEvent(at: 1_790_000_000))
        let body = try #require(json(AlertPayloads.alertmanager([fired], sentAt: 1_790_000_030, validity: 240)) as? [[String: Any]])
        #expect(body.count == 1)
        #expect(body[0]["startsAt"] as? String == "2026-09-21T14:13:20.000Z")
        // Firing: ends four resend intervals after it was sent, unless re-sent.
        #expect(body[0]["endsAt"] as? String == "2026-09-21T14:17:50.000Z")
        let labels = try #require(body[0]["labels"] as? [String: String])
        #expect(labels["alertname"] == "headroom_low")
        let annotations = try #require(body[0]["annotations"] as? [String: String])
        #expect(annotations["summary"] == "ITPM headroom 8% on sonnet-4.x")
        #expect(annotations["value"] == "0.08")
        #expect(annotations["threshold"] == "0.1")

        let resolved = book.notification(for: alertEvent(state: .resolved, at: 1_790_000_100))
        let end = try #require(json(AlertPayloads.alertmanager([resolved], sentAt: 1_790_000_500, validity: 240)) as? [[String: Any]])
        #expect(end[0]["startsAt"] as? String == "2026-09-21T14:13:20.000Z")
        #expect(end[0]["endsAt"] as? String == "2026-09-21T14:15:00.000Z")
    }

    @Test func webhookBodyIsAlertmanagersVersion4() throws {
        var book = AlertBook(instance: "h")
        let fired = book.notification(for: alertEvent(at: 1_790_000_000))
        let message = try #require(json(AlertPayloads.webhook(fired)) as? [String: Any])
        #expect(message["version"] as? String == "4")
        #expect(message["status"] as? String == "firing")
        #expect(message["receiver"] as? String == "ratetop")
        #expect(message["groupKey"] as? String == "{}:{alertname=\"headroom_low\"}")
        #expect((message["groupLabels"] as? [String: String]) == ["alertname": "headroom_low"])
        #expect((message["commonLabels"] as? [String: String])?["bucket"] == "sonnet-4.x")
        let alerts = try #require(message["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        #expect(alerts[0]["status"] as? String == "firing")
        #expect(alerts[0]["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect(alerts[0]["fingerprint"] as? String == fired.fingerprint)
        #expect(alerts[0]["fingerprint"] as? String == AlertNotification.fingerprint(fired.labels))

        let resolved = book.notification(for: alertEvent(state: .resolved, at: 1_790_000_060))
        let end = try #require(json(AlertPayloads.webhook(resolved)) as? [String: Any])
        #expect(end["status"] as? String == "resolved")
        let endAlerts = try #require(end["alerts"] as? [[String: Any]])
        #expect(endAlerts[0]["startsAt"] as? String == "2026-09-21T14:13:20.000Z")
        #expect(endAlerts[0]["endsAt"] as? String == "2026-09-21T14:14:20.000Z")
    }

    @Test(arguments: [
        ("https://hooks.slack.com/services/T000/B000/XXXXSECRET", "webhook https://hooks.slack.com/…"),
        ("http://127.0.0.1:9000/", "webhook http://127.0.0.1:9000"),
        ("http://user:pass@example.com:8080/hook?token=abc", "webhook http://example.com:8080/…"),
    ])
    func sinkNamesNeverShowPathsOrCredentials(url: String, shown: String) throws {
        #expect(try WebhookSink(url: url).displayName == shown)
    }

    @Test func badSinkURLsAreOneLineErrorsWithoutTheSecretPart() {
        #expect(throws: SinkConfigurationError.self) { try WebhookSink(url: "hooks.example/T0/SECRET") }
        let ftp = #expect(throws: SinkConfigurationError.self) { try WebhookSink(url: "ftp://example.com/SECRET") }
        #expect(ftp?.description == "--webhook ftp://example.com/…: expected an http:// or https:// URL")
        #expect(throws: SinkConfigurationError.self) { try ExecSink(command: "  ") }
        #expect((try? AlertmanagerSink(url: "http://am:9093/"))?.endpoint.url.absoluteString == "http://am:9093/api/v2/alerts")
        #expect((try? AlertmanagerSink(url: "http://am:9093/api/v2/alerts"))?.endpoint.url.absoluteString == "http://am:9093/api/v2/alerts")
    }
}

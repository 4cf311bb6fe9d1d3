import AsyncHTTPClient
import Foundation
import NIOCore
import RatetopCore

/// An HTTP endpoint a sink posts JSON to.
public struct SinkEndpoint: Sendable {
    public let url: URL
    /// `scheme://host:port/…`: what log lines show, since webhook paths and queries often hold
    /// tokens (Slack's do).
    public let displayName: String

    /// Parses an `http://` or `https://` URL; throws a one-line reason otherwise.
    public init(_ text: String, flag: String) throws(SinkConfigurationError) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            throw SinkConfigurationError(flag: flag, value: Self.redacted(text), problem: "expected an http:// or https:// URL")
        }
        self.url = url
        let port = url.port.map { ":\($0)" } ?? ""
        let hasMore = !(url.path.isEmpty || url.path == "/") || url.query != nil
        displayName = "\(scheme)://\(host)\(port)\(hasMore ? "/…" : "")"
    }

    /// The URL with everything after the host cut, for error messages about a URL that did not
    /// parse.
    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else {
            let host = text.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
            return host.count < text.count ? "\(host)/…" : text
        }
        let rest = text[schemeEnd.upperBound...]
        let host = rest.split(separator: "/", maxSplits: 1).first.map { $0.split(separator: "@").last.map(String.init) ?? "" } ?? ""
        return "\(text[..<schemeEnd.upperBound])\(host)\(rest.count > host.count ? "/…" : "")"
    }

    /// Posts a JSON body; a non-2xx status or no answer throws.
    func post(_ body: Data, timeout: Double) async throws(SinkError) {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ratetop")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await Self.client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        } catch {
            throw SinkError("POST failed: \(Self.describe(error))")
        }
        let status = response.status.code
        // Read (a little of) the answer so the connection can be reused, and to say why.
        let answer = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
        guard (200..<300).contains(status) else {
            let reason = answer.split(whereSeparator: \.isNewline).first.map { ": \($0.prefix(120))" } ?? ""
            // 4xx other than timeouts and throttling: the message itself is wrong; retrying cannot help.
            let permanent = (400..<500).contains(status) && status != 408 && status != 429
            throw SinkError("HTTP \(status)\(reason)", permanent: permanent)
        }
    }

    /// One client for every sink, for the life of the process. A failed connection fails the
    /// request at once (the `SinkQueue` retries with its own backoff and says so) instead of
    /// being retried silently inside the client until the request times out.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(15))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return "timed out" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text.split(whereSeparator: \.isNewline).first.map { String($0.prefix(160)) } ?? "unknown error"
    }
}

/// A sink setting that cannot work: one line, exit 2. `flag` names where the value came from
/// (`--webhook`, `RATETOP_WEBHOOK`); `value` is safe to print (a URL cut after its host).
public struct SinkConfigurationError: Error, Sendable, CustomStringConvertible {
    public var flag: String
    public var value: String
    public var problem: String

    public init(flag: String, value: String, problem: String) {
        self.flag = flag
        self.value = value
        self.problem = problem
    }

    /// `value: problem` (or the problem alone for an empty value), without the flag: for a
    /// config file's problem line, which names the key itself.
    public var detail: String { value.isEmpty ? problem : "\(value): \(problem)" }

    public var description: String { value.isEmpty ? "\(flag): \(problem)" : "\(flag) \(value): \(problem)" }
}

/// `--alertmanager URL`: posts to Alertmanager's v2 API (`/api/v2/alerts`). Firing alerts are
/// sent with an `endsAt` a few resend intervals ahead and re-sent while they fire (the
/// `AlertDispatcher` does that), resolved ones with the time they resolved — routing, grouping,
/// silences and notifications are then Alertmanager's.
public struct AlertmanagerSink: AlertSink {
    public let endpoint: SinkEndpoint
    /// How long a firing alert stays active without a re-send (seconds).
    public let validity: Double
    public let timeout: Double

    public init(url: String, resendInterval: Double = AlertDispatcher.defaultResendInterval, timeout: Double = 10,
                flag: String = "--alertmanager") throws(SinkConfigurationError) {
        var text = url
        while text.hasSuffix("/") { text.removeLast() }
        if !text.hasSuffix("/api/v2/alerts") { text += "/api/v2/alerts" }
        do {
            endpoint = try SinkEndpoint(text, flag: flag)
        } catch {
            // Named as given, not with the API path added.
            throw SinkConfigurationError(flag: flag, value: SinkEndpoint.redacted(url), problem: error.problem)
        }
        validity = resendInterval * AlertPayloads.alertmanagerValidity
        self.timeout = timeout
    }

    public var displayName: String { "alertmanager \(endpoint.displayName)" }
    public var batchesTransitions: Bool { true }

    public func deliver(_ notifications: [AlertNotification]) async throws(SinkError) {
        let body = AlertPayloads.alertmanager(notifications, sentAt: Date().timeIntervalSince1970, validity: validity)
        try await endpoint.post(body, timeout: timeout)
    }
}

/// `--webhook URL`: one POST per transition in Alertmanager's webhook payload (version 4), which
/// Slack bridges, Grafana and n8n accept.
public struct WebhookSink: AlertSink {
    public let endpoint: SinkEndpoint
    public let timeout: Double

    public init(url: String, timeout: Double = 10, flag: String = "--webhook") throws(SinkConfigurationError) {
        endpoint = try SinkEndpoint(url, flag: flag)
        self.timeout = timeout
    }

    public var displayName: String { "webhook \(endpoint.displayName)" }

    public func deliver(_ notifications: [AlertNotification]) async throws(SinkError) {
        for notification in notifications {
            try await endpoint.post(AlertPayloads.webhook(notification), timeout: timeout)
        }
    }
}

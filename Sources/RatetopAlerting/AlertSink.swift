import RatetopCore

/// Where alert notifications go besides stdout. A sink delivers one message at a time; its
/// `SinkQueue` retries a failed message with backoff before going on to the next, so the order
/// of transitions is kept and nothing is lost while the sink is down.
public protocol AlertSink: Sendable {
    /// How the sink is named in log lines: never a credential (no URL path, query or user info,
    /// no command arguments).
    var displayName: String { get }
    /// Whether each transition goes out on its own (webhooks, commands) or the transitions of
    /// one evaluation go together (Alertmanager takes a list).
    var batchesTransitions: Bool { get }
    /// Delivers the notifications; throws `SinkError` when they did not arrive.
    func deliver(_ notifications: [AlertNotification]) async throws(SinkError)
    /// Ratetop is exiting and has waited long enough: stops whatever a delivery still runs
    /// (a notification command and what it started), so nothing outlives ratetop.
    func stop()
}

/// Why a delivery failed, in words for one log line.
public struct SinkError: Error, Sendable, CustomStringConvertible {
    /// True when trying again cannot help (the sink rejected the message as malformed).
    public var permanent: Bool
    public var description: String

    public init(_ description: String, permanent: Bool = false) {
        self.description = description
        self.permanent = permanent
    }
}

extension AlertSink {
    public var batchesTransitions: Bool { false }
    /// An HTTP request in flight ends with the process; nothing to stop.
    public func stop() {}
}

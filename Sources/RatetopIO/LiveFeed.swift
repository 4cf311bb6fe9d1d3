import RatetopCore

/// A live source that is not a file: a scraped Prometheus endpoint. `LiveSources` polls it with
/// its files; it must never block (its own task fetches, `poll` only hands over what arrived).
public protocol LiveFeed: AnyObject {
    /// The name shown in alerts and on the status line (no credentials, no query).
    var name: String { get }
    /// Hands the events that arrived since the last poll to `each`, stamped with `source` as
    /// their origin; malformed input goes to `diagnostics`. `now` is the wall-clock time.
    func poll(now: Double, models: ModelCatalog, source: Int32, diagnostics: Diagnostics, each: (Exchange) -> Void)
    /// Wall time of the last successful fetch, nil before the first (`source_stale` watches it).
    var lastDataAt: Double? { get }
    /// Why the feed is failing now, nil while it is healthy.
    var problem: FeedProblem? { get }
    /// What `watch --headless` says on stderr when the feed is healthy again (`scraping again`).
    var recoveredNotice: String { get }
}

extension LiveFeed {
    public var recoveredNotice: String { "scraping again" }
}

/// A feed that is failing: why, since when, and when it tries again.
public struct FeedProblem: Sendable, Equatable {
    /// One line, e.g. `connection refused` or `HTTP 500`.
    public var reason: String
    /// Wall time of the first failure in this run of failures.
    public var since: Double
    /// Failures in a row.
    public var failures: Int
    /// Wall time of the next attempt.
    public var retryAt: Double
    /// False for a feed that does not fetch (a receiver: the senders retry, not ratetop):
    /// `failures` then counts refused requests and `retryAt` is unused.
    public var retrying: Bool

    public init(reason: String, since: Double, failures: Int, retryAt: Double, retrying: Bool = true) {
        self.reason = reason
        self.since = since
        self.failures = failures
        self.retryAt = retryAt
        self.retrying = retrying
    }

    /// `stale 12 s: connection refused (3 failures), retrying in 8 s`; for a receiver,
    /// `refused 3 requests in 12 s: not OTLP protobuf: …`.
    public func text(now: Double) -> String {
        let stale = max(0, Int((now - since).rounded()))
        guard retrying else {
            let count = failures == 1 ? "1 request" : "\(failures) requests"
            return "refused \(count) in \(stale) s: \(reason)"
        }
        let retry = max(0, Int((retryAt - now).rounded(.up)))
        let count = failures == 1 ? "1 failure" : "\(failures) failures"
        return "stale \(stale) s: \(reason) (\(count)), retrying in \(retry) s"
    }
}

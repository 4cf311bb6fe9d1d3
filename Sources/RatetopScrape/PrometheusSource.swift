import AsyncHTTPClient
import Foundation
import NIOCore
import RatetopCore
import RatetopIO

/// A Prometheus endpoint followed by `watch`: scraped every `interval` on a task of its own, the
/// text handed to the caller's loop when it polls. A failed scrape (refused, timed out, non-2xx)
/// makes the source stale with the reason and is retried with backoff (the interval doubling up
/// to `maxBackoff`); nothing here ever blocks the loop or the other sources.
///
/// Parsing, counter tracking and mapping (`PrometheusScrapeDecoder`) run in `poll`, on the
/// caller's thread, so the engine sees the events in its own order.
public final class PrometheusSource: LiveFeed, @unchecked Sendable {
    public let target: ScrapeTarget
    public let interval: Double
    public let maxBackoff: Double
    public let timeout: Double
    public var name: String { target.displayName }

    private let decoder: PrometheusScrapeDecoder
    private let mailbox = Mailbox()
    private var task: Task<Void, Never>?
    public private(set) var lastDataAt: Double?
    public private(set) var problem: FeedProblem?
    /// Successful scrapes taken in (for tests and the status line).
    public private(set) var scrapes = 0
    private var reportedMalformed = -1

    /// The most scrape bodies kept while the caller has not polled. Counters are cumulative, so
    /// dropping an intermediate body loses resolution, never usage.
    static let maxPending = 4
    /// The largest body read (a LiteLLM proxy with many keys and teams writes a lot of series).
    static let maxBodyBytes = 16 << 20

    public init(target: ScrapeTarget, interval: Double = 5, maxBackoff: Double = 60, timeout: Double? = nil,
                table: LimitsTable, organization: OrganizationBox? = nil) {
        self.target = target
        self.interval = max(0.05, interval)
        self.maxBackoff = max(self.interval, maxBackoff)
        self.timeout = timeout ?? max(1, min(10, interval))
        self.decoder = PrometheusScrapeDecoder(host: target.hostPort, table: table, organization: organization)
    }

    deinit { task?.cancel() }

    /// What the endpoint turned out to be (after the first successful scrape).
    public var kind: PrometheusScrapeDecoder.Kind? { decoder.kind }
    /// Counter resets seen (the exporter restarted).
    public var counterResets: Int { decoder.counterResets }

    /// Starts scraping (the first scrape at once).
    public func start() {
        guard task == nil else { return }
        let url = target.url, interval = interval, maxBackoff = maxBackoff, timeout = timeout, mailbox = mailbox
        task = Task.detached(executorPreference: ScrapeExecutor.shared) {
            var failures = 0
            var failingSince = 0.0
            while !Task.isCancelled {
                let started = Date().timeIntervalSince1970
                var delay = interval
                do {
                    let body = try await Self.fetch(url, timeout: timeout)
                    failures = 0
                    mailbox.deliver(.success(body: body, at: Date().timeIntervalSince1970))
                } catch {
                    failures += 1
                    let now = Date().timeIntervalSince1970
                    if failures == 1 { failingSince = now }
                    delay = min(maxBackoff, interval * pow(2, Double(failures - 1)))
                    mailbox.deliver(.failure(FeedProblem(reason: Self.describe(error), since: failingSince,
                                                         failures: failures, retryAt: now + delay)))
                }
                let wait = max(0, started + delay - Date().timeIntervalSince1970)
                try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            }
        }
    }

    /// Stops scraping (a scrape in flight is abandoned).
    public func stop() {
        task?.cancel()
        task = nil
    }

    public func poll(now: Double, models: ModelCatalog, source: Int32, diagnostics: Diagnostics, each: (Exchange) -> Void) {
        for outcome in mailbox.take() {
            switch outcome {
            case .success(let body, let at):
                scrapes += 1
                let result = decoder.decode(body, at: at, models: models, origin: LineOrigin(source: source, line: scrapes))
                lastDataAt = at
                problem = nil
                // Bad lines repeat in every scrape: report them when their count changes.
                if result.malformedLines != reportedMalformed {
                    reportedMalformed = result.malformedLines
                    for problem in result.problems {
                        diagnostics.malformed(path: name, line: problem.line, reason: problem.reason)
                    }
                }
                result.events.forEach(each)
            case .failure(let failure):
                problem = failure
            }
        }
    }

    // MARK: HTTP

    enum Outcome: Sendable {
        case success(body: String, at: Double)
        case failure(FeedProblem)
    }

    struct ScrapeError: Error, CustomStringConvertible {
        var description: String
    }

    /// One scrape, bounded by `timeout` as a whole: AsyncHTTPClient's deadline ends once the
    /// response head has arrived and its read timeout only bounds the gaps between bytes, so a
    /// body that never ends (or comes a byte at a time) would otherwise hold the scrape forever,
    /// the source never reported stale.
    static func fetch(_ url: String, timeout: Double) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await fetchUnbounded(url, timeout: timeout) }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                throw ScrapeError(description: "timed out")
            }
            defer { group.cancelAll() }
            // The first to finish: the body, or the timer (the fetch is then cancelled).
            return try await group.next()!
        }
    }

    static func fetchUnbounded(_ url: String, timeout: Double) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "text/plain;version=0.0.4;q=1,*/*;q=0.1")
        request.headers.add(name: "User-Agent", value: "ratetop")
        let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        guard (200..<300).contains(response.status.code) else {
            _ = try? await response.body.collect(upTo: 4096)
            throw ScrapeError(description: "HTTP \(response.status.code)")
        }
        do {
            return String(buffer: try await response.body.collect(upTo: maxBodyBytes))
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw ScrapeError(description: "response larger than \(maxBodyBytes >> 20) MiB")
        }
    }

    /// One client for every scraped source, for the life of the process. A refused connection
    /// fails the scrape at once (our loop retries with its own backoff and says so).
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(10))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    static func describe(_ error: any Error) -> String {
        if let error = error as? ScrapeError { return error.description }
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("readTimeout") { return "timed out" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("remoteConnectionClosed") { return "connection closed by the server" }
        return text.split(whereSeparator: \.isNewline).first.map { String($0.prefix(160)) } ?? "unknown error"
    }

    /// Scrape outcomes waiting for the caller's poll (a lock, nothing else: `deliver` never waits).
    final class Mailbox: @unchecked Sendable {
        private let lock = NSLock()
        private var outcomes: [Outcome] = []

        func deliver(_ outcome: Outcome) {
            lock.lock()
            defer { lock.unlock() }
            outcomes.append(outcome)
            // Keep the newest; a failure after them says what is true now.
            let successes = outcomes.indices.filter { if case .success = outcomes[$0] { true } else { false } }
            if successes.count > PrometheusSource.maxPending { outcomes.remove(at: successes[0]) }
            if outcomes.count > 2 * PrometheusSource.maxPending { outcomes.removeFirst(outcomes.count - 2 * PrometheusSource.maxPending) }
        }

        func take() -> [Outcome] {
            lock.lock()
            defer { lock.unlock() }
            let taken = outcomes
            outcomes.removeAll(keepingCapacity: true)
            return taken
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import RatetopCore
import RatetopDashboard
import RatetopIO
import RatetopMetrics
import RatetopRecord

/// `ratetop record`: a reverse proxy that apps reach through `ANTHROPIC_BASE_URL`; it forwards
/// every call unchanged and appends one `exchange` line per Messages API call to the log.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Proxy the Anthropic API and log one exchange line per call (point ANTHROPIC_BASE_URL at it).",
        discussion: """
        Requests and responses pass through unchanged (streams chunk by chunk). Each POST /v1/messages \
        call appends a line with its status, model, timings, rate-limit headers and final usage; \
        bodies and credentials are never written. SIGHUP reopens the log (after logrotate renamed \
        it); SIGTERM or Ctrl-C stop accepting, let calls in flight finish (up to 8 s) and exit 0.
        """)

    @Option(help: ArgumentHelp("Where to listen: HOST:PORT, :PORT or PORT (host 127.0.0.1 by default).", valueName: "HOST:PORT"))
    var listen: String

    @Option(help: ArgumentHelp("The API to forward to, e.g. https://api.anthropic.com.", valueName: "URL"))
    var upstream: String

    @Option(help: ArgumentHelp("The exchange log to append to (created when missing).", valueName: "FILE"),
            completion: .file(extensions: ["jsonl"]))
    var log: String

    @Option(name: .customLong("rotate-mb"), help: ArgumentHelp("Rename the log to FILE.<UTC time> once it reaches N MiB and start a new one.", valueName: "N"))
    var rotateMB: Double?

    @Option(help: ArgumentHelp("Event-loop threads serving the proxy (one carries over a thousand calls a second).", valueName: "N"))
    var threads = 1

    @Flag(help: "Also show the live dashboard on the log in this terminal.")
    var watch = false

    /// The limits and rules of the `--watch` dashboard (the log's format is always exchange).
    @OptionGroup var limits: LimitsOptions

    func run() throws {
        let address: (host: String, port: Int)
        do {
            address = try MetricsServer.parse(listen: listen, defaultPort: nil)
        } catch let MetricsServerError.badListenAddress(value, problem) {
            throw UsageFailure("--listen '\(value)': \(problem) (expected HOST:PORT, :PORT or PORT)")
        }
        let upstreamURL: UpstreamURL
        do {
            upstreamURL = try UpstreamURL(upstream)
        } catch {
            throw UsageFailure(error.description)
        }
        guard (1...256).contains(threads) else { throw UsageFailure("--threads \(threads): expected 1 to 256") }
        var rotateBytes: Int?
        if let rotateMB {
            guard rotateMB > 0, rotateMB.isFinite else { throw UsageFailure("--rotate-mb \(rotateMB): expected a positive number of MiB") }
            rotateBytes = max(1, Int(rotateMB * 1_048_576))
        }
        var resolved: LimitsOptions.Resolved?
        if watch { resolved = try limits.resolve() }

        // While the dashboard owns the screen nothing may be printed: messages wait for its end.
        let buffered = BufferedLines()
        let logger = Logger(label: "ratetop") { _ in
            watch ? StderrLogHandler(write: { buffered.append($0) }) : StderrLogHandler()
        }
        let writer: ExchangeLogWriter
        do {
            writer = try ExchangeLogWriter(path: log, rotateBytes: rotateBytes, onProblem: { logger.error("\($0)") })
        } catch {
            throw UsageFailure(error.description)
        }

        // Before any task starts (this is the main thread): the proxy's tasks then run on the
        // event loops doing its I/O. The dashboard of --watch uses threads of its own, no tasks.
        RecordProxy.runTasksOnEventLoops(threads: threads)
        let proxy: RecordProxy
        do {
            proxy = try Self.blocking {
                try await RecordProxy.start(host: address.host, port: address.port, upstream: upstreamURL, log: writer, logger: logger)
            }
        } catch let error as RecordProxyError {
            logger.error("\(error.description)")
            throw ExitCode(1)
        }
        let shown = address.host.contains(":") ? "[\(address.host)]" : address.host
        let stops = watch ? "q in the dashboard stops" : "SIGTERM or Ctrl-C stops, SIGHUP reopens the log"
        logger.info("recording http://\(shown):\(proxy.boundPort) -> \(upstreamURL.displayName) into \(log); \(stops)")

        if let resolved {
            defer {
                Self.stop(proxy, writer: writer)
                logger.info("stopped after \(writer.linesWritten) exchange lines")
                for line in buffered.drain() { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            try DashboardLauncher.run { diagnostics in
                let live = try LiveSources(arguments: [log], format: .exchange, models: ModelCatalog(), diagnostics: diagnostics)
                return DashboardSession(input: .live(live), configuration: resolved.engineConfiguration,
                                        models: live.models, diagnostics: diagnostics, rules: resolved.rules)
            }
            return
        }

        ProcessSignals.install()
        while true {
            let caught = ProcessSignals.take()
            if caught.contains(SIGINT) || caught.contains(SIGTERM) { break }
            if caught.contains(SIGHUP) {
                writer.reopen()
                logger.info("SIGHUP: reopened \(log)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        logger.info("stopping: letting calls in flight finish")
        Self.stop(proxy, writer: writer)
        logger.info("stopped after \(writer.linesWritten) exchange lines")
    }

    private static func stop(_ proxy: RecordProxy, writer: ExchangeLogWriter) {
        _ = try? blocking { await proxy.stop() }
        writer.close()
    }

    /// Runs `operation` in a detached task and waits for it on this thread (the command's main
    /// thread, never one of Swift's cooperative pool, which the proxy's tasks use).
    private static func blocking<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task.detached {
            do { box.result = .success(try await operation()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw CancellationError() }
        return try result.get()
    }
}

/// A value handed from a task to a waiting thread (the semaphore orders the accesses).
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// Messages kept while the screen is open, printed after it is restored (at most 1,000).
final class BufferedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private var dropped = 0

    func append(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        if lines.count < 1000 { lines.append(line) } else { dropped += 1 }
    }

    func drain() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let all = lines + (dropped > 0 ? ["ratetop: \(dropped) more messages not shown"] : [])
        lines = []
        dropped = 0
        return all
    }
}

import Foundation
import RatetopTestSupport
import Testing

/// Shared by the chaos suites (issue 14, "hostile and extreme input").
enum Chaos {
    /// One sample of a Prometheus exposition: the value of the series written exactly `series`
    /// (name and labels as the exporter writes them).
    static func sample(_ exposition: String, _ series: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    /// The body of `GET /metrics` on 127.0.0.1:port, empty when it does not answer.
    static func metrics(port: Int) -> String {
        (try? LoopbackHTTP.get(port: port, path: "/metrics"))?.body ?? ""
    }

    /// The JSON objects of a child's stdout so far (lines that are not JSON are left out).
    static func objects(_ child: ChildProcess) -> [[String: Any]] {
        child.output.split(separator: "\n").compactMap { jsonObject(String($0)) }
    }

    static func states(_ child: ChildProcess) -> [[String: Any]] {
        objects(child).filter { $0["type"] as? String == "state" }
    }

    /// A child's peak resident set (`VmHWM` of /proc/PID/status), in bytes.
    static func peakResidentBytes(pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        return kilobytes.map { $0 * 1024 }
    }

    /// Runs blocking `work` on a thread of its own, never on one of the concurrency pool's: on two
    /// cores the pool has two threads, and the fake servers these tests start in-process answer on
    /// them (a blocking call whose answer needs one of them, on a pool thread, could starve them).
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "chaos-blocking"
            thread.start()
        }
    }

    /// `GET path` on 127.0.0.1:port off the pool; its status, nil when nothing answered.
    static func status(port: Int, path: String) async -> Int? {
        await offPool { (try? LoopbackHTTP.get(port: port, path: path))?.status }
    }

    /// Waits up to `timeout` seconds until the async `condition` holds (checked every 50 ms).
    static func until(timeout: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    /// The wall time since `start`, in whole seconds, for messages.
    static func since(_ start: Date) -> String { "\(Int(Date().timeIntervalSince(start).rounded())) s" }
}

/// A lock-protected value shared with a thread or a task.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    var current: Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func update<T>(_ change: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return change(&value)
    }
}

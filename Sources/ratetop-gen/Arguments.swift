import ArgumentParser
import RatetopSimulation

/// A length of time on the command line: `74d`, `8h`, `90m`, `1h30m`, `2w`.
struct SpanArgument: ExpressibleByArgument, CustomStringConvertible {
    let seconds: Double
    let text: String

    init?(argument: String) {
        guard let seconds = SimulationSpan.seconds(argument) else { return nil }
        self.seconds = seconds
        text = argument
    }

    var description: String { text }
    static var defaultCompletionKind: CompletionKind { .default }
}

/// An instant on the command line: RFC 3339 (`2026-09-21T08:00:00Z`) or a date (`2026-09-21`,
/// midnight UTC).
struct InstantArgument: ExpressibleByArgument, CustomStringConvertible {
    let epochSeconds: Double
    let text: String

    init?(argument: String) {
        guard let seconds = SimulationSpan.instant(argument) else { return nil }
        epochSeconds = seconds
        text = argument
    }

    var description: String { text }
}

/// Writes exchange lines for the attempts of a source to a file in large buffers and reports
/// what it wrote on standard error.
struct ExchangeLogOutput {
    var path: String
    var seed: UInt64
    var includeHeaders: Bool

    /// Writes at most `lines` attempts; returns how many were written.
    @discardableResult
    func write<Source: AttemptSource>(_ source: inout Source, lines: Int) throws -> Int {
        let clock = ContinuousClock()
        let began = clock.now
        var writer = ExchangeLineWriter(seed: seed, includeHeaders: includeHeaders)
        let file = try OutputFile(path: path)
        let flushAt = 8 << 20
        var buffer: [UInt8] = []
        buffer.reserveCapacity(flushAt + 4096)
        var written = 0
        var bytes = 0
        var first = Double.infinity, last = -Double.infinity
        var late = 0
        var newest = -Double.infinity
        while written < lines, let attempt = source.nextAttempt() {
            writer.append(attempt, to: &buffer)
            written += 1
            first = min(first, attempt.end)
            last = max(last, attempt.end)
            if attempt.end < newest { late += 1 }
            newest = max(newest, attempt.end)
            if buffer.count >= flushAt {
                try file.write(buffer)
                bytes += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try file.write(buffer)
        bytes += buffer.count
        try file.close()
        var report = "ratetop-gen: wrote \(written) lines (\(bytes / 1_000_000) MB) to \(path) in \(Self.seconds(since: began, clock))"
        if written > 0 {
            report += "; \(Self.stamp(first)) to \(Self.stamp(last)) (\(Self.duration(last - first)))"
        }
        if late > 0 { report += "; \(late) lines stamped earlier than a line above them" }
        printError(report)
        if written < lines { printError("ratetop-gen: the simulation ended after \(written) lines") }
        return written
    }

    static func seconds(since began: ContinuousClock.Instant, _ clock: ContinuousClock) -> String {
        let elapsed = (clock.now - began).components
        let tenths = Int(elapsed.seconds) * 10 + Int(elapsed.attoseconds / 100_000_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10) s"
    }

    static func stamp(_ epochSeconds: Double) -> String {
        SimulationSpan.format(epochSeconds)
    }

    /// `73d 10h`, `7h 59m`, `12m 3s`.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 86_400 { return "\(whole / 86_400)d \(whole % 86_400 / 3_600)h" }
        if whole >= 3_600 { return "\(whole / 3_600)h \(whole % 3_600 / 60)m" }
        return "\(whole / 60)m \(whole % 60)s"
    }
}

import Foundation
import RatetopCore

/// A stream of events from one source (a file, stdin), in the source's order.
public protocol EventSource: EventStream {
    /// The name used in `file:line` messages.
    var displayName: String { get }
    var format: LogFormat { get }
    /// Non-empty lines read so far.
    var lines: Int { get }
    /// Lines not used, per reason (all but `late`).
    var skipped: SkipCounts { get }
    /// The source its lines count for in `source_stale` (`SourcePaths.alertSource`).
    var alertSource: String { get }
    /// Counts a line whose event the merge dropped as a copy of another file's (a resumed
    /// session's; `MergedEvents`' `dropCopies`) under `duplicate`.
    func skipCopy()
}

/// The events of one file: lines read and handed to the source's `LineDecoding`, problems
/// reported with the file's name.
public final class FileEventSource: EventSource {
    public let path: String
    public var format: LogFormat { decoding.format ?? initialFormat }
    private let initialFormat: LogFormat
    public var alertSource: String
    private let reader: LineReader
    private var decoding: LineDecoding
    private let diagnostics: Diagnostics
    private var events: [Exchange] = []
    private var position = 0
    private var finished = false

    /// `redetect` makes a decoder for another format when the file's lines stop fitting this one
    /// (nil: the format never changes; see `LineDecoding`).
    public init(path: String, index: Int32, reader: LineReader, format: LogFormat, decoder: any LogDecoder, diagnostics: Diagnostics,
                redetect: ((LogFormat) -> (any LogDecoder)?)? = nil) {
        self.path = path
        self.reader = reader
        initialFormat = format
        let name = path == SourcePaths.stdin ? "<stdin>" : path
        alertSource = name
        decoding = LineDecoding(decoder: decoder, source: index, format: format, makeDecoder: redetect)
        decoding.onSwitch = LineDecoding.announce(name, to: diagnostics)
        decoding.untimedLineTime = Self.untimedLineTime(path: path)
        self.diagnostics = diagnostics
        events.reserveCapacity(8)
    }

    /// The display name used in `file:line` messages.
    public var displayName: String { path == SourcePaths.stdin ? "<stdin>" : path }
    /// Non-empty lines read.
    public var lines: Int { decoding.lines }
    /// Lines not used, per reason (all but `late`).
    public var skipped: SkipCounts {
        var skipped = decoding.skipped
        skipped[.duplicate] += copies
        return skipped
    }
    /// Lines whose event the merge dropped as a copy.
    private var copies = 0

    public func skipCopy() { copies += 1 }

    /// The next event in file order, or nil at the end.
    @inline(__always)
    public func next() -> Exchange? {
        if position < events.count {
            position += 1
            return events[position - 1]
        }
        return refill()
    }

    private func refill() -> Exchange? {
        events.removeAll(keepingCapacity: true)
        position = 0
        let name = displayName
        let diagnostics = self.diagnostics
        let report: (Int, String) -> Void = { diagnostics.malformed(path: name, line: $0, reason: $1) }
        while events.isEmpty {
            guard !finished else { return nil }
            guard let line = reader.next() else {
                finished = true
                decoding.finish(into: &events, report: report)
                reader.release()
                if decoding.placedUntimedLines > 0, let time = decoding.untimedLineTime {
                    diagnostics.notice(Self.untimedNotice(name: name, count: decoding.placedUntimedLines, at: time,
                                                          stdin: path == SourcePaths.stdin))
                }
                break
            }
            decoding.take(line.bytes, number: line.number, oversized: line.oversized, unterminated: line.unterminated,
                          into: &events, report: report)
        }
        guard !events.isEmpty else { return nil }
        position = 1
        return events[0]
    }

    /// Where a replay places lines without a time (`claude -p` output): at the file's last
    /// modification, the one time the file itself tells; stdin's when the replay started.
    static func untimedLineTime(path: String) -> Double {
        var status = stat()
        guard path != SourcePaths.stdin, stat(path, &status) == 0 else { return Date().timeIntervalSince1970 }
        return Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
    }

    /// The one line a replay says about lines it placed in time itself.
    static func untimedNotice(name: String, count: Int, at time: Double, stdin: Bool) -> String {
        "\(name): \(count) line\(count == 1 ? "" : "s") of `claude -p` output carry no time: placed at "
            + (stdin ? "the time the replay started" : "the file's modification time") + " (\(RFC3339.format(time, fractionDigits: 0)))"
    }
}

import RatetopCore

/// A stream of events from one source (a file, stdin), in the source's order.
public protocol EventSource: EventStream {
    /// The name used in `file:line` messages.
    var displayName: String { get }
    var format: LogFormat { get }
    /// Non-empty lines read so far.
    var lines: Int { get }
    /// Lines that repeated an exchange already counted.
    var duplicates: Int { get }
}

/// The events of one file: lines read, decoded with the file's format, problems reported.
public final class FileEventSource: EventSource {
    public let path: String
    public let format: LogFormat
    private let index: Int32
    private let reader: LineReader
    private var decoder: any LogDecoder
    private let diagnostics: Diagnostics
    private var events: [Exchange] = []
    private var position = 0
    private var finished = false
    /// Non-empty lines read.
    public private(set) var lines = 0
    /// Lines that repeated an exchange already counted.
    public private(set) var duplicates = 0

    public init(path: String, index: Int32, reader: LineReader, format: LogFormat, decoder: any LogDecoder, diagnostics: Diagnostics) {
        self.path = path
        self.index = index
        self.reader = reader
        self.format = format
        self.decoder = decoder
        self.diagnostics = diagnostics
        events.reserveCapacity(64)
    }

    /// The display name used in `file:line` messages.
    public var displayName: String { path == SourcePaths.stdin ? "<stdin>" : path }

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
        while events.isEmpty {
            guard !finished else { return nil }
            guard let line = reader.next() else {
                finished = true
                decoder.flush(into: &events, final: true)
                for problem in decoder.takeProblems() {
                    diagnostics.malformed(path: displayName, line: problem.line, reason: problem.reason)
                }
                break
            }
            if line.oversized {
                lines += 1
                diagnostics.malformed(path: displayName, line: line.number,
                                      reason: "line longer than \(LineReader.defaultMaxLineBytes >> 20) MiB, skipped")
                continue
            }
            if line.bytes.isBlankLine { continue }
            lines += 1
            let outcome = decoder.decode(line: line.bytes, origin: LineOrigin(source: index, line: line.number), into: &events)
            // Decoders that hold events back (transcripts keep a streamed response until its
            // final snapshot) release what is settled.
            decoder.flush(into: &events, final: false)
            switch outcome {
            case .decoded, .ignored:
                break
            case .duplicate:
                duplicates += 1
            case .malformed(let reason):
                diagnostics.malformed(path: displayName, line: line.number,
                                      reason: line.unterminated ? "\(reason) (the file ends without a newline: truncated?)" : reason)
            }
        }
        guard !events.isEmpty else { return nil }
        position = 1
        return events[0]
    }
}

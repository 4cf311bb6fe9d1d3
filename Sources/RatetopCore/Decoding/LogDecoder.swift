/// The log formats ratetop reads.
public enum LogFormat: String, CaseIterable, Sendable {
    case exchange
    case claudeCode = "claude-code"
    case litellm
    case usageReport = "usage-report"
}

/// What a decoder made of one line.
public enum LineOutcome: Equatable, Sendable {
    /// The line produced events (appended to the output buffer).
    case decoded
    /// The line is valid but carries no API usage (a user message in a transcript, a header line).
    case ignored
    /// The line repeats an exchange already counted (a streamed transcript snapshot).
    case duplicate
    /// The line is part of a document spread over many lines, decoded at its end (`flush`):
    /// used if the document decodes, counted with it as malformed if not.
    case held
    /// The line is broken; the reason is shown to the user with the file and line.
    case malformed(String)
}

/// Turns lines of one source into `Exchange` events.
///
/// Decoders are pure: they get the bytes of one line (without the newline) and append zero or
/// more events. Decoders that must look ahead (to keep the final snapshot of a streamed
/// response) hold events back and release them from `flush`.
public protocol LogDecoder {
    /// Decodes one line. `origin` identifies it for reporting.
    mutating func decode(line: UnsafeRawBufferPointer, origin: LineOrigin, into events: inout [Exchange]) -> LineOutcome

    /// Releases events held back; `final` is true at the end of the input.
    mutating func flush(into events: inout [Exchange], final: Bool)

    /// Problems found while flushing (a whole document that did not decode), as the line the
    /// problem is reported on and the reason; emptied by the call.
    mutating func takeProblems() -> [(line: Int, reason: String)]

    /// Where lines that carry no time (`claude -p` output) are placed: the reader's best
    /// knowledge of when they were written (the wall time a live line arrived, a saved file's
    /// modification time); nil leaves them malformed. Formats whose lines all carry a time ignore it.
    var untimedLineTime: Double? { get set }

    /// How many lines were placed at `untimedLineTime` so far.
    var placedUntimedLines: Int { get }

    /// Reads a line from before where reading starts (`watch` skips a file's older history)
    /// for what later lines refer back to: a transcript's API error names no model, the
    /// session's earlier lines do. Produces and counts nothing.
    mutating func recall(line: UnsafeRawBufferPointer)
}

extension LogDecoder {
    public mutating func flush(into events: inout [Exchange], final: Bool) {}
    public mutating func takeProblems() -> [(line: Int, reason: String)] { [] }
    public var untimedLineTime: Double? {
        get { nil }
        set {}  // swiftlint:disable:this unused_setter_value
    }
    public var placedUntimedLines: Int { 0 }
    public mutating func recall(line: UnsafeRawBufferPointer) {}
}

import RatetopCore

/// What a replay's input gave when it has no event at all (every line read, none used), and
/// what to make of it:
///
/// - lines were read and every one failed to decode (malformed, out of range, oversized, of no
///   known format): the input is not a log ratetop reads — `refusal`, exit 2;
/// - no line at all (an empty file), or lines of a known format that carry no usage (a
///   transcript of user messages, duplicates): a quiet log, not an error — `notice`, exit 0
///   with the (empty) summary.
public struct ReplayInput: Sendable, Equatable {
    public var files: Int
    public var lines: Int
    public var skipped: SkipCounts

    public init(files: Int, lines: Int, skipped: SkipCounts) {
        self.files = files
        self.lines = lines
        self.skipped = skipped
    }

    /// The reasons that mean a line did not decode.
    static let undecodable: [SkipReason] = [.malformed, .outOfRange, .oversized, .unknownFormat]

    private var filesText: String { "\(files) file\(files == 1 ? "" : "s")" }

    private var reasons: String {
        SkipReason.allCases.filter { skipped[$0] > 0 }.map { "\(skipped[$0]) \($0.key)" }.joined(separator: ", ")
    }

    /// The one line of an input with no event in which no line decoded; nil when the input was
    /// empty or some line was understood.
    public var refusal: String? {
        guard lines > 0, Self.undecodable.reduce(0, { $0 + skipped[$1] }) >= lines else { return nil }
        return "replay: no usable line in \(filesText) (\(reasons)); nothing to replay"
    }

    /// The one line of an input with no event that is still a log (empty, or no line with
    /// usage); nil when `refusal` applies.
    public var notice: String? {
        guard refusal == nil else { return nil }
        if lines == 0 { return "replay: \(filesText), no lines; nothing to replay" }
        return "replay: no line with API usage in \(filesText) (\(reasons)); nothing to replay"
    }
}

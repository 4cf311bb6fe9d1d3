/// Why a line was not used. Every line ratetop reads and does not use counts under exactly one
/// reason, in the summary's `skipped_lines`: never a silent zero.
public enum SkipReason: Int, CaseIterable, Sendable {
    /// Not a JSON line of the format, or a field that does not decode.
    case malformed
    /// A number or time outside what `Plausible` accepts (a token count past 10^12, a year 0 stamp).
    case outOfRange
    /// Longer than the line cap: skipped whole.
    case oversized
    /// A JSON object no format ratetop reads recognises (another producer's line, a missing
    /// key that every format needs).
    case unknownFormat
    /// A line of the format that carries no API usage (a user message, a header, a line type
    /// without usage).
    case noUsage
    /// A repeat of a response already counted (a streamed snapshot, a resumed session's copy).
    case duplicate
    /// Stamped too long before lines already applied: in the totals, not in the buckets.
    case late

    /// The key in `skipped_lines`.
    public var key: String {
        switch self {
        case .malformed: "malformed"
        case .outOfRange: "out_of_range"
        case .oversized: "oversized"
        case .unknownFormat: "unknown_format"
        case .noUsage: "no_usage"
        case .duplicate: "duplicate"
        case .late: "late"
        }
    }

    /// The reason a problem found while decoding `line` falls under: an out-of-range number;
    /// a whole JSON object that no format recognises (`looksLike`: what
    /// `LogFormatDetector.classify` made of the line); else a broken line.
    public static func of(problem reason: String, line: UnsafeRawBufferPointer, looksLike: LogFormat?) -> SkipReason {
        if Plausible.isRangeProblem(reason) { return .outOfRange }
        guard looksLike == nil else { return .malformed }
        var cursor = JSONCursor(line)
        guard cursor.peek() == UInt8(ascii: "{") else { return .malformed }
        do throws(JSONScanError) {
            try cursor.skipValue()
            return cursor.atEnd() ? .unknownFormat : .malformed
        } catch {
            return .malformed
        }
    }
}

/// Lines counted per `SkipReason`. Plain stored counts (no heap storage): readers count every
/// line into one and hand it on per line.
public struct SkipCounts: Sendable, Equatable {
    private var malformed = 0, outOfRange = 0, oversized = 0, unknownFormat = 0, noUsage = 0, duplicate = 0, late = 0

    public init() {}

    public subscript(reason: SkipReason) -> Int {
        get {
            switch reason {
            case .malformed: malformed
            case .outOfRange: outOfRange
            case .oversized: oversized
            case .unknownFormat: unknownFormat
            case .noUsage: noUsage
            case .duplicate: duplicate
            case .late: late
            }
        }
        set {
            switch reason {
            case .malformed: malformed = newValue
            case .outOfRange: outOfRange = newValue
            case .oversized: oversized = newValue
            case .unknownFormat: unknownFormat = newValue
            case .noUsage: noUsage = newValue
            case .duplicate: duplicate = newValue
            case .late: late = newValue
            }
        }
    }

    public mutating func add(_ other: SkipCounts) {
        malformed.addSaturating(other.malformed)
        outOfRange.addSaturating(other.outOfRange)
        oversized.addSaturating(other.oversized)
        unknownFormat.addSaturating(other.unknownFormat)
        noUsage.addSaturating(other.noUsage)
        duplicate.addSaturating(other.duplicate)
        late.addSaturating(other.late)
    }

    public static func + (lhs: SkipCounts, rhs: SkipCounts) -> SkipCounts {
        var sum = lhs
        sum.add(rhs)
        return sum
    }

    /// Lines that did not decode: malformed, out of range, oversized or of no known format
    /// (the summary's `malformed_lines`).
    public var undecodable: Int {
        var sum = 0
        for reason in [SkipReason.malformed, .outOfRange, .oversized, .unknownFormat] { sum.addSaturating(self[reason]) }
        return sum
    }

    /// Every line skipped, whatever the reason.
    public var total: Int {
        var sum = 0
        for reason in SkipReason.allCases { sum.addSaturating(self[reason]) }
        return sum
    }
}

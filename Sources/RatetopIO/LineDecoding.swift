import RatetopCore

/// What every reader does with one source's lines, written once for the sequential reader
/// (`FileEventSource`), the parallel one's workers (`ParallelFileEventSource`) and the followed
/// files of `watch` (`LiveSources`): a line longer than the cap is counted and reported, a
/// blank line is skipped, any other line is counted and decoded, what the decoder holds back is
/// released as it settles, and every line not used is counted under its `SkipReason`; broken
/// lines are reported with their number (noting when the file ends mid-line).
///
/// **Re-detection.** A file's format is guessed from its first lines; when a later line does
/// not decode and looks like another format (`LogFormatDetector.classify`), the decoder is
/// switched to that format (what the old one held back is released first) and the line decoded
/// again: a transcript that opens with lines no format claims, or a file another tool appended
/// to, is read, not lost. Not when the format was forced or the file is one document.
struct LineDecoding {
    var decoder: any LogDecoder
    /// The source index events are stamped with.
    let source: Int32
    /// The longest line read (longer ones are skipped whole), for the message.
    let maxLineBytes: Int
    /// The format being read, when it may change (nil: forced, or a whole document).
    private(set) var format: LogFormat?
    /// A decoder for another format (nil: the format never changes; returning nil: not to that one).
    private let makeDecoder: ((LogFormat) -> (any LogDecoder)?)?
    /// Told of a switch of format: the line, the old format, the new one.
    var onSwitch: ((Int, LogFormat, LogFormat) -> Void)?
    /// Non-empty lines taken (oversized ones included).
    private(set) var lines = 0
    /// Lines not used, per reason (all but `late`, which the Monitor decides).
    private(set) var skipped = SkipCounts()
    /// Lines of a document not decoded yet (`.held`): used with it, or malformed with it.
    private var heldLines = 0
    /// How many times the format was switched.
    private(set) var switches = 0

    init(decoder: any LogDecoder, source: Int32, maxLineBytes: Int = LineReader.defaultMaxLineBytes,
         format: LogFormat? = nil, makeDecoder: ((LogFormat) -> (any LogDecoder)?)? = nil) {
        self.decoder = decoder
        self.source = source
        self.maxLineBytes = maxLineBytes
        self.format = makeDecoder == nil ? nil : format
        self.makeDecoder = format == nil ? nil : makeDecoder
    }

    /// One line (without its newline); problems go to `report(line, reason)`.
    @inline(__always)
    mutating func take(_ bytes: UnsafeRawBufferPointer, number: Int, oversized: Bool = false, unterminated: Bool = false,
                       into events: inout [Exchange], report: (Int, String) -> Void) {
        if oversized {
            lines += 1
            skipped[.oversized] += 1
            report(number, "line longer than \(maxLineBytes >> 20) MiB, skipped")
            return
        }
        guard !bytes.isBlankLine else { return }
        lines += 1
        var outcome = decode(bytes, number: number, into: &events)
        // What a line that did not decode looks like: read once, for the switch and the reason.
        var looksLike: LogFormat?
        if case .malformed = outcome {
            looksLike = LogFormatDetector.classify(bytes)
            if let other = looksLike, switchFormat(to: other, number: number, into: &events, report: report) {
                outcome = decode(bytes, number: number, into: &events)
            }
        }
        switch outcome {
        case .decoded:
            break
        case .ignored:
            skipped[.noUsage] += 1
        case .duplicate:
            skipped[.duplicate] += 1
        case .held:
            heldLines += 1
        case .malformed(let reason):
            skipped[SkipReason.of(problem: reason, line: bytes, looksLike: looksLike)] += 1
            report(number, unterminated ? "\(reason) (the file ends without a newline: truncated?)" : reason)
        }
    }

    @inline(__always)
    private mutating func decode(_ bytes: UnsafeRawBufferPointer, number: Int, into events: inout [Exchange]) -> LineOutcome {
        let outcome = decoder.decode(line: bytes, origin: LineOrigin(source: source, line: number), into: &events)
        // Decoders that hold events back (transcripts keep a streamed response until its final
        // snapshot) release what is settled.
        decoder.flush(into: &events, final: false)
        return outcome
    }

    /// Switches to the format a line that did not decode looks like, if that is another.
    private mutating func switchFormat(to other: LogFormat, number: Int, into events: inout [Exchange],
                                       report: (Int, String) -> Void) -> Bool {
        guard let makeDecoder, let current = format, other != current, let next = makeDecoder(other) else {
            return false
        }
        finish(into: &events, report: report)
        decoder = next
        decoder.untimedLineTime = untimedLineTime
        format = other
        switches += 1
        onSwitch?(number, current, other)
        return true
    }

    /// A line from before where reading starts, for what later lines refer back to (never counted).
    mutating func recall(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isBlankLine else { return }
        decoder.recall(line: bytes)
    }

    /// A switch handler that tells `diagnostics` (the first few switches of a file: a file
    /// that mixes formats line by line would say it on every line).
    static func announce(_ name: String, to diagnostics: Diagnostics) -> (Int, LogFormat, LogFormat) -> Void {
        announce(name) { diagnostics.notice($0) }
    }

    /// The same, handing the notice to `say` (a decoding thread keeps it for the consumer).
    static func announce(_ name: String, _ say: @escaping (String) -> Void) -> (Int, LogFormat, LogFormat) -> Void {
        var told = 0
        return { line, from, to in
            told += 1
            guard told <= 3 else { return }
            say("\(name):\(line): the lines look like \(to.rawValue), not \(from.rawValue), from here: read as \(to.rawValue)"
                + (told == 3 ? " (further switches in this file not reported)" : ""))
        }
    }

    /// The end of the input, or a break in it (rotation, an idle followed file): releases
    /// everything the decoder holds back and reports what it found only then.
    mutating func finish(into events: inout [Exchange], report: (Int, String) -> Void) {
        decoder.flush(into: &events, final: true)
        let problems = decoder.takeProblems()
        // A document that did not decode loses all its lines; one that did uses them.
        skipped[.malformed] += heldLines > 0 && !problems.isEmpty ? heldLines + problems.count - 1 : problems.count
        heldLines = 0
        for problem in problems { report(problem.line, problem.reason) }
    }

    /// Where lines without a time are placed (see `LogDecoder.untimedLineTime`); kept across a
    /// switch of decoder. Set it only when it changes: it is read on every line.
    var untimedLineTime: Double? {
        didSet { decoder.untimedLineTime = untimedLineTime }
    }

    /// Lines placed at `untimedLineTime` by this decoder (a switch starts again from 0).
    var placedUntimedLines: Int { decoder.placedUntimedLines }

    /// The lines skipped since the last call, per reason.
    mutating func takeSkipped() -> SkipCounts {
        defer { skipped = SkipCounts() }
        return skipped
    }
}

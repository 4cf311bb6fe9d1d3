import RatetopCore

/// What every reader does with one source's lines, written once for the sequential reader
/// (`FileEventSource`), the parallel one's workers (`ParallelFileEventSource`) and the followed
/// files of `watch` (`LiveSources`): a line longer than the cap is counted and reported, a
/// blank line is skipped, any other line is counted and decoded, what the decoder holds back is
/// released as it settles, repeats are counted, and broken lines are reported with their
/// number (noting when the file ends mid-line).
struct LineDecoding {
    var decoder: any LogDecoder
    /// The source index events are stamped with.
    let source: Int32
    /// The longest line read (longer ones are skipped whole), for the message.
    let maxLineBytes: Int
    /// Non-empty lines taken (oversized ones included).
    private(set) var lines = 0
    /// Lines that repeated an exchange already counted.
    private(set) var duplicates = 0

    init(decoder: any LogDecoder, source: Int32, maxLineBytes: Int = LineReader.defaultMaxLineBytes) {
        self.decoder = decoder
        self.source = source
        self.maxLineBytes = maxLineBytes
    }

    /// One line (without its newline); problems go to `report(line, reason)`.
    @inline(__always)
    mutating func take(_ bytes: UnsafeRawBufferPointer, number: Int, oversized: Bool = false, unterminated: Bool = false,
                       into events: inout [Exchange], report: (Int, String) -> Void) {
        if oversized {
            lines += 1
            report(number, "line longer than \(maxLineBytes >> 20) MiB, skipped")
            return
        }
        guard !bytes.isBlankLine else { return }
        lines += 1
        let outcome = decoder.decode(line: bytes, origin: LineOrigin(source: source, line: number), into: &events)
        // Decoders that hold events back (transcripts keep a streamed response until its final
        // snapshot) release what is settled.
        decoder.flush(into: &events, final: false)
        switch outcome {
        case .decoded, .ignored:
            break
        case .duplicate:
            duplicates += 1
        case .malformed(let reason):
            report(number, unterminated ? "\(reason) (the file ends without a newline: truncated?)" : reason)
        }
    }

    /// The end of the input, or a break in it (rotation, an idle followed file): releases
    /// everything the decoder holds back and reports what it found only then.
    mutating func finish(into events: inout [Exchange], report: (Int, String) -> Void) {
        decoder.flush(into: &events, final: true)
        for problem in decoder.takeProblems() { report(problem.line, problem.reason) }
    }
}

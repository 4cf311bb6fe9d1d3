// Shared by every fuzz target (compiled into each one by scripts/fuzz; not part of the package).
//
// What the targets have in common: the input cut into lines the way `LineReader` cuts a file
// (split on `\n`, a trailing `\r` dropped, blank lines skipped), each line handed to a decoder
// in an allocation of its own so that AddressSanitizer sees a read past the line's end (the real
// reader lends slices of a larger buffer, where such a read goes unnoticed), the bundled limits
// table, and a sink that keeps the optimizer from dropping the output the targets build.
import RatetopCore

enum Fuzz {
    // MARK: Lines

    /// The lines of `input` as `LineReader` gives them: split on `\n`, a trailing `\r` dropped.
    /// The last line counts even without its newline.
    static func lineRanges(_ input: UnsafeRawBufferPointer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < input.count {
            if input[index] == 0x0A {
                ranges.append(start..<trimmed(input, start, index))
                start = index + 1
            }
            index += 1
        }
        if start < input.count { ranges.append(start..<trimmed(input, start, input.count)) }
        return ranges
    }

    private static func trimmed(_ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
        end > start && input[end - 1] == 0x0D ? end - 1 : end
    }

    /// `LineReader`'s blank line: only spaces, tabs and carriage returns.
    static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
        return true
    }

    /// Calls `body` with a private, exactly sized heap copy of `bytes` (AddressSanitizer reports
    /// a read one byte past it).
    static func withPrivateCopy<R>(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
        defer { copy.deallocate() }
        if bytes.count > 0 { copy.copyMemory(from: bytes) }
        return body(UnsafeRawBufferPointer(start: copy.baseAddress, count: bytes.count))
    }

    /// Every non-blank line of `input` in its own allocation, with its 1-based line number.
    static func eachLine(_ input: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, Int) -> Void) {
        for (offset, range) in lineRanges(input).enumerated() {
            let line = UnsafeRawBufferPointer(rebasing: input[range])
            guard !isBlank(line) else { continue }
            withPrivateCopy(line) { body($0, offset + 1) }
        }
    }

    /// What `LineDecoding` does with one source's lines: blank lines skipped, every other line
    /// decoded, what the decoder holds back released as it settles, everything released at the
    /// end. Returns the events and how many lines were malformed.
    static func decodeLines(_ input: UnsafeRawBufferPointer, with decoder: inout any LogDecoder, source: Int32 = 0)
        -> (events: [Exchange], lines: Int, malformed: Int, duplicates: Int) {
        var events: [Exchange] = []
        var lines = 0
        var malformed = 0
        var duplicates = 0
        eachLine(input) { line, number in
            lines += 1
            let outcome = decoder.decode(line: line, origin: LineOrigin(source: source, line: number), into: &events)
            decoder.flush(into: &events, final: false)
            switch outcome {
            case .malformed(let reason): malformed += 1; sink(reason.utf8.count)
            case .duplicate: duplicates += 1
            case .decoded, .ignored, .held: break
            }
        }
        decoder.flush(into: &events, final: true)
        malformed += decoder.takeProblems().count
        return (events, lines, malformed, duplicates)
    }

    // MARK: The limits table

    /// The limits table that ships with ratetop (`Sources/RatetopIO/Resources/limits-table.yaml`,
    /// compiled in by scripts/fuzz as `bundledLimitsTableText`).
    static let bundledTable: LimitsTable = {
        do {
            return try LimitsTable.decode(bundledLimitsTableText)
        } catch {
            fatalError("the bundled limits table does not decode: \(error)")
        }
    }()

    // MARK: Output

    /// Keeps what the targets compute from being optimized away.
    nonisolated(unsafe) static var checksum = 0

    @inline(never)
    static func sink(_ value: Int) { checksum &+= value }

    @inline(never)
    static func sink(_ text: String) { checksum &+= text.utf8.count }

    /// Reads every field of the events (as the engine and the output would).
    static func consume(_ events: [Exchange], models: ModelCatalog) {
        for event in events {
            sink(Int(truncatingIfNeeded: event.end.bitPattern &+ event.start.bitPattern &+ event.headersAt.bitPattern))
            sink(models.name(event.model).utf8.count)
            sink(event.status &+ event.requests &+ event.usage.inputTokens &+ event.usage.outputTokens)
            sink(event.usage.cacheReadInputTokens &+ event.usage.cacheCreationInputTokens &+ event.usage.cacheCreation1hInputTokens)
            sink(Int(event.errorKind.rawValue) &+ (event.limitedDimension == nil ? 0 : 1) &+ (event.isBatch ? 1 : 0))
            if event.hasHeaders {
                sink(event.headers.limit.requests &+ event.headers.remaining.inputTokens &+ event.headers.tokensRemaining)
            }
        }
    }
}

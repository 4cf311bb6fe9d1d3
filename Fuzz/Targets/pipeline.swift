// Fuzz target `pipeline`: a whole replay, lines to summary, as `ratetop replay --headless
// --emit state,alerts,summary` runs it: the input's lines decoded in the format its first byte
// chooses, the events merged by time (`MergedEvents`) and played by Core's `ReplaySchedule`
// through a `Monitor` (engine, buckets, windows, trend, totals, the built-in alert rules and the
// sources' staleness), a `state` line at every tick, an `alert` line at every transition and the
// `summary` at the end, on the replay's virtual clock with the decoded timestamps as they are —
// no gap capped, no time clamped. It must neither trap nor hang (libFuzzer's -timeout).
//
// The first byte:
//   `e` exchange, `c` Claude Code transcript, `l` LiteLLM, `u` usage report (a page per line),
//   `d` usage report as one document, anything else: the format detected from the first lines
//   (`LogFormatDetector`, as `SourceOpener` does; exchange when nothing is recognised).
//   Upper case (`E`, `C`, `L`, `U`, `D`): two files (lines dealt alternately to each, merged by
//   time as a replay of two files is) on `--tier tier1`; lower case: one file, no tier.
// The rest of the input is the log.
//
// The only bound is on the number of `state` lines: the tick interval (1 s) is raised so the
// span holds at most `Replay.maxTicks` of them (a replay writes one per interval of log time,
// however far apart the lines are: that is output asked for, not a hang). Lines, times and the
// Monitor's own scheduling are untouched.
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let selector = data[0]
    let log = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    let twoFiles = selector >= UInt8(ascii: "A") && selector <= UInt8(ascii: "Z")
    let lower = twoFiles ? selector + 32 : selector
    let models = ModelCatalog()
    let memory = TranscriptDedupMemory()

    // The lines of each file (one file, or every other line to each of two).
    var files: [[UInt8]] = twoFiles ? [[], []] : [[]]
    for (offset, range) in Fuzz.lineRanges(log).enumerated() {
        files[offset % files.count].append(contentsOf: log[range])
        files[offset % files.count].append(0x0A)
    }

    var streams: [[Exchange]] = []
    var lines = 0
    var malformed = 0
    var duplicates = 0
    for (index, file) in files.enumerated() {
        file.withUnsafeBytes { bytes in
            var decoder = makeDecoder(lower, first: bytes, models: models, memory: memory)
            let result = Fuzz.decodeLines(bytes, with: &decoder, source: Int32(index))
            streams.append(result.events)
            lines += result.lines
            malformed += result.malformed
            duplicates += result.duplicates
        }
    }
    let table = Fuzz.bundledTable
    Replay.run(streams: streams, sourceNames: files.indices.map { "log\($0).jsonl" },
               configuration: EngineConfiguration(table: table, tierID: twoFiles ? "tier1" : nil), models: models,
               interval: 1, lines: lines, malformed: malformed, duplicates: duplicates)
    return 0
}

/// The decoder `SourceOpener` would pick for the format the selector names (or detects).
private func makeDecoder(_ selector: UInt8, first bytes: UnsafeRawBufferPointer, models: ModelCatalog,
                         memory: TranscriptDedupMemory) -> any LogDecoder {
    switch selector {
    case UInt8(ascii: "e"): return ExchangeLogDecoder(models: models)
    case UInt8(ascii: "c"): return ClaudeCodeTranscriptDecoder(models: models, memory: memory)
    case UInt8(ascii: "l"): return LiteLLMDecoder(models: models)
    case UInt8(ascii: "u"): return UsageReportDecoder(models: models)
    case UInt8(ascii: "d"): return DocumentDecoder(models: models)
    default:
        // `SourceOpener.sniff`: the format of the first lines; a usage report whose first line is
        // not a whole JSON value is a pretty-printed document.
        var firstLines: [[UInt8]] = []
        for range in Fuzz.lineRanges(bytes) where firstLines.count < LogFormatDetector.maxLines {
            let line = UnsafeRawBufferPointer(rebasing: bytes[range])
            if !Fuzz.isBlank(line) { firstLines.append(Array(line)) }
        }
        switch LogFormatDetector.detect(lines: firstLines) ?? .exchange {
        case .exchange: return ExchangeLogDecoder(models: models)
        case .claudeCode: return ClaudeCodeTranscriptDecoder(models: models, memory: memory)
        case .litellm: return LiteLLMDecoder(models: models)
        case .usageReport:
            let whole = firstLines.first.map { line in
                line.withUnsafeBytes { raw -> Bool in
                    var cursor = JSONCursor(raw)
                    do throws(JSONScanError) {
                        try cursor.skipValue()
                        return true
                    } catch {
                        return false
                    }
                }
            } ?? true
            return whole ? UsageReportDecoder(models: models) : DocumentDecoder(models: models)
        }
    }
}

/// RatetopIO's `DocumentDecoder` (internal there): the lines gathered, the whole
/// document decoded at the end.
private struct DocumentDecoder: LogDecoder {
    let models: ModelCatalog
    var text: [UInt8] = []
    var firstLine: LineOrigin?
    var problems: [(line: Int, reason: String)] = []

    init(models: ModelCatalog) { self.models = models }

    mutating func decode(line: UnsafeRawBufferPointer, origin: LineOrigin, into events: inout [Exchange]) -> LineOutcome {
        if firstLine == nil { firstLine = origin }
        text.append(contentsOf: line)
        text.append(0x0A)
        return .ignored
    }

    mutating func flush(into events: inout [Exchange], final: Bool) {
        guard final, !text.isEmpty, let origin = firstLine else { return }
        let (decoded, outcome) = text.withUnsafeBytes { UsageReportDecoder.decodeDocument($0, origin: origin, models: models) }
        events.append(contentsOf: decoded)
        if case .malformed(let reason) = outcome { problems.append((origin.line, reason)) }
        text = []
    }

    mutating func takeProblems() -> [(line: Int, reason: String)] {
        defer { problems = [] }
        return problems
    }
}

import RatetopCore

/// Reads a file that is one JSON document over many lines (pretty-printed): a saved usage
/// report as `curl | jq .` leaves it, or one LiteLLM logging payload per file (its GCS and S3
/// loggers). Gathers the lines and decodes the whole document at the end; its lines are used
/// with it, or counted malformed with it.
struct DocumentDecoder: LogDecoder {
    /// Saved usage reports are pages of minute buckets; anything larger is not one.
    static let maxBytes = 256 << 20
    let models: ModelCatalog
    let format: LogFormat
    private var text: [UInt8] = []
    private var firstLine: LineOrigin?
    private var tooLarge = false
    private var problems: [(line: Int, reason: String)] = []

    /// How messages name the document.
    private var kind: String { format == .usageReport ? "usage report" : format.rawValue }

    init(format: LogFormat, models: ModelCatalog) {
        self.format = format
        self.models = models
    }

    mutating func decode(line: UnsafeRawBufferPointer, origin: LineOrigin, into events: inout [Exchange]) -> LineOutcome {
        if firstLine == nil { firstLine = origin }
        guard !tooLarge else { return .held }
        guard text.count + line.count < Self.maxBytes else {
            tooLarge = true
            text = []
            return .held
        }
        text.append(contentsOf: line)
        text.append(0x0A)
        return .held
    }

    mutating func flush(into events: inout [Exchange], final: Bool) {
        guard final, let origin = firstLine else { return }
        if tooLarge {
            problems.append((origin.line, "\(kind) document larger than \(Self.maxBytes >> 20) MiB, skipped"))
            tooLarge = false
            firstLine = nil
            return
        }
        guard !text.isEmpty else { return }
        let outcome = text.withUnsafeBytes { bytes -> LineOutcome in
            if format == .usageReport {
                let (decoded, outcome) = UsageReportDecoder.decodeDocument(bytes, origin: origin, models: models)
                events.append(contentsOf: decoded)
                return outcome
            }
            var decoder = SourceOpener.makeDecoder(format, models: models)
            let outcome = decoder.decode(line: bytes, origin: origin, into: &events)
            decoder.flush(into: &events, final: true)
            return outcome
        }
        switch outcome {
        case .malformed(let reason): problems.append((origin.line, "\(kind) document: \(reason)"))
        case .ignored, .duplicate, .decoded, .held: break
        }
        text = []
    }

    mutating func takeProblems() -> [(line: Int, reason: String)] {
        defer { problems = [] }
        return problems
    }
}

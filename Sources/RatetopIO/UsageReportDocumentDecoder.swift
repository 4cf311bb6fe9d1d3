import RatetopCore

/// Reads a saved usage report that is one JSON document over many lines (pretty-printed, as
/// `curl | jq .` leaves it): gathers the lines and decodes the whole document at the end.
struct UsageReportDocumentDecoder: LogDecoder {
    /// Saved usage reports are pages of minute buckets; anything larger is not one.
    static let maxBytes = 256 << 20
    let models: ModelCatalog
    private var text: [UInt8] = []
    private var firstLine: LineOrigin?
    private var tooLarge = false
    private var problems: [(line: Int, reason: String)] = []

    init(models: ModelCatalog) {
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
            problems.append((origin.line, "usage report document larger than \(Self.maxBytes >> 20) MiB, skipped"))
            tooLarge = false
            firstLine = nil
            return
        }
        guard !text.isEmpty else { return }
        let (decoded, outcome) = text.withUnsafeBytes { UsageReportDecoder.decodeDocument($0, origin: origin, models: models) }
        events.append(contentsOf: decoded)
        if case .malformed(let reason) = outcome { problems.append((origin.line, "usage report document: \(reason)")) }
        text = []
    }

    mutating func takeProblems() -> [(line: Int, reason: String)] {
        defer { problems = [] }
        return problems
    }
}

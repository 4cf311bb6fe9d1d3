@testable import RatetopCore

/// What a decoder made of a list of lines: the events (after the final flush) and one outcome per line.
struct DecoderRun {
    var events: [Exchange]
    var outcomes: [LineOutcome]
    let models: ModelCatalog
    /// What the decoder found only at the end (`takeProblems` after the final flush).
    var problems: [(line: Int, reason: String)] = []

    var decoded: Int { outcomes.filter { $0 == .decoded }.count }
    var ignored: Int { outcomes.filter { $0 == .ignored }.count }
    var duplicates: Int { outcomes.filter { $0 == .duplicate }.count }
    var malformed: [String] {
        outcomes.compactMap { if case .malformed(let reason) = $0 { return reason } else { return nil } }
    }

    func model(_ event: Exchange) -> String { models.name(event.model) }

    /// Sum of every event's usage.
    var totalUsage: Usage {
        events.reduce(into: Usage()) { sum, event in
            sum.inputTokens += event.usage.inputTokens
            sum.cacheCreationInputTokens += event.usage.cacheCreationInputTokens
            sum.cacheCreation1hInputTokens += event.usage.cacheCreation1hInputTokens
            sum.cacheReadInputTokens += event.usage.cacheReadInputTokens
            sum.outputTokens += event.usage.outputTokens
        }
    }

    var totalRequests: Int { events.reduce(0) { $0 + $1.requests } }
}

/// Splits a multi-line literal into lines, dropping blank ones.
func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        .filter { !$0.allSatisfy(\.isWhitespace) }
}

/// Feeds `lines` to `decoder` like a file reader would: decode each line, flush (not final)
/// after each, and flush with `final` at the end.
func run<D: LogDecoder>(_ decoder: inout D, _ lines: [String], models: ModelCatalog, source: Int32 = 0) -> DecoderRun {
    var events: [Exchange] = []
    var outcomes: [LineOutcome] = []
    for (index, line) in lines.enumerated() {
        var bytes = Array(line.utf8)
        let outcome = bytes.withUnsafeMutableBytes { buffer in
            decoder.decode(line: UnsafeRawBufferPointer(buffer), origin: LineOrigin(source: source, line: index + 1),
                           into: &events)
        }
        outcomes.append(outcome)
        decoder.flush(into: &events, final: false)
    }
    decoder.flush(into: &events, final: true)
    return DecoderRun(events: events, outcomes: outcomes, models: models, problems: decoder.takeProblems())
}

/// Runs a fresh decoder made by `make` over the lines of `text`.
func run<D: LogDecoder>(_ text: String, _ make: (ModelCatalog) -> D) -> DecoderRun {
    let models = ModelCatalog()
    var decoder = make(models)
    return run(&decoder, lines(text), models: models)
}

/// Epoch seconds of an RFC 3339 literal (test inputs are always valid).
func epoch(_ text: String) -> Double { RFC3339.parse(text) ?? .nan }

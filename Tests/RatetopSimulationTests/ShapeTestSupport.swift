import Foundation
import RatetopCore
import RatetopSimulation

/// Helpers shared by the tests of the generated shapes.
enum Shapes {
    /// The lines of a buffer, without their newlines (the buffer must end with one).
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast()
    }

    /// A line as a JSON object (Foundation's parser, independent of ratetop's).
    static func object(_ line: ArraySlice<UInt8>) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw WriterTestError("not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        return object
    }

    /// Runs lines through a ratetop decoder; returns every outcome and the events, flushed.
    static func decode<Decoder: LogDecoder>(_ lines: [ArraySlice<UInt8>], with decoder: inout Decoder, source: Int32 = 0)
        -> (outcomes: [LineOutcome], events: [Exchange]) {
        var outcomes: [LineOutcome] = []
        var events: [Exchange] = []
        for (index, line) in lines.enumerated() {
            let outcome = line.withUnsafeBytes { raw in
                decoder.decode(line: raw, origin: LineOrigin(source: source, line: index + 1), into: &events)
            }
            outcomes.append(outcome)
            decoder.flush(into: &events, final: false)
        }
        decoder.flush(into: &events, final: true)
        return (outcomes, events)
    }

    /// The format ratetop detects for a file's first lines.
    static func detect(_ lines: [ArraySlice<UInt8>]) -> LogFormat? {
        LogFormatDetector.detect(lines: lines.prefix(LogFormatDetector.maxLines * 4).map { Array($0) })
    }

    /// The exchange lines of every attempt of a source.
    static func exchangeLog<Source: AttemptSource>(_ source: inout Source, seed: UInt64 = 7) -> (bytes: [UInt8], attempts: [SimulatedAttempt]) {
        var writer = ExchangeLineWriter(seed: seed)
        var bytes: [UInt8] = []
        var attempts: [SimulatedAttempt] = []
        while let attempt = source.nextAttempt() {
            writer.append(attempt, to: &bytes)
            attempts.append(attempt)
        }
        return (bytes, attempts)
    }

    static func epoch(_ text: String) -> Double {
        SimulationSpan.instant(text) ?? .nan
    }

    /// Monday to Friday, 08:00 to 19:00 UTC.
    static func isWorkingHours(_ time: Double) -> Bool {
        let hour = time.truncatingRemainder(dividingBy: 86_400) / 3_600
        return WorkCalendar.isWeekday(time) && hour >= 8 && hour < 19
    }
}

import Foundation
import Logging

/// swift-log's handler for ratetop: one line per message on stderr, `ratetop: …` (errors and
/// worse say `ratetop: error: …`), never on stdout, which carries the JSON lines.
struct StderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    /// Where a finished line (without its newline) goes: stderr unless told otherwise.
    var write: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let level = event.level >= .error ? "\(event.level): " : ""
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let extra = merged.isEmpty ? "" : " " + merged.keys.sorted().map { "\($0)=\(merged[$0].map { "\($0)" } ?? "")" }.joined(separator: " ")
        write("ratetop: \(level)\(event.message)\(extra)")
    }
}

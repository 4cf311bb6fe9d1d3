#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RatetopCore

/// Opens expanded source paths as event sources: picks each file's format from its first lines
/// (unless one is forced) and the matching decoder.
public enum SourceOpener {
    /// How many leading lines format detection looks at.
    static let detectionLines = 20

    public static func open(paths: [String], format forced: LogFormat?, models: ModelCatalog,
                            diagnostics: Diagnostics) throws(SourceError) -> [FileEventSource] {
        raiseDescriptorLimit()
        // Many files (a transcript directory): smaller buffers keep memory bounded.
        let chunk = max(16 << 10, min(1 << 20, (64 << 20) / max(1, paths.count)))
        var sources: [FileEventSource] = []
        for (index, path) in paths.enumerated() {
            var format = forced ?? .exchange
            if forced == nil, let detected = try detect(path: path) { format = detected }
            let reader: LineReader
            if path == SourcePaths.stdin {
                reader = LineReader(descriptor: STDIN_FILENO, ownsDescriptor: false, chunkBytes: chunk)
            } else {
                reader = try LineReader(path: path, chunkBytes: chunk)
            }
            sources.append(FileEventSource(path: path, index: Int32(index), reader: reader, format: format,
                                           decoder: makeDecoder(format, models: models), diagnostics: diagnostics))
        }
        return sources
    }

    /// A decoder for a format.
    public static func makeDecoder(_ format: LogFormat, models: ModelCatalog) -> any LogDecoder {
        switch format {
        case .exchange, .claudeCode, .litellm, .usageReport: ExchangeLogDecoder(models: models)
        }
    }

    /// The format of a file from its first lines; nil when undecidable (stdin is not sniffed).
    static func detect(path: String) throws(SourceError) -> LogFormat? {
        guard path != SourcePaths.stdin else { return nil }
        let reader = try LineReader(path: path, chunkBytes: 64 << 10)
        var lines: [[UInt8]] = []
        while lines.count < detectionLines, let line = reader.next() {
            if !line.bytes.isEmpty { lines.append(Array(line.bytes)) }
        }
        return lines.isEmpty ? nil : .exchange
    }

    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

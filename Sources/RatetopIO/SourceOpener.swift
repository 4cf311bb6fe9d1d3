#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RatetopCore

/// Opens expanded source paths as event sources: picks each file's format from its first lines
/// (unless one is forced) and the matching decoder.
public enum SourceOpener {
    /// Files at least this large are decoded on several threads.
    public static let parallelThreshold = 16 << 20
    /// Decoding threads: one per core, at most 4.
    public static var workers: Int { max(1, min(4, sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Where a resumed session's copies of older messages (Claude Code transcripts) are found.
    public enum CopiesAcrossFiles: Sendable {
        /// One memory shared by the decoders of every file: for a reader that takes the files
        /// one after another, without merging them (`plan`).
        case sharedMemory
        /// Each file its own memory (its decoding depends on nothing else, so it can run on
        /// another thread); the merge drops the copies (`MergedEvents(_:dropCopies:onCopy:)`).
        case atMerge
    }

    static func fileSize(_ path: String) -> Int {
        guard path != SourcePaths.stdin else { return 0 }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : 0
    }

    public static func open(paths: [String], format forced: LogFormat?, models: ModelCatalog,
                            diagnostics: Diagnostics, parallelThreshold: Int = SourceOpener.parallelThreshold,
                            groupBy: String? = nil, groups: ModelCatalog? = nil, copies: CopiesAcrossFiles = .sharedMemory,
                            prefetch: Prefetch = .off) throws(SourceError) -> [any EventSource] {
        try open(paths: paths.map { SourcePaths.Named(path: $0, argument: $0) }, format: forced, models: models,
                 diagnostics: diagnostics, parallelThreshold: parallelThreshold, groupBy: groupBy, groups: groups,
                 copies: copies, prefetch: prefetch)
    }

    /// The same, knowing which argument named each file (what `source_stale` counts them under).
    ///
    /// With `copies: .atMerge`, `prefetch` may decode the files ahead of the merge on worker
    /// threads (`PrefetchPool`): when there are at least `prefetch.minFiles` of them besides
    /// stdin, and no `groupBy`.
    public static func open(paths named: [SourcePaths.Named], format forced: LogFormat?, models: ModelCatalog,
                            diagnostics: Diagnostics, parallelThreshold: Int = SourceOpener.parallelThreshold,
                            groupBy: String? = nil, groups: ModelCatalog? = nil, copies: CopiesAcrossFiles = .sharedMemory,
                            prefetch: Prefetch = .off) throws(SourceError) -> [any EventSource] {
        let paths = named.map(\.path)
        raiseDescriptorLimit()
        // Many files (a transcript directory): smaller buffers keep memory bounded.
        let chunk = max(16 << 10, min(1 << 20, (16 << 20) / max(1, paths.count)))
        var sources: [any EventSource] = []
        // Claude Code re-writes old messages into a resumed session's file: dedup across files.
        let transcriptMemory = TranscriptDedupMemory()
        let files = paths.count(where: { $0 != SourcePaths.stdin })
        let pool = copies == .atMerge && groupBy == nil && prefetch.workers > 0 && files >= prefetch.minFiles
            ? PrefetchPool(prefetch) : nil
        for (index, path) in paths.enumerated() {
            let reader: LineReader
            if path == SourcePaths.stdin {
                reader = LineReader(descriptor: STDIN_FILENO, ownsDescriptor: false, chunkBytes: chunk)
            } else {
                reader = try LineReader(path: path, chunkBytes: chunk)
            }
            let head = reader.peekLines(LogFormatDetector.maxLines)
            let sniffed = sniff(head)
            let format = forced ?? sniffed.format ?? .exchange
            if format == .litellm { sayHowNaiveTimesAreRead(head, name: path == SourcePaths.stdin ? "<stdin>" : path, diagnostics) }
            if workers > 1, groupBy == nil, ParallelFileEventSource.supports(format), !sniffed.isDocument,
               paths.count <= 4, fileSize(path) >= parallelThreshold {
                sources.append(try ParallelFileEventSource(path: path, index: Int32(index), format: format, models: models,
                                                           diagnostics: diagnostics, workers: workers, redetect: forced == nil))
                continue
            }
            let memory = copies == .sharedMemory ? transcriptMemory : TranscriptDedupMemory()
            if let pool, path != SourcePaths.stdin {
                // Decoded on the pool's threads: a catalog of its own, translated by the consumer.
                let catalog = ModelCatalog()
                let decoderFor = decoders(models: catalog, transcriptMemory: memory, groupBy: nil, groups: nil)
                let job = PrefetchJob(path: path, index: Int32(index), reader: reader, format: format,
                                      decoder: sniffed.isDocument ? DocumentDecoder(format: format, models: catalog) : decoderFor(format),
                                      catalog: catalog, redetect: forced != nil || sniffed.isDocument ? nil : decoderFor)
                let source = PrefetchedFileEventSource(pool: pool, slot: pool.add(job), path: path, format: format, models: models,
                                                       diagnostics: diagnostics)
                source.alertSource = SourcePaths.alertSource(path: path, argument: named[index].argument, format: format)
                sources.append(source)
                continue
            }
            let decoderFor = decoders(models: models, transcriptMemory: memory, groupBy: groupBy, groups: groups)
            let source = FileEventSource(path: path, index: Int32(index), reader: reader, format: format,
                                         decoder: sniffed.isDocument ? DocumentDecoder(format: format, models: models) : decoderFor(format),
                                         diagnostics: diagnostics,
                                         // A forced format, or a document, is not re-detected.
                                         redetect: forced != nil || sniffed.isDocument ? nil : decoderFor)
            source.alertSource = SourcePaths.alertSource(path: path, argument: named[index].argument, format: format)
            sources.append(source)
        }
        pool?.start()
        return sources
    }

    /// The decoder of each format for the files of one source (what a file starts with, and
    /// what it switches to when its lines are re-detected).
    static func decoders(models: ModelCatalog, transcriptMemory: TranscriptDedupMemory, groupBy: String?,
                         groups: ModelCatalog?) -> (LogFormat) -> any LogDecoder {
        { format in makeDecoder(format, models: models, transcriptMemory: transcriptMemory, groupBy: groupBy, groups: groups) }
    }

    /// A decoder for a format's lines (a file that is one document gets a `DocumentDecoder`).
    public static func makeDecoder(_ format: LogFormat, models: ModelCatalog,
                                   transcriptMemory: TranscriptDedupMemory = TranscriptDedupMemory(),
                                   groupBy: String? = nil, groups: ModelCatalog? = nil) -> any LogDecoder {
        switch format {
        case .exchange: ExchangeLogDecoder(models: models, groupBy: groupBy, groups: groups)
        case .claudeCode: ClaudeCodeTranscriptDecoder(models: models, memory: transcriptMemory)
        case .litellm: LiteLLMDecoder(models: models)
        case .usageReport: UsageReportDecoder(models: models)
        }
    }

    /// The sources of one `open(…, copies: .atMerge)` merged by time, a copy of another file's
    /// transcript event dropped and counted under its own source's `duplicate`: the other half
    /// of `.atMerge` (each file's own memory lets the copies through to here).
    public static func merged(_ sources: [any EventSource]) -> MergedEvents {
        MergedEvents(sources, dropCopies: true) { [sources] in sources[$0].skipCopy() }
    }

    /// Says, once per file, in which zone its times without a zone are read.
    static func sayHowNaiveTimesAreRead(_ head: [[UInt8]], name: String, _ diagnostics: Diagnostics) {
        guard LiteLLMDecoder.hasNaiveTimes(head) else { return }
        diagnostics.notice("\(name): times without a zone (LiteLLM spend-log rows) read as local time, "
                           + "\(LocalTime.describeZone(at: Double(time(nil)))); --timezone reads them in another zone")
    }

    /// What the first lines of a file say: its format, and whether it is one JSON document
    /// spread over many lines (a pretty-printed usage report) rather than JSON lines.
    static func sniff(_ lines: [[UInt8]]) -> (format: LogFormat?, isDocument: Bool) {
        guard let first = lines.first else { return (nil, false) }
        let format = LogFormatDetector.detect(lines: lines)
        let firstLineIsComplete = first.withUnsafeBytes { bytes -> Bool in
            var cursor = JSONCursor(bytes)
            do throws(JSONScanError) {
                try cursor.skipValue()
                return true
            } catch {
                return false
            }
        }
        return (format, (format == .usageReport || format == .litellm) && !firstLineIsComplete)
    }

    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

import Foundation
import RatetopCore

/// The sources of `ratetop watch`, followed live: every file named, every `*.jsonl` under a
/// named directory or matching a glob (new ones picked up on rescans), or standard input.
///
/// Each poll reads what is new in every file, decodes it with the file's format (detected from
/// its first lines unless forced) and returns the events; problems go to `Diagnostics`.
public final class LiveSources {
    private final class Entry {
        let follower: FollowedFile
        let index: Int32
        var decoder: (any LogDecoder)?
        var format: LogFormat?
        var pendingLines: [(number: Int, bytes: [UInt8])] = []
        var lastData: Double = 0
        var flushedIdle = true
        /// Wall time of the last line read after the first poll (the backlog read at start is
        /// not activity), nil until then.
        var lastLineAt: Double?
        var polled = false

        init(follower: FollowedFile, index: Int32) {
            self.follower = follower
            self.index = index
        }
    }

    private let arguments: [String]
    /// Scraped endpoints, polled after the files. Their events' source index is
    /// `feedBase + position`, apart from the files' (which grow as files are found).
    public let feeds: [any LiveFeed]
    public static let feedBase: Int32 = 1 << 24
    private let forcedFormat: LogFormat?
    public let models: ModelCatalog
    private let diagnostics: Diagnostics
    private let transcriptMemory = TranscriptDedupMemory()
    private var entries: [Entry] = []
    private var known = Set<String>()
    private var lastScan = -Double.infinity
    /// Non-empty lines read.
    public private(set) var lines = 0
    /// The most recent change to a followed file, for the status line.
    public private(set) var lastChange: String?
    /// Seconds between rescans of directories and globs for new files.
    public var rescanInterval = 2.0
    /// A transcript file idle this long (wall time) releases the response it holds back.
    public var idleFlush = 5.0

    /// The `--group-by` field, and its values seen so far (indexes are `Exchange.group`).
    public let groupBy: String?
    public let groups = ModelCatalog()
    /// Called when a source gives new data, with its index and the wall time: a file's new
    /// lines after the first poll (the backlog read at start is not activity), a feed's
    /// successful fetch. What `source_stale` watches.
    public var onActivity: ((Int32, Double) -> Void)?
    /// Per feed, the fetch time last reported to `onActivity`.
    private var feedReported: [Double?] = []

    public init(arguments: [String], format: LogFormat?, models: ModelCatalog, diagnostics: Diagnostics,
                groupBy: String? = nil, feeds: [any LiveFeed] = []) throws(SourceError) {
        self.arguments = arguments
        self.feeds = feeds
        self.groupBy = groupBy
        self.forcedFormat = format
        self.models = models
        self.diagnostics = diagnostics
        for path in try SourcePaths.expand(arguments) { try add(path) }
        lastScan = 0
    }

    /// True when every source is a scraped endpoint (no file arguments): there are no lines to
    /// count, so the status line leaves its line count out.
    public var onlyScraping: Bool { arguments.isEmpty && !feeds.isEmpty }

    /// The files followed, in the order they were found.
    public var paths: [String] { entries.map(\.follower.path) }

    /// The names of everything followed: files, then scraped endpoints.
    public var sourceNames: [String] {
        entries.map { displayName($0.index) } + feeds.map(\.name)
    }

    /// Every followed file and the wall time of its last new line (lines already there when
    /// it was first read do not count), then every feed and its last successful fetch with its
    /// problem: `EngineState.sources` for `source_stale`.
    public func activity(now: Double) -> [SourceActivity] {
        entries.map { SourceActivity(name: displayName($0.index), lastLineAt: $0.lastLineAt) }
            + feeds.map { SourceActivity(name: $0.name, lastLineAt: $0.lastDataAt, problem: $0.problem?.text(now: now)) }
    }

    /// The feeds failing now, as `stale 12 s: reason (3 failures), retrying in 8 s — name`, for
    /// the status line: what is wrong first, so a narrow screen that cuts the end still shows it.
    public func feedProblems(now: Double) -> [String] {
        feeds.compactMap { feed in feed.problem.map { "\($0.text(now: now)) — \(feed.name)" } }
    }

    /// The display name of a source index.
    public func displayName(_ index: Int32) -> String {
        if index >= Self.feedBase {
            let position = Int(index - Self.feedBase)
            return position < feeds.count ? feeds[position].name : "?"
        }
        guard index >= 0, Int(index) < entries.count else { return "?" }
        let path = entries[Int(index)].follower.path
        return path == SourcePaths.stdin ? "<stdin>" : path
    }

    private func add(_ path: String) throws(SourceError) {
        guard known.insert(path).inserted else { return }
        let follower = try FollowedFile(path: path)
        entries.append(Entry(follower: follower, index: Int32(entries.count)))
    }

    /// Reads everything new; `now` is the wall-clock time (for rescans and idle flushes).
    public func poll(now: Double, into events: inout [Exchange]) {
        var collected: [Exchange] = []
        poll(now: now) { collected.append($0) }
        events.append(contentsOf: collected)
    }

    /// Reads everything new and hands each event to `each` as soon as its line is decoded, so a
    /// large file read at start never piles up in memory.
    public func poll(now: Double, each: (Exchange) -> Void) {
        withoutActuallyEscaping(each) { each in
            sink = each
            pollAll(now: now)
            sink = nil
        }
    }

    private var sink: ((Exchange) -> Void)?
    private var buffer: [Exchange] = []

    /// Passes decoded events on.
    private func emit() {
        guard !buffer.isEmpty else { return }
        if let sink { buffer.forEach(sink) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func pollAll(now: Double) {
        defer { pollFeeds(now: now) }
        if now - lastScan >= rescanInterval {
            lastScan = now
            rescan()
        }
        for entry in entries {
            var sawData = false
            let changes = entry.follower.poll { bytes, number, oversized in
                sawData = true
                self.handle(entry, bytes: bytes, number: number, oversized: oversized)
            }
            if sawData {
                entry.lastData = now
                entry.flushedIdle = false
                if entry.polled {
                    entry.lastLineAt = now
                    onActivity?(entry.index, now)
                }
            }
            entry.polled = true
            if entry.decoder == nil, !entry.pendingLines.isEmpty { startDecoding(entry) }
            for change in changes {
                lastChange = "\(displayName(entry.index)): \(Self.describe(change))"
                if change != .deleted, var decoder = entry.decoder {
                    decoder.flush(into: &buffer, final: true)
                    emit()
                    entry.decoder = decoder
                }
            }
            if entry.follower.ended || (!entry.flushedIdle && now - entry.lastData >= idleFlush) {
                entry.flushedIdle = true
                if var decoder = entry.decoder {
                    entry.decoder = nil
                    decoder.flush(into: &buffer, final: true)
                    emit()
                    for problem in decoder.takeProblems() {
                        diagnostics.malformed(path: displayName(entry.index), line: problem.line, reason: problem.reason)
                    }
                    entry.decoder = decoder
                }
            }
        }
    }

    private func pollFeeds(now: Double) {
        if feedReported.count != feeds.count { feedReported = Array(repeating: nil, count: feeds.count) }
        for (position, feed) in feeds.enumerated() {
            feed.poll(now: now, models: models, source: Self.feedBase + Int32(position), diagnostics: diagnostics) { event in
                buffer.append(event)
            }
            emit()
            if let fetched = feed.lastDataAt, fetched != feedReported[position] {
                feedReported[position] = fetched
                onActivity?(Self.feedBase + Int32(position), fetched)
            }
        }
    }

    private func handle(_ entry: Entry, bytes: UnsafeRawBufferPointer, number: Int, oversized: Bool) {
        if oversized {
            lines += 1
            diagnostics.malformed(path: displayName(entry.index), line: number,
                                  reason: "line longer than \(LineReader.defaultMaxLineBytes >> 20) MiB, skipped")
            return
        }
        guard !bytes.isBlankLine else { return }
        lines += 1
        if entry.decoder == nil {
            // Detect the format from the first lines (or the first one, once it is all we have).
            // Detect the format from the first lines: up to 20, or what one poll brought.
            entry.pendingLines.append((number, Array(bytes)))
            if forcedFormat != nil || entry.pendingLines.count >= LogFormatDetector.maxLines {
                startDecoding(entry)
            }
            return
        }
        decode(entry, bytes: bytes, number: number)
    }

    private func startDecoding(_ entry: Entry) {
        let format = forcedFormat ?? LogFormatDetector.detect(lines: entry.pendingLines.map(\.bytes)) ?? .exchange
        entry.format = format
        entry.decoder = SourceOpener.makeDecoder(format, models: models, transcriptMemory: transcriptMemory,
                                                 groupBy: groupBy, groups: groups)
        let pending = entry.pendingLines
        entry.pendingLines = []
        for line in pending {
            line.bytes.withUnsafeBytes { decode(entry, bytes: $0, number: line.number) }
        }
    }

    private func decode(_ entry: Entry, bytes: UnsafeRawBufferPointer, number: Int) {
        guard var decoder = entry.decoder else { return }
        entry.decoder = nil  // keep the decoder's storage uniquely referenced while it mutates
        let outcome = decoder.decode(line: bytes, origin: LineOrigin(source: entry.index, line: number), into: &buffer)
        decoder.flush(into: &buffer, final: false)
        entry.decoder = decoder
        if case .malformed(let reason) = outcome {
            diagnostics.malformed(path: displayName(entry.index), line: number, reason: reason)
        }
        emit()
    }

    /// Picks up files that appeared in followed directories or globs.
    private func rescan() {
        for argument in arguments where argument != SourcePaths.stdin {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory)
            let candidates: [String]
            if exists && isDirectory.boolValue {
                candidates = SourcePaths.jsonlFiles(under: argument)
            } else if !exists && argument.contains(where: { "*?[".contains($0) }) {
                candidates = SourcePaths.glob(argument).flatMap { match -> [String] in
                    var matchIsDirectory: ObjCBool = false
                    FileManager.default.fileExists(atPath: match, isDirectory: &matchIsDirectory)
                    return matchIsDirectory.boolValue ? SourcePaths.jsonlFiles(under: match) : [match]
                }
            } else {
                continue
            }
            for path in candidates where !known.contains(path) {
                do {
                    try add(path)
                    lastChange = "\(path): new file, following"
                } catch {
                    lastChange = error.description
                }
            }
        }
    }

    static func describe(_ change: FollowedFile.Change) -> String {
        switch change {
        case .truncated: "truncated, reading from the start"
        case .rotated: "rotated, following the new file"
        case .deleted: "deleted, waiting for it to come back"
        case .recreated: "re-created, following the new file"
        }
    }
}

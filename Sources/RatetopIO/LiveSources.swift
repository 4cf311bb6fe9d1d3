import Foundation
import RatetopCore

/// The sources of `ratetop watch`, followed live: every file named, every `*.jsonl` under a
/// named directory or matching a glob (new ones picked up), or standard input; and scraped
/// endpoints (`LiveFeed`s).
///
/// - **Start: the recent history of every file, merged by time.** The first poll reads the last
///   `warmUp` seconds of each file (long enough for the buckets, the 5-minute window and the
///   half-hour trend), finds where that begins by bisection on byte offsets (`HistoryStart`)
///   instead of reading what came before, skips files not modified within it, and hands the
///   events of all files out in time order — so a directory of a thousand sessions reads as one
///   log, not file after file.
/// - **Then: only what changed.** The kernel says which files were written (`DirectoryWatch`,
///   inotify); only those are read, with a full pass every `sweepInterval` as a safety net, so
///   a thousand idle files cost nothing. Without inotify every file is polled.
/// - **Memory per file is small:** one read buffer shared by all files; a file keeps its
///   descriptor, its partial last line and its decoder.
///
/// Each line goes through its file's `LineDecoding`; problems go to `Diagnostics`.
public final class LiveSources {
    private final class Entry {
        let follower: FollowedFile
        let index: Int32
        /// The argument that named it (itself, a directory or a glob).
        let argument: String
        var decoding: LineDecoding?
        var format: LogFormat?
        var pendingLines: [(number: Int, bytes: [UInt8])] = []
        var lastData: Double = 0
        /// False while the decoder may hold events back since the last data (transcripts).
        var flushedIdle = true
        /// Wall time of the last line read after the first poll (the history read at start is
        /// not activity), nil until then.
        var lastLineAt: Double?
        var polled = false
        /// The line about `claude -p` output placed at the time it was read was said.
        var toldUntimed = false
        /// While reading history at start: the events, merged with the other files' before
        /// they are handed out.
        var history: [Exchange]?

        init(follower: FollowedFile, index: Int32, argument: String) {
            self.follower = follower
            self.index = index
            self.argument = argument
        }
    }

    /// Seconds of history read at start: the half-hour trend and the hour the dashboard's
    /// graphs can show.
    public static let defaultWarmUp = 3600.0
    /// History is searched from this much before the warm-up's start (lines a little late).
    static let historySlack = 300.0

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
    private var byPath: [String: Entry] = [:]
    private var lastScan = -Double.infinity
    private var lastSweep = -Double.infinity
    private var started = false
    private let warmUp: Double
    private let directoryWatch = DirectoryWatch()
    /// Entries whose decoder may hold events back (released when the file goes idle).
    private var settling: [Int32: Entry] = [:]
    /// One read buffer for every file.
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    /// Non-empty lines read.
    public private(set) var lines = 0
    /// Lines not used, per reason (all but `late`), over every file.
    public private(set) var skipped = SkipCounts()
    /// The most recent change to a followed file, for the status line.
    public private(set) var lastChange: String?
    /// Seconds between rescans of directories and globs for new files (without inotify; with
    /// it, new files are reported as they appear and the rescan is a slow safety net).
    public var rescanInterval = 2.0
    /// Seconds between passes over every file when inotify says which changed.
    public var sweepInterval = 10.0
    /// A transcript file idle this long (wall time) releases the response it holds back.
    public var idleFlush = 5.0

    /// The `--group-by` field, and its values seen so far (indexes are `Exchange.group`).
    public let groupBy: String?
    public let groups = ModelCatalog()
    /// Called when a source gives new data, with its index and the wall time: a file's new
    /// lines after the first poll (the history read at start is not activity), a feed's
    /// successful fetch. What `source_stale` watches.
    public var onActivity: ((Int32, Double) -> Void)?
    /// Per feed, the fetch time last reported to `onActivity`.
    private var feedReported: [Double?] = []

    public init(arguments: [String], format: LogFormat?, models: ModelCatalog, diagnostics: Diagnostics,
                groupBy: String? = nil, feeds: [any LiveFeed] = [], warmUp: Double = LiveSources.defaultWarmUp) throws(SourceError) {
        self.arguments = arguments
        self.feeds = feeds
        self.groupBy = groupBy
        self.forcedFormat = format
        self.models = models
        self.diagnostics = diagnostics
        self.warmUp = warmUp
        for named in try SourcePaths.expandNamed(arguments) { try add(named.path, argument: named.argument) }
        watchArgumentDirectories()
        lastScan = 0
    }

    deinit { readBuffer.deallocate() }

    /// True when every source is a scraped endpoint (no file arguments): there are no lines to
    /// count, so the status line leaves its line count out.
    public var onlyScraping: Bool { arguments.isEmpty && !feeds.isEmpty }

    /// The files followed, in the order they were found.
    public var paths: [String] { entries.map(\.follower.path) }

    /// True when the kernel tells which files change (inotify), so idle files are not polled.
    public var watchesChanges: Bool { directoryWatch != nil }

    /// The names of everything followed: files, then scraped endpoints.
    public var sourceNames: [String] {
        entries.map { displayName($0.index) } + feeds.map(\.name)
    }

    /// Every followed file and the wall time of its last new line (lines already there when
    /// it was first read do not count), then every feed and its last successful fetch with its
    /// problem.
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

    /// The name in `file:line` messages: line numbers of a file whose older history was
    /// skipped count from where reading began.
    private func messageName(_ entry: Entry) -> String {
        let offset = entry.follower.startOffset
        return offset > 0 ? "\(displayName(entry.index)) (from byte \(offset))" : displayName(entry.index)
    }

    /// The source a live source index counts for in `source_stale` (`SourcePaths.alertSource`:
    /// a file, or the directory of Claude Code sessions it is in; a feed's name).
    public func alertSourceName(_ index: Int32) -> String {
        guard index >= 0, index < Self.feedBase, Int(index) < entries.count else { return displayName(index) }
        let entry = entries[Int(index)]
        return SourcePaths.alertSource(path: entry.follower.path, argument: entry.argument, format: entry.format)
    }

    private func add(_ path: String, argument: String) throws(SourceError) {
        guard byPath[path] == nil else { return }
        let entry = Entry(follower: try FollowedFile(path: path), index: Int32(entries.count), argument: argument)
        entries.append(entry)
        byPath[path] = entry
        if path != SourcePaths.stdin { directoryWatch?.watch(directory: (path as NSString).deletingLastPathComponent) }
    }

    /// Watches every directory under the directory arguments (new files and new folders there).
    private func watchArgumentDirectories() {
        guard let directoryWatch else { return }
        for argument in arguments where argument != SourcePaths.stdin {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            directoryWatch.watch(directory: argument)
            for directory in SourcePaths.directories(under: argument) { directoryWatch.watch(directory: directory) }
        }
    }

    /// Reads everything new; `now` is the wall-clock time (for rescans and idle flushes).
    public func poll(now: Double, into events: inout [Exchange]) {
        var collected: [Exchange] = []
        poll(now: now) { collected.append($0) }
        events.append(contentsOf: collected)
    }

    /// Reads everything new and hands each event to `each` as soon as its line is decoded (the
    /// history read at start: once it is all read, in time order).
    public func poll(now: Double, each: (Exchange) -> Void) {
        withoutActuallyEscaping(each) { each in
            sink = each
            pollAll(now: now)
            sink = nil
        }
    }

    private var sink: ((Exchange) -> Void)?
    private var buffer: [Exchange] = []

    /// Passes decoded events on (or keeps them with the file's history at start).
    private func emit(_ entry: Entry?) {
        guard !buffer.isEmpty else { return }
        if let entry, entry.history != nil {
            entry.history?.append(contentsOf: buffer)
        } else if let sink {
            buffer.forEach(sink)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func pollAll(now: Double) {
        defer { pollFeeds(now: now) }
        guard started else {
            started = true
            lastSweep = now
            readHistory(now: now)
            return
        }
        var due: [Entry]
        if let directoryWatch {
            let changes = directoryWatch.drain()
            for directory in changes.directories {
                directoryWatch.watch(directory: directory)
                lastScan = -.infinity  // a new folder: look for files in it now
            }
            if changes.paths.contains(where: { byPath[$0] == nil && $0.hasSuffix(".jsonl") }) { lastScan = -.infinity }
            if changes.overflowed || now - lastSweep >= sweepInterval {
                lastSweep = now
                due = entries
            } else {
                due = changes.paths.compactMap { byPath[$0] }
                if let stdin = byPath[SourcePaths.stdin] { due.append(stdin) }
            }
        } else {
            due = entries
        }
        if now - lastScan >= (directoryWatch == nil ? rescanInterval : max(rescanInterval, 30)) {
            lastScan = now
            let before = entries.count
            rescan()
            if entries.count > before { due.append(contentsOf: entries[before...]) }
        }
        var seen = Set<Int32>()
        for entry in due where seen.insert(entry.index).inserted {
            read(entry, now: now)
        }
        // Transcripts idle long enough give up the response they hold back.
        for entry in settling.values where now - entry.lastData >= idleFlush || entry.follower.ended {
            settle(entry)
        }
    }

    /// Where the lines being read that carry no time are placed (set by `read`).
    private var untimedLineTime: Double?

    /// The first poll: each file's last `warmUp` seconds (found without reading what came
    /// before), then every file's events in time order.
    private func readHistory(now: Double) {
        let cutoff = now - warmUp
        sayWhenEveryFileIsOld(cutoff: cutoff, now: now)
        for entry in entries {
            entry.history = []
            if !entry.follower.isStandardInput { skipOldHistory(entry, cutoff: cutoff) }
            read(entry, now: now)
            // A file written to just now may still complete the response its decoder holds;
            // the others give theirs up with their history.
            if let modified = entry.follower.status()?.modified, now - modified >= idleFlush { settle(entry) }
        }
        var merged: [Exchange] = []
        for entry in entries {
            merged.append(contentsOf: entry.history ?? [])
            entry.history = nil
        }
        merged.sort { ($0.end, $0.origin.source, $0.origin.line) < ($1.end, $1.origin.source, $1.origin.line) }
        if let sink { merged.forEach(sink) }
    }

    /// Watching files none of which was written within the warm-up shows nothing until they grow:
    /// say so, and where their history is (`replay`), rather than leave "waiting for data".
    private func sayWhenEveryFileIsOld(cutoff: Double, now: Double) {
        let files = entries.filter { !$0.follower.isStandardInput }
        guard !files.isEmpty, files.count == entries.count else { return }
        var newest = -Double.infinity
        for entry in files {
            guard let modified = entry.follower.status()?.modified, modified < cutoff else { return }
            newest = max(newest, modified)
        }
        let age = now - newest
        let ago = age >= 2 * 86_400 ? "\(Int(age / 86_400)) days" : age >= 7_200 ? "\(Int(age / 3_600)) hours" : "\(Int(age / 60)) minutes"
        let what = files.count == 1 ? "the file was" : "all \(files.count) files were"
        diagnostics.noticeUntilData("\(what) last written \(ago) ago: watch shows what is written from now on; "
                           + "`ratetop replay` reads \(files.count == 1 ? "its" : "their") history")
    }

    /// Moves a file's reading position past everything older than `cutoff`: the end, when it was
    /// last written before it; else where bisection on its timestamps finds the cutoff.
    private func skipOldHistory(_ entry: Entry, cutoff: Double) {
        guard let status = entry.follower.status(), status.size > 0 else { return }
        if status.modified < cutoff {
            entry.follower.start(at: status.size)
            return
        }
        let head = headLines(entry.follower.descriptor)
        let headFormat = forcedFormat ?? SourceOpener.sniff(head).format
        let format = headFormat ?? .exchange
        let probeModels = ModelCatalog()
        let offset = HistoryStart.offset(descriptor: entry.follower.descriptor, size: status.size,
                                         cutoff: cutoff - Self.historySlack) { line in
            var decoder = SourceOpener.makeDecoder(format, models: probeModels, transcriptMemory: TranscriptDedupMemory(capacity: 8))
            var events: [Exchange] = []
            _ = decoder.decode(line: line, origin: LineOrigin(source: 0, line: 0), into: &events)
            decoder.flush(into: &events, final: true)
            return events.first?.end
        }
        entry.follower.start(at: offset)
        guard offset > 0, headFormat != nil else { return }
        // Read from the middle, the file keeps the format of its head (not of whatever line the
        // start falls on), and its decoder recalls the lines just before the start.
        startDecoding(entry, head: head)
        recall(entry, before: offset)
    }

    /// Hands the decoder the whole lines of up to `HistoryStart.probeBytes` before `offset`
    /// (not counted, not decoded into events): what later lines refer back to.
    private func recall(_ entry: Entry, before offset: Int) {
        guard var decoding = entry.decoding, let base = readBuffer.baseAddress else { return }
        let start = max(0, offset - HistoryStart.probeBytes)
        let count = pread(entry.follower.descriptor, base, offset - start, off_t(start))
        guard count > 0 else { return }
        let bytes = UnsafeRawBufferPointer(start: base, count: count)
        // The first line is cut unless the window begins the file; the last ends at `offset`.
        var lineStart = start == 0 ? 0 : (bytes.firstIndex(of: 0x0A) ?? count - 1) + 1
        entry.decoding = nil  // keep the decoder's storage uniquely referenced while it mutates
        while lineStart < count, let newline = bytes[lineStart...].firstIndex(of: 0x0A) {
            decoding.recall(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<newline]))
            lineStart = newline + 1
        }
        entry.decoding = decoding
    }

    /// The first lines of a file, for its format (read with `pread`: the position is untouched).
    private func headLines(_ descriptor: Int32) -> [[UInt8]] {
        var head = [UInt8](repeating: 0, count: 64 << 10)
        let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return [] }
        return head[..<count].split(separator: 0x0A).prefix(LogFormatDetector.maxLines).map(Array.init)
    }

    private func read(_ entry: Entry, now: Double) {
        // Lines without a time (`claude -p` output) are placed when they arrive; what a file
        // already held when first read, at its last modification.
        untimedLineTime = entry.polled ? now : entry.follower.status()?.modified ?? now
        var sawData = false
        let changes = entry.follower.poll(buffer: readBuffer) { bytes, number, oversized in
            sawData = true
            self.handle(entry, bytes: bytes, number: number, oversized: oversized)
        }
        if sawData {
            entry.lastData = now
            entry.flushedIdle = false
            settling[entry.index] = entry
            if entry.polled {
                entry.lastLineAt = now
                onActivity?(entry.index, now)
            }
        }
        entry.polled = true
        if entry.decoding == nil, !entry.pendingLines.isEmpty { startDecoding(entry) }
        for change in changes {
            lastChange = "\(displayName(entry.index)): \(Self.describe(change))"
            if change != .deleted { settle(entry) }
        }
        if entry.follower.ended { settle(entry) }
    }

    /// Releases everything the file's decoder holds back (the file went idle, was rotated or
    /// ended, or its history is read).
    private func settle(_ entry: Entry) {
        settling[entry.index] = nil
        entry.flushedIdle = true
        guard var decoding = entry.decoding else { return }
        entry.decoding = nil  // keep the decoder's storage uniquely referenced while it mutates
        let name = messageName(entry)
        decoding.finish(into: &buffer) { diagnostics.malformed(path: name, line: $0, reason: $1) }
        skipped.add(decoding.takeSkipped())
        entry.decoding = decoding
        emit(entry)
    }

    private func pollFeeds(now: Double) {
        if feedReported.count != feeds.count { feedReported = Array(repeating: nil, count: feeds.count) }
        for (position, feed) in feeds.enumerated() {
            feed.poll(now: now, models: models, source: Self.feedBase + Int32(position), diagnostics: diagnostics) { event in
                buffer.append(event)
            }
            emit(nil)
            if let fetched = feed.lastDataAt, fetched != feedReported[position] {
                feedReported[position] = fetched
                onActivity?(Self.feedBase + Int32(position), fetched)
            }
        }
    }

    private func handle(_ entry: Entry, bytes: UnsafeRawBufferPointer, number: Int, oversized: Bool) {
        guard entry.decoding != nil else {
            // Detect the format from the first lines: up to 20, or what one poll brought.
            if oversized {
                decode(entry, bytes: bytes, number: number, oversized: true)
            } else if !bytes.isBlankLine {
                entry.pendingLines.append((number, Array(bytes)))
                if forcedFormat != nil || entry.pendingLines.count >= LogFormatDetector.maxLines { startDecoding(entry) }
            }
            return
        }
        decode(entry, bytes: bytes, number: number, oversized: oversized)
    }

    /// Creates the file's decoder for the format of `head` (by default the lines held for
    /// detection), then decodes the held lines.
    private func startDecoding(_ entry: Entry, head: [[UInt8]]? = nil) {
        let head = head ?? entry.pendingLines.map(\.bytes)
        let format = forcedFormat ?? LogFormatDetector.detect(lines: head) ?? .exchange
        if format == .litellm { SourceOpener.sayHowNaiveTimesAreRead(head, name: messageName(entry), diagnostics) }
        entry.format = format
        let decoderFor = SourceOpener.decoders(models: models, transcriptMemory: transcriptMemory, groupBy: groupBy, groups: groups)
        // Re-detected when its lines stop fitting (not when the format is forced).
        var decoding = LineDecoding(decoder: decoderFor(format), source: entry.index, format: format,
                                    makeDecoder: forcedFormat != nil ? nil : decoderFor)
        decoding.onSwitch = LineDecoding.announce(messageName(entry), to: diagnostics)
        entry.decoding = decoding
        let pending = entry.pendingLines
        entry.pendingLines = []
        for line in pending {
            line.bytes.withUnsafeBytes { decode(entry, bytes: $0, number: line.number, oversized: false) }
        }
    }

    private func decode(_ entry: Entry, bytes: UnsafeRawBufferPointer, number: Int, oversized: Bool) {
        var decoding = entry.decoding ?? LineDecoding(decoder: ExchangeLogDecoder(models: models), source: entry.index)
        let hadDecoder = entry.decoding != nil
        entry.decoding = nil  // keep the decoder's storage uniquely referenced while it mutates
        let before = decoding.lines
        let name = messageName(entry)
        if decoding.untimedLineTime != untimedLineTime { decoding.untimedLineTime = untimedLineTime }
        decoding.take(bytes, number: number, oversized: oversized, into: &buffer) { diagnostics.malformed(path: name, line: $0, reason: $1) }
        if !entry.toldUntimed, decoding.placedUntimedLines > 0 {
            entry.toldUntimed = true
            diagnostics.notice("\(name): `claude -p` output carries no time: its lines are placed at the time they are read "
                               + "(what the file held at start, at its modification time)")
        }
        if decoding.lines > before { diagnostics.dataArrived() }
        lines += decoding.lines - before
        skipped.add(decoding.takeSkipped())
        if hadDecoder { entry.decoding = decoding }
        emit(entry)
    }

    /// Picks up files that appeared in followed directories or globs.
    private func rescan() {
        for argument in arguments where argument != SourcePaths.stdin {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory)
            let candidates: [String]  // all named by `argument`
            if exists && isDirectory.boolValue {
                candidates = SourcePaths.jsonlFiles(under: argument)
            } else if !exists && argument.contains(where: { "*?[".contains($0) }) {
                candidates = SourcePaths.glob(argument).flatMap { match -> [String] in
                    var matchIsDirectory: ObjCBool = false
                    _ = FileManager.default.fileExists(atPath: match, isDirectory: &matchIsDirectory)
                    return matchIsDirectory.boolValue ? SourcePaths.jsonlFiles(under: match) : [match]
                }
            } else {
                continue
            }
            for path in candidates where byPath[path] == nil {
                do {
                    try add(path, argument: argument)
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

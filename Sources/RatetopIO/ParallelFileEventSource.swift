import Foundation
import RatetopCore

/// The events of one large file, decoded on several threads and handed out in file order.
///
/// The file is cut into chunks of about 1 MiB at line boundaries; worker threads decode chunks
/// with their own decoder and model catalog, and `next()` consumes the results strictly in
/// chunk order, translating model references into the shared catalog and reporting problems
/// with their real line numbers. At most a few chunks are in flight, so memory stays bounded
/// whatever the file size. Only for formats whose lines decode independently (exchange,
/// LiteLLM, usage-report pages); Claude Code transcripts need the sequential path.
public final class ParallelFileEventSource: EventSource {
    public let path: String
    public let format: LogFormat
    private let index: Int32
    public private(set) var lines = 0
    public private(set) var skipped = SkipCounts()
    private let models: ModelCatalog
    private let diagnostics: Diagnostics
    private let shared: Shared
    private var threads: [Thread] = []
    /// The chunk being handed out, in properties of their own (not a `ChunkResult` kept whole:
    /// reading one through an optional copied it, four arrays retained and released, per event).
    private var events: [Exchange] = []
    private var problems: [Problem] = []
    private var names: [String] = []
    private var worker = 0
    private var chunkLines = 0
    private var hasChunk = false
    private var position = 0
    private var problemPosition = 0
    private var nextSequence = 0
    private var lineBase = 0
    /// Per worker: its catalog index → the shared catalog's reference.
    private var translation: [[ModelRef]]
    /// `translation` of the current chunk's worker (stored back when the chunk is done).
    private var map: [ModelRef] = []

    public static func supports(_ format: LogFormat) -> Bool {
        format == .exchange || format == .litellm
    }

    public init(path: String, index: Int32, format: LogFormat, models: ModelCatalog, diagnostics: Diagnostics, workers: Int,
                maxLineBytes: Int = LineReader.defaultMaxLineBytes, redetect: Bool = true) throws(SourceError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SourceError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        self.path = path
        self.index = index
        self.format = format
        self.models = models
        self.diagnostics = diagnostics
        let count = max(1, workers)
        shared = Shared(fd: fd, maxLineBytes: maxLineBytes, maxInFlight: count * 3)
        translation = Array(repeating: [], count: count)
        for worker in 0..<count {
            let shared = self.shared
            let thread = Thread {
                WorkerPriority.lowerCurrentThread()
                let catalog = ModelCatalog()
                let decoder = SourceOpener.makeDecoder(format, models: catalog)
                // Lines that stop fitting the format may switch to another whose lines decode
                // on their own (a transcript needs the sequential path).
                let switchTo: ((LogFormat) -> (any LogDecoder)?)? = !redetect ? nil : { other in
                    ParallelFileEventSource.supports(other) ? SourceOpener.makeDecoder(other, models: catalog) : nil
                }
                Self.work(shared: shared, worker: worker, catalog: catalog,
                          decoding: LineDecoding(decoder: decoder, source: 0, maxLineBytes: shared.maxLineBytes,
                                                 format: format, makeDecoder: switchTo))
            }
            thread.name = "ratetop-decode-\(worker)"
            thread.stackSize = 1 << 20
            threads.append(thread)
            thread.start()
        }
    }

    deinit {
        shared.cancel()
    }

    public var displayName: String { path }
    public var alertSource: String { path }
    public func skipCopy() { skipped[.duplicate] += 1 }

    @inline(__always)
    public func next() -> Exchange? {
        var event = Exchange(end: 0, model: ModelRef(index: 0))
        return next(into: &event) ? event : nil
    }

    /// Copies the next event straight into `event` (one copy, from the chunk), then translates
    /// its model and line in place.
    @inline(__always)
    public func next(into event: inout Exchange) -> Bool {
        if position >= events.count, !advanceChunk() { return false }
        let at = position
        position += 1
        // Problems on earlier lines are reported first, as the sequential reader would.
        if problemPosition < problems.count { reportProblems(before: events[at].origin.line) }
        event = events[at]
        let model = Int(event.model.index)
        event.model = model < map.count ? map[model] : translate(model)
        event.origin.line += lineBase
        event.origin.source = index
        return true
    }

    private func reportProblems(before line: Int) {
        while problemPosition < problems.count, problems[problemPosition].line < line {
            let problem = problems[problemPosition]
            diagnostics.malformed(path: path, line: lineBase + problem.line, reason: problem.reason)
            problemPosition += 1
        }
    }

    /// Moves to the next chunk that holds events; false at the end of the file.
    private func advanceChunk() -> Bool {
        while true {
            if hasChunk {
                reportProblems(before: .max)
                lineBase += chunkLines
                translation[worker] = map
                hasChunk = false
                shared.recycle(events: &events)
            }
            events = []
            problems = []
            map = []
            guard let chunk = shared.take(sequence: nextSequence) else { return false }
            nextSequence += 1
            lines += chunk.nonEmptyLines
            skipped.add(chunk.skipped)
            events = chunk.events
            problems = chunk.problems
            names = chunk.modelNames
            worker = chunk.worker
            chunkLines = chunk.lineCount
            map = translation[worker]
            hasChunk = true
            position = 0
            problemPosition = 0
            if !events.isEmpty { return true }
        }
    }

    /// The shared catalog's reference for the current worker's model `index`, interning the
    /// worker's names up to it, in their order.
    private func translate(_ index: Int) -> ModelRef {
        while map.count <= index {
            map.append(models.intern(names[map.count]))
        }
        return map[index]
    }

    // MARK: Workers

    private static func work(shared: Shared, worker: Int, catalog: ModelCatalog, decoding: LineDecoding) {
        var decoding = decoding
        while var chunk = shared.nextChunk() {
            var result = ChunkResult(sequence: chunk.sequence, worker: worker)
            result.events = shared.takeEventBuffer()
            result.events.reserveCapacity(chunk.count / 512)
            let linesBefore = decoding.lines
            var problems: [Problem] = []
            let report: (Int, String) -> Void = { problems.append(Problem(line: $0, reason: $1)) }
            chunk.bytes.withUnsafeBytes { whole in
                let raw = UnsafeRawBufferPointer(rebasing: whole[..<chunk.count])
                guard let base = raw.baseAddress else { return }
                var start = 0
                var lineNumber = 0
                while start < raw.count {
                    var end = start
                    if let newline = memchr(base + start, 0x0A, raw.count - start) {
                        end = base.distance(to: UnsafeRawPointer(newline))
                    } else {
                        end = raw.count
                    }
                    lineNumber += 1
                    var length = end - start
                    if length > 0, raw[end - 1] == 0x0D { length -= 1 }
                    decoding.take(UnsafeRawBufferPointer(start: base + start, count: length), number: lineNumber,
                                  unterminated: end == raw.count && chunk.unterminated, into: &result.events, report: report)
                    start = end + 1
                }
                result.lineCount = lineNumber
            }
            if chunk.oversized {
                result.lineCount += 1
                decoding.take(UnsafeRawBufferPointer(start: nil, count: 0), number: result.lineCount, oversized: true,
                              into: &result.events, report: report)
            }
            result.nonEmptyLines = decoding.lines - linesBefore
            result.skipped = decoding.takeSkipped()
            result.problems = problems
            result.modelNames = catalog.names
            shared.deliver(result, recycling: &chunk.bytes)
        }
    }

    struct Problem: Sendable {
        var line: Int
        var reason: String
    }

    struct ChunkResult: @unchecked Sendable {
        var sequence: Int
        var worker: Int
        var events: [Exchange] = []
        var problems: [Problem] = []
        var lineCount = 0
        var nonEmptyLines = 0
        var skipped = SkipCounts()
        var modelNames: [String] = []
    }

    struct Chunk {
        var sequence: Int
        /// A pooled buffer: the chunk is its first `count` bytes.
        var bytes: [UInt8]
        var count: Int
        /// The chunk ends at the end of the file without a newline.
        var unterminated: Bool
        /// After the chunk's lines, one line longer than the cap was skipped.
        var oversized: Bool
    }

    /// State shared by the reader side, the workers and the consumer, behind one condition.
    final class Shared: @unchecked Sendable {
        static let chunkBytes = 1 << 20
        static let carryRoom = 64 << 10
        let maxLineBytes: Int
        private let fd: Int32
        private let maxInFlight: Int
        private let condition = NSCondition()
        private var carry: [UInt8] = []
        private var eof = false
        private var cancelled = false
        private var issued = 0
        private var consumed = 0
        private var results: [Int: ChunkResult] = [:]
        private var activeWorkers = 0
        /// Buffers given back, used again: a fresh megabyte per chunk was page-faulted in,
        /// zeroed by the kernel and unmapped again when freed, each time.
        private var spareBytes: [[UInt8]] = []
        private var spareEvents: [[Exchange]] = []
        /// The most buffers of each kind kept (enough for every chunk in flight).
        private var spareLimit: Int { maxInFlight + 2 }

        init(fd: Int32, maxLineBytes: Int, maxInFlight: Int) {
            self.fd = fd
            self.maxLineBytes = maxLineBytes
            self.maxInFlight = maxInFlight
        }

        deinit { close(fd) }

        func cancel() {
            condition.lock()
            cancelled = true
            condition.broadcast()
            condition.unlock()
        }

        /// The next chunk to decode, or nil at the end. Blocks while too many are in flight.
        func nextChunk() -> Chunk? {
            condition.lock()
            defer { condition.unlock() }
            while !cancelled && !eof && issued - consumed >= maxInFlight { condition.wait() }
            guard !cancelled, !eof || !carry.isEmpty else { return nil }
            let sequence = issued
            issued += 1
            return readChunk(sequence: sequence)
        }

        /// Reads about a chunk's worth, cut after the last newline (called with the lock held).
        /// Each read asks for `chunkBytes` after what is there, as the chunk grows.
        private func readChunk(sequence: Int) -> Chunk {
            var bytes = spareBytes.popLast() ?? []
            var count = carry.count
            if bytes.count < count + Self.chunkBytes {
                // Room for a chunk after the carried part of a line (most lines are far shorter).
                bytes = [UInt8](repeating: 0, count: max(count, Self.carryRoom) + Self.chunkBytes)
            }
            if count > 0 {
                bytes.withUnsafeMutableBufferPointer { buffer in
                    carry.withUnsafeBufferPointer { source in
                        buffer.baseAddress!.update(from: source.baseAddress!, count: count)
                    }
                }
            }
            carry = []
            while true {
                if !eof {
                    if bytes.count < count + Self.chunkBytes {
                        // A long line: more room, what is read so far kept.
                        var grown = [UInt8](repeating: 0, count: count + Self.chunkBytes)
                        grown.withUnsafeMutableBufferPointer { buffer in
                            bytes.withUnsafeBufferPointer { source in
                                buffer.baseAddress!.update(from: source.baseAddress!, count: count)
                            }
                        }
                        bytes = grown
                    }
                    var readCount = 0
                    bytes.withUnsafeMutableBytes { buffer in
                        repeat {
                            readCount = read(fd, buffer.baseAddress! + count, Self.chunkBytes)
                        } while readCount < 0 && errno == EINTR
                    }
                    count += max(0, readCount)
                    if readCount <= 0 { eof = true }
                }
                if eof {
                    return Chunk(sequence: sequence, bytes: bytes, count: count,
                                 unterminated: count > 0 && bytes[count - 1] != 0x0A, oversized: false)
                }
                if let lastNewline = bytes[..<count].lastIndex(of: 0x0A) {
                    if lastNewline + 1 < count { carry = Array(bytes[(lastNewline + 1)..<count]) }
                    return Chunk(sequence: sequence, bytes: bytes, count: lastNewline + 1, unterminated: false, oversized: false)
                }
                if count >= maxLineBytes {
                    recycle(bytes)
                    return skipOversizedLine(sequence: sequence)
                }
            }
        }

        /// Keeps a chunk's buffer for another chunk (called with the lock held).
        private func recycle(_ bytes: [UInt8]) {
            // One grown for a long line is let go, as `LineReader` gives its room back.
            guard spareBytes.count < spareLimit, bytes.count <= Self.chunkBytes * 4 else { return }
            spareBytes.append(bytes)
        }

        /// An empty event buffer, with the room of one used before when there is one.
        func takeEventBuffer() -> [Exchange] {
            condition.lock()
            defer { condition.unlock() }
            return spareEvents.popLast() ?? []
        }

        /// Gives back the event buffer of a chunk that was handed out.
        func recycle(events: inout [Exchange]) {
            events.removeAll(keepingCapacity: true)
            condition.lock()
            if spareEvents.count < spareLimit, events.capacity > 0 { spareEvents.append(events) }
            condition.unlock()
            events = []
        }

        /// Drops the rest of a line longer than the cap (called with the lock held).
        private func skipOversizedLine(sequence: Int) -> Chunk {
            var buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
            while !eof {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, Self.chunkBytes) }
                if n <= 0 {
                    eof = true
                    break
                }
                if let newline = buffer[..<n].firstIndex(of: 0x0A) {
                    carry = Array(buffer[(newline + 1)..<n])
                    break
                }
            }
            return Chunk(sequence: sequence, bytes: [], count: 0, unterminated: false, oversized: true)
        }

        /// Hands over a chunk's result, and keeps its buffer (moved out of `bytes`).
        func deliver(_ result: ChunkResult, recycling bytes: inout [UInt8]) {
            condition.lock()
            recycle(bytes)
            bytes = []
            results[result.sequence] = result
            condition.broadcast()
            condition.unlock()
        }

        /// The result of chunk `sequence`, waiting for it; nil when there is no such chunk.
        func take(sequence: Int) -> ChunkResult? {
            condition.lock()
            defer { condition.unlock() }
            while results[sequence] == nil {
                if cancelled || (eof && carry.isEmpty && sequence >= issued) { return nil }
                condition.wait()
            }
            let result = results.removeValue(forKey: sequence)
            consumed = sequence + 1
            condition.broadcast()
            return result
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RatetopCore

/// How a replay decodes its files ahead of the merge (`SourceOpener.open`).
public struct Prefetch: Sendable, Equatable {
    /// The fewest files (stdin apart) read through the pool; fewer are read on the caller's thread.
    public var minFiles: Int
    /// Decoding threads besides the caller's.
    public var workers: Int
    /// The most events decoded and not yet taken, over all files: what bounds the memory.
    public var budget: Int
    /// A batch ends after this many events or this many bytes of lines, whichever comes first;
    /// a file's first batches are smaller (its first event only, then 16, 64, 256).
    public var batchEvents: Int
    public var batchBytes: Int

    public init(minFiles: Int = 1, workers: Int = SourceOpener.workers, budget: Int = 1 << 14, batchEvents: Int = 256,
                batchBytes: Int = 256 << 10) {
        self.minFiles = minFiles
        self.workers = workers
        self.budget = budget
        self.batchEvents = batchEvents
        self.batchBytes = batchBytes
    }

    /// Every file on the caller's thread.
    public static let off = Prefetch(minFiles: .max, workers: 0)
    /// What a replay uses.
    public static var standard: Prefetch { Prefetch() }
}

/// Part of one file's events, decoded by whichever thread held the file, with what the
/// sequential reader would have said and counted while reading those lines.
///
/// A batch is made of whole *refills*: what one call of `FileEventSource.next()` reads when its
/// events are used up (lines up to one that gives an event, or to the end). That reader says a
/// refill's problems and counts its lines before it hands out the refill's first event; the
/// consumer does the same at the same event, so messages, their order and the counts seen at
/// any moment (a replay cut short by `--to`) are the sequential reader's.
struct PrefetchBatch: @unchecked Sendable {
    /// A malformed line or a notice, said before the event at `before` is handed out (at the
    /// batch's end when `before` is its event count).
    struct Message {
        var before: Int
        /// The line of a malformed line; 0 for a notice.
        var line: Int
        var text: String
    }

    /// One refill: its first event, its non-empty lines and its lines skipped per reason.
    struct Refill {
        var start: Int
        var lines: Int
        var skipped: SkipCounts
    }

    var events: [Exchange]
    var messages: [Message]
    var refills: [Refill]
    /// The format read at the batch's end (nil: it never changes).
    var format: LogFormat?
    /// The file's model names, when they grew during the batch.
    var modelNames: [String]?
    /// The batch ends the file.
    var last: Bool
}

/// One file's reading and decoding state. Only the thread that holds the file (a worker, or the
/// consumer when nobody does) touches it; the pool's lock hands it from one to the next.
final class PrefetchJob {
    let name: String
    private let path: String
    private let reader: LineReader
    private var decoding: LineDecoding
    /// The file's own catalog (the shared one is not thread-safe); the consumer translates.
    private let catalog: ModelCatalog
    private var namesSent = 0
    private var batches = 0
    private(set) var finished = false
    /// What the batch being decoded will say, and where the current refill's events start.
    private var messages: [PrefetchBatch.Message] = []
    private var unitStart = 0

    init(path: String, index: Int32, reader: LineReader, format: LogFormat, decoder: any LogDecoder, catalog: ModelCatalog,
         redetect: ((LogFormat) -> (any LogDecoder)?)?) {
        self.path = path
        name = path
        self.reader = reader
        self.catalog = catalog
        decoding = LineDecoding(decoder: decoder, source: index, format: format, makeDecoder: redetect)
        decoding.untimedLineTime = FileEventSource.untimedLineTime(path: path)
        decoding.onSwitch = LineDecoding.announce(path) { [unowned self] text in
            messages.append(PrefetchBatch.Message(before: unitStart, line: 0, text: text))
        }
    }

    /// Reads and decodes the file's next lines, in whole refills of the sequential reader (the
    /// lines up to one that gives an event, or to the end), so each message can be said where
    /// that reader says it.
    func decodeBatch(maxEvents: Int, maxBytes: Int) -> PrefetchBatch {
        let target = batches == 0 ? 1 : min(maxEvents, 16 << (2 * min(batches - 1, 8)))
        batches += 1
        var events: [Exchange] = []
        events.reserveCapacity(target)
        var refills: [PrefetchBatch.Refill] = []
        refills.reserveCapacity(target)
        var bytes = 0
        while !finished, events.count < target, bytes < maxBytes {
            unitStart = events.count
            let linesBefore = decoding.lines
            while events.count == unitStart {
                guard let line = reader.next() else {
                    finished = true
                    decoding.finish(into: &events) { self.report($0, $1) }
                    reader.release()
                    if decoding.placedUntimedLines > 0, let time = decoding.untimedLineTime {
                        messages.append(PrefetchBatch.Message(
                            before: unitStart, line: 0,
                            text: FileEventSource.untimedNotice(name: name, count: decoding.placedUntimedLines, at: time, stdin: false)))
                    }
                    break
                }
                bytes += line.bytes.count + 1
                decoding.take(line.bytes, number: line.number, oversized: line.oversized, unterminated: line.unterminated,
                              into: &events) { self.report($0, $1) }
            }
            refills.append(PrefetchBatch.Refill(start: unitStart, lines: decoding.lines - linesBefore, skipped: decoding.takeSkipped()))
        }
        var batch = PrefetchBatch(events: events, messages: messages, refills: refills, format: decoding.format, modelNames: nil,
                                  last: finished)
        messages = []
        if catalog.count > namesSent {
            batch.modelNames = catalog.names
            namesSent = catalog.count
        }
        return batch
    }

    private func report(_ line: Int, _ reason: String) {
        messages.append(PrefetchBatch.Message(before: unitStart, line: line, text: reason))
    }
}

/// The decoding threads of one replay's files, shared by all of them: they decode, in batches,
/// the file the merge will need soonest (the one whose decoded events end earliest) among those
/// nobody holds, until a budget of events waits to be taken. The consumer takes a file's
/// batches in order; when none is ready it waits for the thread holding the file, or decodes a
/// batch itself when nobody does (so the budget never blocks it).
final class PrefetchPool {
    let configuration: Prefetch
    private let shared: Shared
    private var started = false

    init(_ configuration: Prefetch) {
        self.configuration = configuration
        shared = Shared(configuration)
    }

    deinit { shared.cancel() }

    /// Adds a file (before `start`); returns its slot.
    func add(_ job: PrefetchJob) -> Int { shared.add(job) }

    /// Starts the threads (once).
    func start() {
        guard !started else { return }
        started = true
        for worker in 0..<configuration.workers {
            let shared = self.shared
            let thread = Thread {
                WorkerPriority.lowerCurrentThread()
                shared.work()
            }
            thread.name = "ratetop-prefetch-\(worker)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// The next batch of a file, in order; nil after its last.
    func take(_ slot: Int) -> PrefetchBatch? { shared.take(slot) }

    final class Shared: @unchecked Sendable {
        private let configuration: Prefetch
        private var jobs: [PrefetchJob] = []
        private struct Slot {
            var queue: [PrefetchBatch] = []
            /// A thread is decoding the file.
            var busy = false
            /// The file is decoded to its end (its last batch may still wait in `queue`).
            var finished = false
            /// The completion time of its last decoded event: when the merge will need more.
            var horizon = -Double.infinity
        }
        private var slots: [Slot] = []
        /// Slots not finished, in slot order.
        private var active: [Int] = []
        /// Events decoded and not taken.
        private var buffered = 0
        private var idleWorkers = 0
        private var consumerWaiting = false
        private var cancelled = false
        private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        /// Workers wait on it for work (budget, a file free).
        private let workToDo = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        /// The consumer waits on it for a batch of the file a worker holds.
        private let delivered = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init(_ configuration: Prefetch) {
            self.configuration = configuration
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(workToDo, nil)
            pthread_cond_init(delivered, nil)
        }

        deinit {
            pthread_cond_destroy(delivered)
            pthread_cond_destroy(workToDo)
            pthread_mutex_destroy(mutex)
            delivered.deallocate()
            workToDo.deallocate()
            mutex.deallocate()
        }

        func add(_ job: PrefetchJob) -> Int {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            jobs.append(job)
            slots.append(Slot())
            active.append(slots.count - 1)
            return slots.count - 1
        }

        func cancel() {
            pthread_mutex_lock(mutex)
            cancelled = true
            pthread_cond_broadcast(workToDo)
            pthread_mutex_unlock(mutex)
        }

        /// A worker's loop: the most urgent free file, a batch of it, again; ends when every
        /// file is decoded or the pool is dropped.
        func work() {
            pthread_mutex_lock(mutex)
            while !cancelled {
                if buffered < configuration.budget, let slot = mostUrgent() {
                    let batch = decodeOutsideLock(slot)
                    buffered += batch.events.count
                    slots[slot].queue.append(batch)
                    if consumerWaiting { pthread_cond_broadcast(delivered) }
                    continue
                }
                if active.isEmpty { break }
                idleWorkers += 1
                pthread_cond_wait(workToDo, mutex)
                idleWorkers -= 1
            }
            pthread_mutex_unlock(mutex)
        }

        /// The free, unfinished file whose decoded events end earliest (the lower slot on a tie).
        private func mostUrgent() -> Int? {
            var best: Int?
            var bestHorizon = Double.infinity
            for slot in active where !slots[slot].busy {
                let horizon = slots[slot].horizon
                if best == nil || horizon < bestHorizon {
                    best = slot
                    bestHorizon = horizon
                }
            }
            return best
        }

        /// Frees `slot` after a batch (called with the lock held).
        private func release(_ slot: Int, after batch: PrefetchBatch) {
            slots[slot].busy = false
            if let last = batch.events.last { slots[slot].horizon = last.end }
            if batch.last {
                slots[slot].finished = true
                if let position = active.firstIndex(of: slot) { active.remove(at: position) }
                // Threads waiting for work that is no more may end.
                if active.isEmpty, idleWorkers > 0 { pthread_cond_broadcast(workToDo) }
            } else if idleWorkers > 0 {
                pthread_cond_signal(workToDo)
            }
        }

        func take(_ slot: Int) -> PrefetchBatch? {
            pthread_mutex_lock(mutex)
            while true {
                if !slots[slot].queue.isEmpty {
                    let batch = slots[slot].queue.removeFirst()
                    buffered -= batch.events.count
                    if idleWorkers > 0, buffered < configuration.budget { pthread_cond_signal(workToDo) }
                    pthread_mutex_unlock(mutex)
                    return batch
                }
                if slots[slot].finished || cancelled {
                    pthread_mutex_unlock(mutex)
                    return nil
                }
                if slots[slot].busy {
                    consumerWaiting = true
                    pthread_cond_wait(delivered, mutex)
                    consumerWaiting = false
                    continue
                }
                // Nobody holds the file: decode it here rather than wait.
                let batch = decodeOutsideLock(slot)
                pthread_mutex_unlock(mutex)
                return batch
            }
        }

        /// Takes the free file in `slot`, decodes a batch of it with the lock released, and
        /// gives the file back (called, and returning, with the lock held).
        private func decodeOutsideLock(_ slot: Int) -> PrefetchBatch {
            slots[slot].busy = true
            let job = jobs[slot]
            pthread_mutex_unlock(mutex)
            let batch = job.decodeBatch(maxEvents: configuration.batchEvents, maxBytes: configuration.batchBytes)
            pthread_mutex_lock(mutex)
            release(slot, after: batch)
            return batch
        }
    }
}

/// The events of one file of a replay decoded by a `PrefetchPool`: batches taken in order, model
/// references translated into the shared catalog, problems and notices said in the order and
/// at the moment the sequential `FileEventSource` says them.
public final class PrefetchedFileEventSource: EventSource {
    public let path: String
    public private(set) var format: LogFormat
    public var alertSource: String
    public private(set) var lines = 0
    public private(set) var skipped = SkipCounts()
    private let pool: PrefetchPool
    private let slot: Int
    private let models: ModelCatalog
    private let diagnostics: Diagnostics
    private var events: [Exchange] = []
    private var position = 0
    private var messages: [PrefetchBatch.Message] = []
    private var messagePosition = 0
    private var refills: [PrefetchBatch.Refill] = []
    private var refillPosition = 0
    /// The next event before which a refill is counted or a message said.
    private var nextStop = Int.max
    /// The file's catalog index → the shared catalog's reference.
    private var translation: [ModelRef] = []
    private var ended = false

    init(pool: PrefetchPool, slot: Int, path: String, format: LogFormat, models: ModelCatalog, diagnostics: Diagnostics) {
        self.pool = pool
        self.slot = slot
        self.path = path
        self.format = format
        self.models = models
        self.diagnostics = diagnostics
        alertSource = path
    }

    public var displayName: String { path }

    public func skipCopy() { skipped[.duplicate] += 1 }

    @inline(__always)
    public func next() -> Exchange? {
        if position < events.count, position < nextStop {
            var event = events[position]
            position += 1
            event.model = translation[Int(event.model.index)]
            return event
        }
        return nextSlowly()
    }

    private func nextSlowly() -> Exchange? {
        while true {
            if position < events.count {
                account(through: position)
                var event = events[position]
                position += 1
                event.model = translation[Int(event.model.index)]
                return event
            }
            account(through: .max)
            guard !ended, let batch = pool.take(slot) else {
                ended = true
                events = []
                position = 0
                return nil
            }
            install(batch)
        }
    }

    private func install(_ batch: PrefetchBatch) {
        if let format = batch.format { self.format = format }
        if let names = batch.modelNames {
            for name in names[translation.count...] { translation.append(models.intern(name)) }
        }
        events = batch.events
        position = 0
        messages = batch.messages
        messagePosition = 0
        refills = batch.refills
        refillPosition = 0
        nextStop = min(messages.first?.before ?? .max, refills.first?.start ?? .max)
        ended = batch.last
    }

    /// Counts the refills and says the messages due before event `limit`, in the order the
    /// sequential reader does: a refill's lines, then what it said.
    private func account(through limit: Int) {
        while refillPosition < refills.count, refills[refillPosition].start <= limit {
            lines += refills[refillPosition].lines
            skipped.add(refills[refillPosition].skipped)
            refillPosition += 1
        }
        while messagePosition < messages.count, messages[messagePosition].before <= limit {
            let message = messages[messagePosition]
            if message.line == 0 {
                diagnostics.notice(message.text)
            } else {
                diagnostics.malformed(path: path, line: message.line, reason: message.text)
            }
            messagePosition += 1
        }
        nextStop = min(messagePosition < messages.count ? messages[messagePosition].before : .max,
                       refillPosition < refills.count ? refills[refillPosition].start : .max)
    }
}

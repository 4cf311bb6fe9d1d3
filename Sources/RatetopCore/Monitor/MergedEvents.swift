import HeapModule

/// A stream of events in the order its source wrote them (a file, a decoded chunk, a test list).
public protocol EventStream: AnyObject {
    /// The next event, or nil at the end.
    func next() -> Exchange?
    /// The next event written into `event`; false at the end (`event` then unchanged). A stream
    /// that holds its events can copy one straight into the reader's storage: an `Exchange` is
    /// about 230 bytes, and returned through an optional it was copied again at each hand-over.
    func next(into event: inout Exchange) -> Bool
}

extension EventStream {
    public func next(into event: inout Exchange) -> Bool {
        guard let following = next() else { return false }
        event = following
        return true
    }
}

/// Several streams merged by completion time: a heap of their next events, so a thousand
/// sources cost a logarithm per event, not a scan. Within one stream events keep their order
/// (a late line stays where it was written); between streams, ties go to the lower position.
///
/// With `dropCopies`, a transcript event whose `dedupKey` was first taken from another stream
/// (a resumed session's copy of an older message, when each file was decoded with its own
/// memory) is dropped here, in merge order, and `onCopy` is told the stream once per line.
public struct MergedEvents {
    private let streams: [any EventStream]
    /// Each stream's time and position, its event kept apart in `pending` (the heap moves 16
    /// bytes, not an event).
    private var heads = Heap<Head>()
    private var pending: [Exchange?]
    private var started = false
    private let copies: CrossStreamDedup?
    private let onCopy: ((Int) -> Void)?
    /// The stream whose event was taken last (still the heap's minimum): it is read again only
    /// when the next event is asked for, so nothing is read ahead of what the caller has seen.
    private var taken: Int?
    /// The minimum was found not to be a copy (asked about once, not at every peek).
    private var minimumChecked = false

    private struct Head: Comparable {
        var end: Double
        var stream: Int

        static func < (lhs: Head, rhs: Head) -> Bool { lhs.end < rhs.end || (lhs.end == rhs.end && lhs.stream < rhs.stream) }
    }

    public init(_ streams: [any EventStream], dropCopies: Bool = false, onCopy: ((Int) -> Void)? = nil) {
        self.streams = streams
        pending = Array(repeating: nil, count: streams.count == 1 ? 0 : streams.count)
        copies = dropCopies && streams.count > 1 ? CrossStreamDedup() : nil
        self.onCopy = onCopy
    }

    /// Reads every stream's first event (lazily: a stream is not touched before it is needed).
    private mutating func start() {
        started = true
        for (position, stream) in streams.enumerated() {
            if let event = stream.next() {
                pending[position] = event
                heads.insert(Head(end: event.end, stream: position))
            }
        }
    }

    /// The completion time of the next event, without taking it.
    public mutating func peekTime() -> Double? {
        if streams.count == 1 { return peekSingle() }
        refill()
        return heads.min?.end
    }

    /// The next event in completion order.
    public mutating func next() -> Exchange? {
        withNext { $0 }
    }

    /// Hands the next event in completion order to `body` where it lies, without copying it out;
    /// nil at the end.
    @inline(__always)
    public mutating func withNext<Result>(_ body: (Exchange) -> Result) -> Result? {
        if streams.count == 1 {
            guard peekSingle() != nil else { return nil }
            hasSingle = false
            return body(single)
        }
        refill()
        guard let head = heads.min, let event = pending[head.stream] else { return nil }
        taken = head.stream
        return body(event)
    }

    /// One stream (a single log): no heap, just its next event, read into `single` when first
    /// asked for.
    private var single = Exchange(end: 0, model: ModelRef(index: 0))
    private var hasSingle = false

    @inline(__always)
    private mutating func peekSingle() -> Double? {
        if !hasSingle { hasSingle = streams[0].next(into: &single) }
        return hasSingle ? single.end : nil
    }

    /// Replaces the minimum by its stream's next event, or drops it when the stream is done.
    private mutating func advance(_ stream: Int) {
        minimumChecked = false
        if let following = streams[stream].next() {
            pending[stream] = following
            _ = heads.replaceMin(with: Head(end: following.end, stream: stream))
        } else {
            pending[stream] = nil
            _ = heads.popMin()
        }
    }

    private mutating func refill() {
        if !started { start() }
        if let stream = taken {
            taken = nil
            advance(stream)
        }
        guard let copies, !minimumChecked else { return }
        // Copies are dropped before anyone sees them at the head (its time included).
        while let head = heads.min, let event = pending[head.stream], event.dedupKey != 0,
              case .drop(let newLine) = copies.verdict(event, stream: head.stream) {
            if newLine { onCopy?(head.stream) }
            advance(head.stream)
        }
        minimumChecked = true
    }
}

import DequeModule

/// Copies of one transcript event in several streams, found where the streams are merged.
///
/// Claude Code re-writes old messages into a resumed session's file with their original
/// timestamps. When every file is decoded with its own `TranscriptDedupMemory` (apart, on
/// several threads), each file counts its copy; the merge then keeps the first copy in merge
/// order (the earliest, the lower stream on a tie) and drops the others, whatever thread decoded
/// what first. An event's key is `Exchange.dedupKey` (0: never a copy). A stream may repeat its
/// own key (the events of one `claude -p` result line share it; a file's decoder already
/// decided about its own lines), so only a key first taken from another stream makes a copy.
///
/// Bounded like the decoders' memory: keys stamped more than `window` of log time before the
/// newest are forgotten, and at most `capacity` are kept.
final class CrossStreamDedup {
    let capacity: Int
    let window: Double
    private struct Entry {
        /// The stream whose event was taken.
        var stream: Int32
        /// The line of the last copy dropped (its other events are not counted again).
        var droppedSource: Int32 = -1
        var droppedLine = -1
    }
    private var entries: [UInt64: Entry] = [:]
    private var order: Deque<(key: UInt64, time: Double)> = []
    private var newest = -Double.infinity

    init(capacity: Int = 1 << 20, window: Double = 2 * 3600) {
        self.capacity = max(1, capacity)
        self.window = window
    }

    /// What to do with an event at the head of the merge.
    enum Verdict: Equatable {
        case take
        /// A copy: drop it; `newLine` is true for the first event of its line dropped.
        case drop(newLine: Bool)
    }

    /// Decides about `event`, next in merge order from `stream`; a taken key is remembered.
    /// Asking twice about the same event gives the same answer.
    func verdict(_ event: Exchange, stream: Int) -> Verdict {
        let key = event.dedupKey
        if let entry = entries[key] {
            if entry.stream == Int32(stream) { return .take }
            if entry.droppedSource == event.origin.source, entry.droppedLine == event.origin.line { return .drop(newLine: false) }
            entries[key]?.droppedSource = event.origin.source
            entries[key]?.droppedLine = event.origin.line
            return .drop(newLine: true)
        }
        entries[key] = Entry(stream: Int32(stream))
        order.append((key, event.end))
        if event.end > newest { newest = event.end }
        while let first = order.first, order.count > capacity || first.time < newest - window {
            entries.removeValue(forKey: first.key)
            order.removeFirst()
        }
        return .take
    }

    /// How many keys are remembered.
    var count: Int { entries.count }
}

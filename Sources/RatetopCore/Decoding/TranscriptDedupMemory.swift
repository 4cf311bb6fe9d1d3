import DequeModule

/// A bounded memory of the transcript messages already counted, as 64-bit key hashes, each
/// with the log time of the line that brought it.
///
/// Claude Code re-writes old messages when a session is resumed (in the same file later, or in
/// a new file), with their original timestamps, so one memory can be shared by the
/// `ClaudeCodeTranscriptDecoder`s of every file of a source. Files are read merged by time (a
/// replay) or their last hour together (`watch`), so a rewritten copy is decoded within
/// `window` of log time of its original: keys older than that behind the newest are forgotten,
/// and memory follows the rate of messages, not the length of the history. `capacity` is a
/// last bound on top (the oldest go first). A reference type on purpose: sharing it is the
/// point. Not thread-safe; use it from the one task that decodes the source.
public final class TranscriptDedupMemory {
    /// The most keys kept; the oldest is forgotten first.
    public let capacity: Int
    /// Keys stamped this long before the newest are forgotten (seconds of log time).
    public let window: Double
    private var keys: Set<UInt64> = []
    /// Insertion order, with the time each key was stamped.
    private var order: Deque<(key: UInt64, time: Double)> = []
    private var newest = -Double.infinity

    public init(capacity: Int = 1 << 20, window: Double = 2 * 3600) {
        self.capacity = max(1, capacity)
        self.window = window
    }

    /// How many keys are remembered.
    public var count: Int { keys.count }

    /// True when `key` was inserted and not yet forgotten.
    @inline(__always)
    public func contains(_ key: UInt64) -> Bool { keys.contains(key) }

    /// Remembers `key`, seen on a line stamped `time`; returns false when it was already remembered.
    @discardableResult
    public func insert(_ key: UInt64, at time: Double = -.infinity) -> Bool {
        guard keys.insert(key).inserted else { return false }
        order.append((key, time))
        if time > newest { newest = time }
        // Forget what is too old to be rewritten now, and the oldest beyond the capacity. (A key
        // stamped out of order stays until the keys before it go: memory stays bounded either way.)
        while let first = order.first, order.count > capacity || first.time < newest - window {
            keys.remove(first.key)
            order.removeFirst()
        }
        return true
    }
}

/// A bounded memory of the transcript messages already counted, as 64-bit key hashes.
///
/// Claude Code re-writes old messages when a session is resumed (in the same file later, or in
/// a new file), so one memory can be shared by the `ClaudeCodeTranscriptDecoder`s of every file
/// of a source. When full it forgets the oldest key first. A reference type on purpose: sharing
/// it is the point. Not thread-safe; use it from the one task that decodes the source.
public final class TranscriptDedupMemory {
    /// The most keys kept; the oldest is forgotten first.
    public let capacity: Int
    private var keys: Set<UInt64>
    /// Insertion order, a ring buffer of `capacity` slots once full.
    private var order: [UInt64]
    private var head = 0

    public init(capacity: Int = 1 << 20) {
        self.capacity = max(1, capacity)
        keys = []
        order = []
    }

    /// How many keys are remembered.
    public var count: Int { keys.count }

    /// True when `key` was inserted and not yet forgotten.
    @inline(__always)
    public func contains(_ key: UInt64) -> Bool { keys.contains(key) }

    /// Remembers `key`; returns false when it was already remembered.
    @discardableResult
    public func insert(_ key: UInt64) -> Bool {
        guard keys.insert(key).inserted else { return false }
        if order.count < capacity {
            order.append(key)
        } else {
            keys.remove(order[head])
            order[head] = key
            head = head + 1 == capacity ? 0 : head + 1
        }
        return true
    }
}

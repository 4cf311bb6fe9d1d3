/// Who is draining the buckets: the usage of the last minute per consumer, htop-style.
///
/// Keeps one small entry per admitted event for 60 seconds of event time (bounded by the
/// request rate, not the log) and sums them on demand under any grouping.
public struct DrainLedger: Sendable {
    public struct Entry: Sendable {
        public var time: Double
        public var classID: String
        /// The event's source (file) index.
        public var source: Int32
        /// The `--group-by` value's index, or -1.
        public var field: Int32
        public var usage: PerDimension<Double>
    }

    /// One consumer's usage in the window.
    public struct Consumer: Sendable, Equatable {
        public var name: String
        public var perMinute: PerDimension<Double>
        /// Of the class's usage in the window (0...1).
        public var share: PerDimension<Double>
    }

    public static let window = 60.0
    private var entries: [Entry] = []
    private var head = 0

    public init() {}

    /// Records an admitted event's consumption (throttled attempts count as requests only).
    public mutating func record(_ event: Exchange, classID: String, countedInput: Int, field: Int32 = -1) {
        let usage = PerDimension(requests: Double(event.requests), inputTokens: Double(countedInput),
                                 outputTokens: Double(event.usage.outputTokens))
        entries.append(Entry(time: event.end, classID: classID, source: event.origin.source, field: field, usage: usage))
        // Drop what left the window; compact now and then.
        let cutoff = event.end - Self.window
        while head < entries.count, entries[head].time <= cutoff { head += 1 }
        if head > 4096 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    /// The top consumers of a class in `(now - 60 s, now]`, grouped by `key` (nil key: skip).
    public func top(classID: String, now: Double, limit: Int, key: (Entry) -> String?) -> [Consumer] {
        var sums: [String: PerDimension<Double>] = [:]
        var total = PerDimension<Double>(repeating: 0)
        var index = entries.count - 1
        while index >= head {
            let entry = entries[index]
            index -= 1
            guard entry.time > now - Self.window else { break }
            guard entry.time <= now, entry.classID == classID, let name = key(entry) else { continue }
            var sum = sums[name] ?? PerDimension(repeating: 0)
            for dimension in Dimension.allCases {
                sum[dimension] += entry.usage[dimension]
                total[dimension] += entry.usage[dimension]
            }
            sums[name] = sum
        }
        let consumers = sums.map { name, sum in
            Consumer(name: name, perMinute: sum,
                     share: PerDimension(requests: total.requests > 0 ? sum.requests / total.requests : 0,
                                         inputTokens: total.inputTokens > 0 ? sum.inputTokens / total.inputTokens : 0,
                                         outputTokens: total.outputTokens > 0 ? sum.outputTokens / total.outputTokens : 0))
        }
        return Array(consumers.sorted {
            ($0.share.inputTokens + $0.share.outputTokens + $0.share.requests, $1.name)
                > ($1.share.inputTokens + $1.share.outputTokens + $1.share.requests, $0.name)
        }.prefix(limit))
    }
}

/// The level of every bucket, sampled once per second of (virtual) time over the last hour:
/// what the dashboard's history graph draws. Memory is fixed by the window, not the log.
public struct LevelHistory: Sendable {
    public static let seconds = 3600
    private var series: [String: PerDimension<[Double]>] = [:]
    private var lastSecond: Int64 = .min

    public init() {}

    /// Records the state at its time, once per whole second (later calls in the same second and
    /// earlier times are ignored; skipped seconds repeat the previous sample).
    public mutating func record(_ state: EngineState) {
        let second = Int64(state.at.rounded(.down))
        guard second > lastSecond else { return }
        let gap = lastSecond == .min ? 1 : Int(min(Int64(Self.seconds), second - lastSecond))
        lastSecond = second
        for bucket in state.buckets {
            var values = series[bucket.classID] ?? PerDimension(repeating: [])
            for dimension in Dimension.allCases {
                let sample = bucket.remaining[dimension] ?? .nan
                let previous = values[dimension].last ?? .nan
                for step in 0..<gap {
                    values[dimension].append(step == gap - 1 ? sample : previous)
                }
                if values[dimension].count > Self.seconds + 600 {
                    values[dimension].removeFirst(values[dimension].count - Self.seconds)
                }
            }
            series[bucket.classID] = values
        }
    }

    /// The last `seconds` samples of a class's dimension, oldest first; nil where unknown
    /// (before the class appeared or while its limit was unknown).
    public func levels(classID: String, dimension: Dimension, seconds: Int) -> [Double?] {
        let values = series[classID]?[dimension] ?? []
        let tail = values.suffix(seconds).map { $0.isNaN ? nil : Optional($0) }
        return [Double?](repeating: nil, count: max(0, seconds - tail.count)) + tail
    }

    /// Forgets everything (a seek backwards replays from the start).
    public mutating func reset() {
        series = [:]
        lastSecond = .min
    }
}

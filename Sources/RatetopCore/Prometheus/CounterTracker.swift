/// Turns cumulative Prometheus counters into increments between scrapes.
///
/// - The first scrape of a source is the baseline: what the counters held before ratetop started
///   cannot be placed in time, so it is not usage of any interval.
/// - A series first seen in a later scrape counts from zero (client libraries create a series at
///   its first increment, so all of it is new since the previous scrape).
/// - A value lower than the last one is a reset (the exporter restarted): the increment is the
///   new value, what was counted since the restart. A changed `_created` time is a reset too,
///   which catches a restart whose counters had already grown past the old value (e.g. during a
///   period of failed scrapes).
/// - NaN, infinite and negative values are ignored (they are not counts).
///
/// Memory is bounded by the number of distinct series, capped at `maxSeries`.
public struct CounterTracker: Sendable {
    public static let maxSeries = 50_000

    private struct Last: Sendable {
        var value: Double
        var created: Double?
    }

    private var last: [String: Last] = [:]
    private var baselineTaken = false
    /// Resets seen so far (for tests and the status line).
    public private(set) var resets = 0
    /// Series ignored because the cap was reached.
    public private(set) var droppedSeries = 0

    public init() {}

    /// The increment of the series `key` since the previous scrape. `created` is the series'
    /// `_created` time when the exporter writes one.
    public mutating func increment(series key: String, value: Double, created: Double? = nil) -> Double {
        guard value.isFinite, value >= 0 else { return 0 }
        guard let previous = last[key] else {
            guard last.count < Self.maxSeries else {
                droppedSeries += 1
                return 0
            }
            last[key] = Last(value: value, created: created)
            return baselineTaken ? value : 0
        }
        last[key] = Last(value: value, created: created ?? previous.created)
        if let created, let before = previous.created, created != before {
            resets += 1
            return value
        }
        if value < previous.value {
            resets += 1
            return value
        }
        return value - previous.value
    }

    /// Marks the end of a successful scrape: from now on new series count from zero.
    public mutating func finishScrape() {
        baselineTaken = true
    }

    /// True once a scrape has been taken as the baseline.
    public var hasBaseline: Bool { baselineTaken }
}

/// A past log played through a `Monitor` on virtual time: events, alert instants and the
/// `state` ticks of `--interval`, in time order. Like swift-nio's `EmbeddedEventLoop`, time
/// moves only when the driver says `advanceTime(to:)`: the headless replay moves it to the end
/// at once, the dashboard a second at a time as its clock runs.
///
/// What is seen at virtual time T is exactly what a live run would have seen at T: every line
/// stamped at or before T, nothing stamped after. A tick at T is handed out before the alerts
/// of the same second, and both before any line stamped after T is applied.
public final class ReplaySchedule {
    /// What the schedule hands to its driver, in time order.
    public enum Output {
        /// A `state` tick: the driver reads `monitor.state(at:)` and writes it.
        case tick(Double)
        /// An alert transition (its second is `at`).
        case alert(AlertEvent)
    }

    public let monitor: Monitor
    /// Seconds between ticks; nil: no ticks (the dashboard reads the state itself).
    public let interval: Double?
    /// `--from`: no tick or alert before it (earlier lines only warm the buckets up).
    public let from: Double?
    /// `--to`: lines stamped after it are not read.
    public let to: Double?
    private var events: MergedEvents
    private var nextTick: Double?
    /// The first and last completion times applied at or after `from` (the summary's span).
    public private(set) var firstEvent: Double?
    public private(set) var lastEvent: Double?
    /// True once every line up to `to` has been applied.
    public private(set) var drained = false
    /// Called with each event as it is applied, and what the engine did with it.
    public var onEvent: ((Exchange, IngestResult) -> Void)?
    /// The monitor's source position of each event source index (empty: the same number).
    public var sourceOf: [Int] = []
    private var pending: [AlertEvent] = []

    public init(monitor: Monitor, events: MergedEvents, interval: Double? = 1, from: Double? = nil, to: Double? = nil) {
        self.monitor = monitor
        self.events = events
        self.interval = interval
        self.from = from
        self.to = to
    }

    /// The completion time of the next line to apply, nil when none is left.
    public func nextEventTime() -> Double? {
        guard !drained, let time = events.peekTime(), time <= to ?? .infinity else { return nil }
        return time
    }

    /// Plays everything stamped at or before `time`: lines, alert instants and ticks.
    public func advanceTime(to time: Double, _ output: (Output) -> Void) {
        applyLines(through: time, output)
        play(before: time, inclusive: true, output)
    }

    /// Plays every line (up to `to`), then the ticks up to the first one at or after the end
    /// of the log (or `to`), and the alerts up to it.
    public func finish(_ output: (Output) -> Void) {
        applyLines(through: .infinity, output)
        guard let last = lastEvent ?? to else { return }
        guard let interval else {
            emitAlerts(through: (to ?? last).rounded(.up), output)
            return
        }
        var tick = nextTick ?? from ?? (last / interval).rounded(.up) * interval
        let end = to ?? last
        while tick < end + interval {
            emitAlerts(through: tick.nextDown, output)
            output(.tick(tick))
            if tick >= end || tick + interval <= tick { break }
            tick += interval
        }
        emitAlerts(through: tick, output)
        nextTick = nil
    }

    private func applyLines(through time: Double, _ output: (Output) -> Void) {
        while !drained, let end = events.peekTime(), end <= time {
            if let to, end > to {
                drained = true
                return
            }
            if nextTick == nil, let interval { nextTick = from ?? (end / interval).rounded(.up) * interval }
            play(before: end, inclusive: false, output)
            // Applied where the merge holds it: copying it out cost more than applying it.
            guard events.withNext({ apply($0) }) != nil else { break }
        }
        if events.peekTime() == nil { drained = true }
    }

    @inline(__always)
    private func apply(_ event: Exchange) {
        let index = Int(event.origin.source)
        monitor.noteLine(source: index < sourceOf.count ? sourceOf[index] : index, at: event.end)
        let result = monitor.ingest(event)
        if result == .applied, event.end >= from ?? -.infinity {
            if firstEvent == nil { firstEvent = event.end }
            lastEvent = max(lastEvent ?? event.end, event.end)
        }
        onEvent?(event, result)
    }

    /// Ticks and alert instants before `limit` (or at it, when `inclusive`), in time order.
    private func play(before limit: Double, inclusive: Bool, _ output: (Output) -> Void) {
        while let tick = nextTick, inclusive ? tick <= limit : tick < limit {
            emitAlerts(through: tick.nextDown, output)
            output(.tick(tick))
            // Past 2^53 a tick plus the interval is the same tick: stop rather than loop.
            let following = tick + (interval ?? .infinity)
            nextTick = following > tick && following.isFinite ? following : nil
        }
        emitAlerts(through: inclusive ? limit : limit.nextDown, output)
    }

    private func emitAlerts(through time: Double, _ output: (Output) -> Void) {
        monitor.advance(through: time, into: &pending)
        for event in pending { output(.alert(event)) }
        pending.removeAll(keepingCapacity: true)
    }
}

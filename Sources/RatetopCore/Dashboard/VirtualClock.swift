/// The replay clock: virtual time that moves at `speed` times wall time, can be paused, and
/// jumps on seek. Pure: the caller says how much wall time passed.
public struct VirtualClock: Sendable, Equatable {
    public static let speeds: [Double] = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]
    public private(set) var now: Double
    public private(set) var speed: Double
    public private(set) var paused = false

    public init(start: Double, speed: Double = 60) {
        now = start
        self.speed = speed
    }

    /// Moves virtual time by `wallSeconds` of real time (nothing while paused).
    public mutating func advance(wallSeconds: Double) {
        guard !paused, wallSeconds > 0 else { return }
        now += wallSeconds * speed
    }

    public mutating func togglePause() { paused.toggle() }

    /// The next speed up (`+`) or down (`-`) in `speeds`.
    public mutating func faster() { speed = Self.speeds.first { $0 > speed } ?? speed }
    public mutating func slower() { speed = Self.speeds.last { $0 < speed } ?? speed }

    /// Jumps to a time.
    public mutating func seek(to time: Double) { now = time }

    /// Stops at the end of the log.
    public mutating func hold(at time: Double) {
        now = time
        paused = true
    }
}

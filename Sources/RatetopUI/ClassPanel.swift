import RatetopCore

/// Everything the dashboard shows about one model class (one tab).
public struct ClassPanel: Sendable {
    public var state: BucketState
    /// Each bucket's level once per second over the graph window, oldest first; nil = unknown.
    public var history: PerDimension<[Double?]>
    /// Each bucket's use per second over the graph window, oldest first; nil = unknown. Only the
    /// selected class needs it (the others' are left empty).
    public var use: PerDimension<[Double?]>
    /// Top consumers over the last minute, largest first.
    public var drainers: [Drainer]

    public init(state: BucketState, history: PerDimension<[Double?]> = PerDimension(repeating: []),
                drainers: [Drainer] = [], use: PerDimension<[Double?]> = PerDimension(repeating: [])) {
        self.state = state
        self.history = history
        self.use = use
        self.drainers = drainers
    }
}

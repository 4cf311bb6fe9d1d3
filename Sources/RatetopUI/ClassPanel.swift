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
    /// How long the next request would wait (the selected class only; nil before its first request).
    public var admission: AdmissionLine?

    public init(state: BucketState, history: PerDimension<[Double?]> = PerDimension(repeating: []),
                drainers: [Drainer] = [], use: PerDimension<[Double?]> = PerDimension(repeating: [])) {
        self.state = state
        self.history = history
        self.use = use
        self.drainers = drainers
    }
}

/// The admission forecast for the selected class: the request asked about and its wait.
public struct AdmissionLine: Sendable, Equatable {
    public var request: RequestSize
    /// The request is the class's p95 times 2^`scale` (`]`/`[` change it).
    public var scale: Int
    public var forecast: AdmissionForecast

    public init(request: RequestSize, scale: Int, forecast: AdmissionForecast) {
        self.request = request
        self.scale = scale
        self.forecast = forecast
    }
}

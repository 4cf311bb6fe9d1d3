/// The plain data the dashboard renders. The executable builds it from the engine and the
/// sources each frame; `DashboardView` turns it into cells.
public struct DashboardModel: Sendable {
    public enum Mode: Equatable, Sendable {
        case live
        case replay(speed: Double, paused: Bool, finished: Bool)

        public var isReplay: Bool {
            if case .replay = self { return true }
            return false
        }
    }

    /// What the graphs plot (`v` switches).
    public enum GraphKind: Equatable, Sendable {
        /// Use per second against the refill rate: empty when idle, spikes when draining.
        case activity
        /// Each bucket's level (what is left) over time.
        case level

        public var other: GraphKind { self == .activity ? .level : .activity }
    }

    /// The graph windows `w` cycles through, in minutes.
    public static let graphWindows = [1, 5, 15, 60]

    public var mode: Mode
    /// Epoch seconds; virtual in replay.
    public var clock: Double
    public var sources: [String]
    /// Names the input in the header instead of the sources (`sample: a day on Tier 1`).
    public var sourceLabel: String?
    /// One tab per model class, in order.
    public var classes: [ClassPanel]
    public var selectedClass: Int
    /// 1, 5, 15 or 60.
    public var graphWindowMinutes: Int
    public var graphKind: GraphKind = .activity
    /// `source`, `project`, `session` or a field name.
    public var grouping: String
    public var linesRead: Int
    public var malformedLines: Int
    public var lastProblem: String?
    /// Live sources failing right now (scrapes): the header says `stale` instead of `live`.
    public var staleSources = 0
    /// Every source is a scraped endpoint: the status line has no line count (it would stay 0;
    /// the header's `live`/`stale` says whether the scrapes work).
    public var onlyScraping = false
    /// Firing alerts; empty until the alerts feature lands (the panel is then not drawn).
    public var alerts: [AlertRow]
    public var expanded: Panel?
    public var showHelp: Bool

    public init(mode: Mode = .live, clock: Double, sources: [String] = [], classes: [ClassPanel] = [],
                selectedClass: Int = 0, graphWindowMinutes: Int = 5, grouping: String = "source",
                linesRead: Int = 0, malformedLines: Int = 0, lastProblem: String? = nil,
                alerts: [AlertRow] = [], expanded: Panel? = nil, showHelp: Bool = false) {
        self.mode = mode
        self.clock = clock
        self.sources = sources
        self.classes = classes
        self.selectedClass = selectedClass
        self.graphWindowMinutes = graphWindowMinutes
        self.grouping = grouping
        self.linesRead = linesRead
        self.malformedLines = malformedLines
        self.lastProblem = lastProblem
        self.alerts = alerts
        self.expanded = expanded
        self.showHelp = showHelp
    }

    /// The window `w` switches to after `minutes`.
    public static func nextGraphWindow(after minutes: Int) -> Int {
        guard let index = graphWindows.firstIndex(of: minutes) else { return graphWindows[0] }
        return graphWindows[(index + 1) % graphWindows.count]
    }

    /// The selected class, clamped to the tabs; nil when no class has been seen.
    public var selectedPanel: ClassPanel? {
        guard !classes.isEmpty else { return nil }
        return classes[min(max(0, selectedClass), classes.count - 1)]
    }
}

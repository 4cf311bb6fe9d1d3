import RatetopCore

/// The past logs of the dashboard's replay, opened: their sources merged by completion time,
/// ready to be played through a `ReplaySchedule`. Seeking backwards starts again from the top
/// (the engine cannot run backwards), which `reopen()` provides.
public final class ReplayFeed {
    private let paths: [String]
    private let format: LogFormat?
    /// Problems found so far in this pass over the files.
    public let diagnostics: Diagnostics
    public let models: ModelCatalog
    private let sources: [any EventSource]
    private var merged: MergedEvents?
    /// The first event's completion time, nil for an empty input.
    public let firstTime: Double?

    /// The `--group-by` field, and its values seen so far (indexes are `Exchange.group`).
    public let groupBy: String?
    public let groups: ModelCatalog

    public init(paths arguments: [String], format: LogFormat?, models: ModelCatalog, diagnostics: Diagnostics,
                groupBy: String? = nil, groups: ModelCatalog = ModelCatalog()) throws(SourceError) {
        let named = try SourcePaths.expandNamed(arguments)
        paths = named.map(\.path)
        self.format = format
        self.groupBy = groupBy
        self.groups = groups
        self.models = models
        self.diagnostics = diagnostics
        // One thread: the dashboard's replay is paced by its clock, not by decoding speed.
        sources = try SourceOpener.open(paths: named, format: format, models: models, diagnostics: diagnostics,
                                        parallelThreshold: .max, groupBy: groupBy, groups: groups, copies: .atMerge)
        var merged = SourceOpener.merged(sources)
        firstTime = merged.peekTime()
        self.merged = merged
    }

    /// The expanded file paths.
    public var files: [String] { paths }

    /// Non-empty lines read so far.
    public var lines: Int { sources.reduce(0) { $0 + $1.lines } }

    /// The files, lines read so far and lines skipped per reason (with no `firstTime`, the
    /// whole input).
    public var input: ReplayInput {
        ReplayInput(files: sources.count, lines: lines, skipped: sources.reduce(SkipCounts()) { $0 + $1.skipped })
    }

    /// The display name of a source index.
    public func displayName(_ index: Int32) -> String { sources[Int(index)].displayName }

    /// A schedule playing this feed's lines through `monitor` (once: the lines are consumed),
    /// with the sources registered in the monitor in file order.
    public func schedule(monitor: Monitor) -> ReplaySchedule {
        let sourceOf = monitor.addSources(sources.map(\.alertSource))
        let events = merged ?? MergedEvents([])
        merged = nil
        let schedule = ReplaySchedule(monitor: monitor, events: events, interval: nil)
        schedule.sourceOf = sourceOf
        return schedule
    }

    /// A fresh feed over the same files, from the top, counting problems in `diagnostics`.
    public func reopen(diagnostics: Diagnostics) throws(SourceError) -> ReplayFeed {
        try ReplayFeed(paths: paths, format: format, models: models, diagnostics: diagnostics, groupBy: groupBy, groups: groups)
    }
}

import RatetopCore

/// The events of past logs handed out up to a virtual time: what the dashboard's replay reads
/// as its clock moves. Seeking backwards starts again from the top (the engine cannot run
/// backwards), which `reopen()` provides.
public final class ReplayFeed {
    private let paths: [String]
    private let format: LogFormat?
    /// Problems found so far in this pass over the files.
    public let diagnostics: Diagnostics
    public let models: ModelCatalog
    private var merged: MergedEvents
    private var sources: [any EventSource]
    private var lookahead: Exchange?
    /// The first event's completion time, nil for an empty input.
    public private(set) var firstTime: Double?
    /// True once every event has been handed out.
    public private(set) var finished = false

    /// The `--group-by` field, and its values seen so far (indexes are `Exchange.group`).
    public let groupBy: String?
    public let groups: ModelCatalog

    public init(paths arguments: [String], format: LogFormat?, models: ModelCatalog, diagnostics: Diagnostics,
                groupBy: String? = nil, groups: ModelCatalog = ModelCatalog()) throws(SourceError) {
        paths = try SourcePaths.expand(arguments)
        self.format = format
        self.groupBy = groupBy
        self.groups = groups
        self.models = models
        self.diagnostics = diagnostics
        // One thread: the dashboard's replay is paced by its clock, not by decoding speed.
        sources = try SourceOpener.open(paths: paths, format: format, models: models, diagnostics: diagnostics,
                                        parallelThreshold: .max, groupBy: groupBy, groups: groups)
        merged = MergedEvents(sources: sources)
        lookahead = merged.next()
        firstTime = lookahead?.end
        finished = lookahead == nil
    }

    /// The expanded file paths.
    public var files: [String] { paths }

    /// Non-empty lines read so far.
    public var lines: Int { sources.reduce(0) { $0 + $1.lines } }

    /// The display name of a source index.
    public func displayName(_ index: Int32) -> String { sources[Int(index)].displayName }

    /// Hands out every event completed at or before `time`, in order.
    public func events(through time: Double, _ body: (Exchange) -> Void) {
        while let event = lookahead, event.end <= time {
            body(event)
            lookahead = merged.next()
        }
        finished = lookahead == nil
    }

    /// The completion time of the next event, if any.
    public var nextTime: Double? { lookahead?.end }

    /// A fresh feed over the same files, from the top, counting problems in `diagnostics`.
    public func reopen(diagnostics: Diagnostics) throws(SourceError) -> ReplayFeed {
        try ReplayFeed(paths: paths, format: format, models: models, diagnostics: diagnostics, groupBy: groupBy, groups: groups)
    }
}

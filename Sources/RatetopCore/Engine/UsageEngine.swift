/// What the engine needs to know besides the events.
public struct EngineConfiguration: Sendable {
    public var table: LimitsTable
    /// The tier chosen with `--tier`, if any (an id or name from the table).
    public var tierID: String?
    /// How far behind the engine's clock a line may be stamped and still be applied to the
    /// buckets (seconds). Later lines still count in the totals, and are reported as late.
    public var outOfOrderTolerance: Double
    /// Events completed before this time warm the buckets up but are left out of the summary
    /// (`--from`).
    public var summaryFrom: Double

    public init(table: LimitsTable, tierID: String? = nil, outOfOrderTolerance: Double = 30,
                summaryFrom: Double = -.infinity) {
        self.table = table
        self.tierID = tierID
        self.outOfOrderTolerance = outOfOrderTolerance
        self.summaryFrom = summaryFrom
    }
}

/// What the engine did with an event.
public enum IngestResult: Equatable, Sendable {
    case applied
    /// The event is stamped this many seconds before the engine's clock, beyond the tolerance:
    /// it counts in the totals (and the summary) but not in the buckets, windows or trend.
    case late(behind: Double)
}

/// What an applied event changed in its bucket, beyond its usage (which every applied event
/// adds: levels and the rolling windows): the Monitor re-reads only the rules whose metric can
/// have moved (`AlertMetric.isMoved(by:)`).
public struct BucketChange: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Levels and the rolling windows' usage: every applied event.
    public static let usage = BucketChange(rawValue: 1 << 0)
    /// A throttled attempt entered the rolling windows.
    public static let throttles = BucketChange(rawValue: 1 << 1)
    /// The half-hour trend's minutes: a minute began, or one already complete changed.
    public static let trend = BucketChange(rawValue: 1 << 2)
    /// The limits (from headers).
    public static let limits = BucketChange(rawValue: 1 << 3)
    /// The latest change of a limit.
    public static let limitChange = BucketChange(rawValue: 1 << 4)
    /// The spend cap's state (a refusal, or the first success, or any success after a refusal).
    public static let spend = BucketChange(rawValue: 1 << 5)
    public static let all = BucketChange(rawValue: 0x3f)
}

/// The pure core of ratetop: rebuilds every model class's buckets from events and answers
/// what the state is at a time. It does no I/O and never reads a clock: time is what the
/// events and the caller say. Live, replay and tests all drive this same type.
public final class UsageEngine {
    public let configuration: EngineConfiguration
    public let models: ModelCatalog
    /// The engine's clock: the latest completion time seen.
    public private(set) var now: Double = -.infinity
    /// Per model index: its class tracker index, -1 when not yet resolved.
    private var classOfModel: [Int32] = []
    /// The same for fast-mode traffic.
    private var fastClassOfModel: [Int32] = []
    private var trackers: [ClassTracker] = []
    private let tier: (scheme: TierScheme, tier: Tier)?
    /// Model ids the table does not know seen so far (each its own class up to the cap).
    private var unknownClasses = 0
    /// Distinct unknown model ids given classes of their own; the rest share `otherClassID`.
    public static let maxUnknownClasses = 64
    public static let otherClassID = "other"
    /// Models without a price named in a notice; the rest only in the summary.
    static let maxUnpricedNotices = 10
    private var unpricedModels = 0
    /// Called with one line when something about the input deserves a word (the cap above).
    public var onNotice: ((String) -> Void)?

    public init(configuration: EngineConfiguration, models: ModelCatalog) {
        self.configuration = configuration
        self.models = models
        self.tier = configuration.tierID.flatMap { configuration.table.tier(named: $0) }
    }

    /// The classes seen so far, in order of first appearance.
    public var classIDs: [String] { trackers.map(\.info.id) }

    /// Applies one event. Events should come in completion order; small disorder (within the
    /// tolerance) is applied retroactively.
    @discardableResult
    public func ingest(_ event: Exchange) -> IngestResult {
        if event.end < now - configuration.outOfOrderTolerance {
            tracker(for: event.model, fast: event.usage.isFast, at: event.start).countLate(event, table: configuration.table, models: models,
                                                                 countInSummary: event.end >= configuration.summaryFrom)
            return .late(behind: now - event.end)
        }
        if event.end > now { now = event.end }
        let tracker = tracker(for: event.model, fast: event.usage.isFast, at: event.start)
        let before = tracker.quietInputs
        tracker.apply(event, now: now, table: configuration.table, models: models,
                      countInSummary: event.end >= configuration.summaryFrom)
        lastChange = tracker.change(since: before, by: event)
        return .applied
    }

    /// What the last applied event changed in its bucket.
    public private(set) var lastChange = BucketChange.all

    /// How many model classes have been seen (bucket positions are `0..<bucketCount`, in order
    /// of first appearance, and never change).
    public var bucketCount: Int { trackers.count }

    /// The position of the bucket an ingested event's model was counted under.
    @inline(__always)
    public func bucketPosition(of event: Exchange) -> Int? {
        let index = Int(event.model.index)
        let position: Int32
        if event.usage.isFast {
            guard index < fastClassOfModel.count else { return nil }
            position = fastClassOfModel[index]
        } else {
            guard index < classOfModel.count else { return nil }
            position = classOfModel[index]
        }
        return position >= 0 ? Int(position) : nil
    }

    /// One bucket's state at `time`.
    public func bucketState(_ position: Int, at time: Double) -> BucketState {
        trackers[position].state(at: time, table: configuration.table, models: models)
    }

    /// The numbers the rules read of one bucket at `time` (`ClassTracker.reading(at:)`).
    func bucketReading(_ position: Int, at time: Double) -> BucketReading {
        trackers[position].reading(at: time)
    }

    /// The tracker behind a bucket position (the Monitor reads its future from it).
    func classTracker(_ position: Int) -> ClassTracker { trackers[position] }

    /// The state of every bucket at `time` (normally ≥ every event ingested so far).
    public func state(at time: Double) -> EngineState {
        EngineState(at: time, buckets: trackers.map { $0.state(at: time, table: configuration.table, models: models) })
    }

    /// Totals, peaks and advice over everything ingested, with the window `from...to`.
    public func summary(from: Double?, to: Double?) -> [BucketSummary] {
        trackers.map { $0.summary(table: configuration.table, at: to ?? now, models: models) }
    }

    /// The p95 size of the last requests admitted in a class (`classID` as in `state`, `-fast`
    /// included), nil before the first: the admission forecast's default request.
    public func typicalRequest(classID: String) -> RequestSize? {
        trackers.first { $0.info.id == classID }?.typicalRequest
    }

    /// The model class an ingested event was counted under.
    public func modelClass(of event: Exchange) -> ModelClassInfo? {
        bucketPosition(of: event).map { trackers[$0].info }
    }

    /// Says once per model id (the first ten) that a model has no price: its class's cost is
    /// unknown (`cost_usd` null), not zero.
    private func noteUnpriced(_ name: String) {
        unpricedModels += 1
        if unpricedModels <= Self.maxUnpricedNotices {
            onNotice?("model \(name.prefix(80)): no price in the limits table: the cost of its class is unknown (cost_usd null)"
                      + (unpricedModels == Self.maxUnpricedNotices ? " (further models without a price not reported)" : ""))
        }
    }

    /// The tracker of a model's class; fast-mode traffic has a class of its own beside it
    /// (`opus-4.x-fast`: its own limits, from its headers, and its own price).
    private func tracker(for model: ModelRef, fast: Bool, at time: Double) -> ClassTracker {
        let index = Int(model.index)
        if fast {
            if index < fastClassOfModel.count, fastClassOfModel[index] >= 0 { return trackers[Int(fastClassOfModel[index])] }
            while fastClassOfModel.count <= index { fastClassOfModel.append(-1) }
            let base = classInfo(for: models.names[index], at: time)
            let info = ModelClassInfo(id: base.id + "-fast", name: base.name + " (fast mode)", modelPatterns: base.modelPatterns,
                                      cacheReadsCountTowardITPM: base.cacheReadsCountTowardITPM)
            if configuration.table.price(for: models.names[index], at: time, fast: true) == nil {
                noteUnpriced(models.names[index] + " in fast mode")
            }
            let position = trackerPosition(for: info, fast: true, at: time)
            fastClassOfModel[index] = Int32(position)
            trackers[position].addModel(model, name: models.names[index])
            return trackers[position]
        }
        if index < classOfModel.count, classOfModel[index] >= 0 { return trackers[Int(classOfModel[index])] }
        while classOfModel.count <= index { classOfModel.append(-1) }
        let position = trackerPosition(for: classInfo(for: models.names[index], at: time), fast: false, at: time)
        classOfModel[index] = Int32(position)
        trackers[position].addModel(model, name: models.names[index])
        return trackers[position]
    }

    /// The position of the tracker of a class, made when first needed.
    private func trackerPosition(for info: ModelClassInfo, fast: Bool, at time: Double) -> Int {
        if let existing = trackers.firstIndex(where: { $0.info.id == info.id && $0.isFast == fast }) { return existing }
        trackers.append(ClassTracker(info: info, table: configuration.table, tier: tier, at: time, fast: fast))
        return trackers.count - 1
    }

    /// The class of a model id first seen: the table's, else one of its own (up to the cap on
    /// unknown ids, then the shared `other`); says when a model has no price.
    private func classInfo(for name: String, at time: Double) -> ModelClassInfo {
        // A class id stands for its class (another ratetop's metrics name buckets, not models).
        var info = configuration.table.modelClass(named: name)
            ?? ModelClassInfo(id: name.lowercased(), name: name, modelPatterns: [name.lowercased()])
        if configuration.table.modelClass(id: info.id) == nil, !trackers.contains(where: { $0.info.id == info.id }) {
            // A model the table does not know gets a class of its own, up to a cap; past it
            // (hostile variety: a log of 20,000 invented ids) the rest share one.
            if unknownClasses >= Self.maxUnknownClasses {
                if unknownClasses == Self.maxUnknownClasses {
                    onNotice?("more than \(Self.maxUnknownClasses) model ids the limits table does not know "
                              + "(the next: \(name.prefix(80))): the rest are counted together as '\(Self.otherClassID)'")
                }
                info = ModelClassInfo(id: Self.otherClassID, name: "other models", modelPatterns: [])
            }
            unknownClasses += 1
        }
        if configuration.table.price(for: name, at: time) == nil { noteUnpriced(name) }
        return info
    }
}

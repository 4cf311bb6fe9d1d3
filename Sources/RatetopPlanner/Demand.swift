import RatetopCore

/// One logical API call of a log: the first attempt's start, and what the call asked for (the
/// usage of its successful attempt, or an imputed one when every attempt failed).
public struct DemandCall: Sendable {
    /// When the first attempt was sent (epoch seconds).
    public var arrival: Double
    /// Seconds from start to completion of the admitted attempt (the output drains over it).
    public var duration: Double
    public var usage: Usage
    /// Index into `Demand.modelNames`.
    public var model: Int32
    /// Index into `Demand.classes`.
    public var classIndex: Int32
    /// Index into `Demand.sourceNames`.
    public var source: Int32
    /// Index into `Demand.groupNames`, or -1.
    public var group: Int32
    /// How many attempts the log holds for this call (1 + the retries matched to it).
    public var attempts: Int32
    /// The log's outcome: true when one attempt succeeded.
    public var succeeded: Bool
    /// True when no attempt succeeded and the usage is the model's mean (see `DemandBuilder`).
    public var imputed: Bool
    /// Already sent through the Message Batches API in the log.
    public var isBatch: Bool

    public init(arrival: Double, duration: Double, usage: Usage, model: Int32 = 0, classIndex: Int32 = 0,
                source: Int32 = 0, group: Int32 = -1, attempts: Int32 = 1, succeeded: Bool = true,
                imputed: Bool = false, isBatch: Bool = false) {
        self.arrival = arrival
        self.duration = duration
        self.usage = usage
        self.model = model
        self.classIndex = classIndex
        self.source = source
        self.group = group
        self.attempts = attempts
        self.succeeded = succeeded
        self.imputed = imputed
        self.isBatch = isBatch
    }
}

/// A model class as the planner sees it: the table's class (or `<class>-fast`, or a class of
/// its own for a model the table does not know) and the limits the log's headers showed.
public struct PlanClass: Sendable, Equatable {
    /// The table's class id (`sonnet-4.x`), `sonnet-4.x-fast` for fast mode, or the model id
    /// when no class matches.
    public var id: String
    /// The id whose limits the tiers hold (nil: no tier limits this class).
    public var tableClassID: String?
    public var cacheReadsCount: Bool
    /// The last limits the log's headers gave for the class; -1 where no header said.
    public var headerLimits: PerDimension<Int>

    public init(id: String, tableClassID: String?, cacheReadsCount: Bool = false,
                headerLimits: PerDimension<Int> = PerDimension(repeating: -1)) {
        self.id = id
        self.tableClassID = tableClassID
        self.cacheReadsCount = cacheReadsCount
        self.headerLimits = headerLimits
    }

    public var hasHeaderLimits: Bool { headerLimits != PerDimension(repeating: -1) }
}

/// What the log itself shows, for the baseline check.
public struct ObservedLog: Sendable, Equatable {
    /// Attempts read (every logged request, retries included).
    public var attempts = 0
    /// Attempts refused by the organization's limiter (429 `rate_limit_error`).
    public var throttled = 0
    /// Attempts refused at the monthly spend cap.
    public var spendCapped = 0
    /// Attempts answered 529 (Anthropic-wide, not the team's limiter).
    public var overloaded = 0
    /// Attempts matched as retries of an earlier attempt.
    public var retriesMatched = 0
    /// Logical calls whose every attempt failed.
    public var failedCalls = 0
    /// Distinct minutes with at least one throttled attempt.
    public var throttledMinutes = 0
    /// Events that stand for no single request (usage-report aggregates) or a subscription's
    /// window: not demand the limiter can replay.
    public var skippedEvents = 0
    /// First attempt start and last completion.
    public var from = 0.0
    public var to = 0.0
    /// The median seconds between sending an attempt and its 429 (0.2 when the log has none).
    public var rejectLatency = 0.2

    public init() {}

    /// The share of attempts that reached the organization's limiter (529s excluded) and were
    /// throttled by it: what the baseline scenario must reproduce.
    public var throttledShare: Double {
        let reached = attempts - overloaded
        return reached > 0 ? Double(throttled) / Double(reached) : 0
    }
}

/// A log's demand: its logical calls sorted by arrival, and what it observed.
public struct Demand: Sendable {
    public var calls: [DemandCall]
    public var classes: [PlanClass]
    public var modelNames: [String]
    public var sourceNames: [String]
    public var groupNames: [String]
    /// The `--group-by` field the group names are values of.
    public var groupField: String?
    public var observed: ObservedLog

    public init(calls: [DemandCall], classes: [PlanClass], modelNames: [String], sourceNames: [String] = [],
                groupNames: [String] = [], groupField: String? = nil, observed: ObservedLog = ObservedLog()) {
        self.calls = calls
        self.classes = classes
        self.modelNames = modelNames
        self.sourceNames = sourceNames
        self.groupNames = groupNames
        self.groupField = groupField
        self.observed = observed
    }
}

/// Turns a log's attempts into logical calls.
///
/// **Retries are matched, not guessed from ids** (no log format carries the SDK's retry count):
/// attempts are walked in order of start; a failed attempt (429, 529, 408, 409, 5xx) opens an
/// expectation for its (source, model, group): the SDK's next attempt starts `retry-after`
/// seconds after the failure completed when the header says 1 to 60 s, else after the
/// exponential backoff `min(0.5 × 2^n, 8) × (0.75…1)` for its n-th retry. The first later
/// attempt of the same key that starts inside that window (−0.25 s … +2 s of slack for the
/// client's own scheduling) continues the call; any other attempt opens a new call. A chain is
/// followed for the SDKs' default of 2 retries (`maxRetries`): after its last retry a client
/// moves on, and a new call of the same key that happened to start in the window is not taken
/// for one. A call whose every attempt failed asks for the mean usage and duration of the
/// successful calls of its key (source, model, group), else of its model (nothing when the
/// model has none) — of those that were throttled and then admitted when there are at least
/// five: the calls that never got through are more like them than like the average call.
public struct DemandBuilder {
    /// Attempt kinds.
    enum Kind: UInt8 {
        case success
        case throttled
        case spendCap
        case overloaded
        /// 408, 409 and other 5xx: retried by the SDKs.
        case retryable
        /// Any other error: final, never retried.
        case final
    }

    struct Attempt {
        var start: Double
        var end: Double
        var retryAfter: Double
        var usage: Usage
        var model: Int32
        var classIndex: Int32
        var source: Int32
        var group: Int32
        var kind: Kind
        var isBatch: Bool
    }

    private struct Key: Hashable {
        var source: Int32
        var model: Int32
        var group: Int32
    }

    private struct Expectation {
        var low: Double
        var high: Double
        var call: Int
        var retries: Int
    }

    /// Slack around the expected retry time.
    public static let earlySlack = 0.25
    public static let lateSlack = 2.0
    /// The SDK's backoff (anthropic-sdk-python `_constants.py`: INITIAL_RETRY_DELAY, MAX_RETRY_DELAY).
    public static let initialRetryDelay = 0.5
    public static let maxRetryDelay = 8.0
    /// The SDKs' default number of retries: an attempt after that many is a new call.
    public static let defaultMaxRetries = 2

    /// How many retries a call is followed for (the log's client's `max_retries`).
    public let maxRetries: Int
    private let table: LimitsTable
    private let models: ModelCatalog
    private var attempts: [Attempt] = []
    private var classes: [PlanClass] = []
    private var classOfModel: [Int32] = []
    private var classOfFastModel: [Int32] = []
    private var skipped = 0

    public init(table: LimitsTable, models: ModelCatalog, maxRetries: Int = DemandBuilder.defaultMaxRetries) {
        self.maxRetries = maxRetries
        self.table = table
        self.models = models
    }

    /// Adds one decoded event. Events that stand for no single request (a usage report's
    /// aggregate) and subscription windows are counted and skipped.
    public mutating func add(_ event: Exchange) {
        guard event.requests == 1, event.errorKind != .subscriptionLimit, event.coarseSeconds == 0 else {
            skipped += 1
            return
        }
        let classIndex = self.classIndex(of: event.model, fast: event.usage.isFast)
        if event.hasHeaders {
            for dimension in Dimension.allCases where event.headers.limit[dimension] > 0 {
                classes[Int(classIndex)].headerLimits[dimension] = event.headers.limit[dimension]
            }
        }
        let kind: Kind
        if event.errorKind == .spendLimitReached {
            kind = .spendCap
        } else if event.isThrottled {
            kind = .throttled
        } else if event.isOverloaded {
            kind = .overloaded
        } else if event.status == 0 || (200..<300).contains(event.status) {
            kind = event.errorKind == .none ? .success : .final
        } else if event.status == 408 || event.status == 409 || event.status >= 500 {
            kind = .retryable
        } else {
            kind = .final
        }
        attempts.append(Attempt(
            start: min(event.start, event.end), end: event.end, retryAfter: event.retryAfter, usage: event.usage,
            model: event.model.index, classIndex: classIndex, source: event.origin.source, group: event.group,
            kind: kind, isBatch: event.isBatch))
    }

    private mutating func classIndex(of model: ModelRef, fast: Bool) -> Int32 {
        let index = Int(model.index)
        if fast {
            while classOfFastModel.count <= index { classOfFastModel.append(-1) }
            if classOfFastModel[index] >= 0 { return classOfFastModel[index] }
        } else {
            while classOfModel.count <= index { classOfModel.append(-1) }
            if classOfModel[index] >= 0 { return classOfModel[index] }
        }
        let name = models.name(model)
        let info = table.modelClass(for: name)
        let id: String
        if let info {
            id = fast ? info.id + "-fast" : info.id
        } else {
            id = name
        }
        let found: Int32
        if let existing = classes.firstIndex(where: { $0.id == id }) {
            found = Int32(existing)
        } else {
            // Fast mode has no tier limits of its own (only `anthropic-fast-*` headers say).
            classes.append(PlanClass(id: id, tableClassID: fast ? nil : info?.id,
                                     cacheReadsCount: info?.cacheReadsCountTowardITPM ?? false))
            found = Int32(classes.count - 1)
        }
        if fast { classOfFastModel[index] = found } else { classOfModel[index] = found }
        return found
    }

    /// The logical calls, sorted by arrival, and what the log observed.
    public func build(sourceNames: [String] = [], groupNames: [String] = [], groupField: String? = nil) -> Demand {
        var observed = ObservedLog()
        observed.skippedEvents = skipped
        observed.attempts = attempts.count
        let order = attempts.indices.sorted { attempts[$0].start < attempts[$1].start }
        var open: [Key: [Expectation]] = [:]
        var calls: [DemandCall] = []
        calls.reserveCapacity(attempts.count)
        var callDone: [Bool] = []
        callDone.reserveCapacity(attempts.count)
        var throttledMinutes = Set<Int>()
        var rejectLatencies: [Double] = []
        observed.from = order.first.map { attempts[$0].start } ?? 0
        observed.to = attempts.reduce(observed.from) { max($0, $1.end) }

        for index in order {
            let attempt = attempts[index]
            switch attempt.kind {
            case .throttled:
                observed.throttled += 1
                throttledMinutes.insert(Int((attempt.end / 60).rounded(.down)))
                if attempt.end > attempt.start, rejectLatencies.count < 100_000 { rejectLatencies.append(attempt.end - attempt.start) }
            case .spendCap: observed.spendCapped += 1
            case .overloaded: observed.overloaded += 1
            default: break
            }
            let key = Key(source: attempt.source, model: attempt.model, group: attempt.group)
            var call = -1
            var retries = 0
            if var waiting = open[key] {
                waiting.removeAll { $0.high < attempt.start }
                if let position = waiting.firstIndex(where: { $0.low <= attempt.start }) {
                    call = waiting[position].call
                    retries = waiting[position].retries + 1
                    waiting.remove(at: position)
                }
                open[key] = waiting.isEmpty ? nil : waiting
            }
            if call < 0 {
                call = calls.count
                calls.append(DemandCall(
                    arrival: attempt.start, duration: 0, usage: .zero, model: attempt.model, classIndex: attempt.classIndex,
                    source: attempt.source, group: attempt.group, attempts: 1, succeeded: false, isBatch: attempt.isBatch))
                callDone.append(false)
            } else {
                calls[call].attempts += 1
                observed.retriesMatched += 1
            }
            switch attempt.kind {
            case .success:
                calls[call].usage = attempt.usage
                calls[call].duration = attempt.end - attempt.start
                calls[call].succeeded = true
                callDone[call] = true
            case .final:
                calls[call].usage = attempt.usage
                calls[call].duration = attempt.end - attempt.start
                callDone[call] = true
            case .throttled, .spendCap, .overloaded, .retryable:
                guard retries < maxRetries else { break }
                let expected: (Double, Double)
                if attempt.retryAfter > 0, attempt.retryAfter <= 60 {
                    expected = (attempt.retryAfter, attempt.retryAfter)
                } else {
                    var backoff = Self.initialRetryDelay
                    for _ in 0..<retries { backoff *= 2 }
                    backoff = min(backoff, Self.maxRetryDelay)
                    expected = (backoff * 0.75, backoff)
                }
                let expectation = Expectation(low: attempt.end + expected.0 - Self.earlySlack,
                                              high: attempt.end + expected.1 + Self.lateSlack, call: call, retries: retries)
                open[key, default: []].append(expectation)
            }
        }
        observed.throttledMinutes = throttledMinutes.count
        if !rejectLatencies.isEmpty {
            rejectLatencies.sort()
            observed.rejectLatency = rejectLatencies[rejectLatencies.count / 2]
        }

        // Calls that never succeeded ask for the mean of their key's successful calls, else their model's.
        typealias Sum = (input: Double, creation: Double, read: Double, output: Double, duration: Double, count: Int)
        var byKey: [Key: Sum] = [:]
        var byModel: [Int32: Sum] = [:]
        func add(_ call: DemandCall, to sum: inout Sum) {
            sum.input += Double(call.usage.inputTokens)
            sum.creation += Double(call.usage.cacheCreationInputTokens)
            sum.read += Double(call.usage.cacheReadInputTokens)
            sum.output += Double(call.usage.outputTokens)
            sum.duration += call.duration
            sum.count += 1
        }
        // Calls that were throttled and then got through are the closest sample of the ones
        // that never did (large calls are throttled more often than small ones).
        var retriedByKey: [Key: Sum] = [:]
        for call in calls where call.succeeded {
            let key = Key(source: call.source, model: call.model, group: call.group)
            add(call, to: &byKey[key, default: (0, 0, 0, 0, 0, 0)])
            add(call, to: &byModel[call.model, default: (0, 0, 0, 0, 0, 0)])
            if call.attempts > 1 { add(call, to: &retriedByKey[key, default: (0, 0, 0, 0, 0, 0)]) }
        }
        for index in calls.indices where !calls[index].succeeded {
            observed.failedCalls += 1
            let call = calls[index]
            let key = Key(source: call.source, model: call.model, group: call.group)
            let retried = retriedByKey[key].flatMap { $0.count >= 5 ? $0 : nil }
            guard !callDone[index], let sum = retried ?? byKey[key] ?? byModel[call.model] else { continue }
            let n = Double(sum.count)
            calls[index].usage = Usage(
                inputTokens: Int((sum.input / n).rounded()), cacheCreationInputTokens: Int((sum.creation / n).rounded()),
                cacheReadInputTokens: Int((sum.read / n).rounded()), outputTokens: Int((sum.output / n).rounded()))
            calls[index].duration = sum.duration / n
            calls[index].imputed = true
        }
        return Demand(calls: calls, classes: classes, modelNames: models.names, sourceNames: sourceNames,
                      groupNames: groupNames, groupField: groupField, observed: observed)
    }
}

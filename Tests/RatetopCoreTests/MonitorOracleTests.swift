import Foundation
import PropertyBased
import Synchronization
import RatetopTestSupport
import Testing
@testable import RatetopCore
@testable import RatetopIO

/// The event-driven `Monitor` against the stepped oracle (one state and every rule at every
/// second, as ratetop evaluated before): the same alert transitions, to the second and to the
/// text, on randomized logs with gaps from milliseconds to months, late lines, 429 storms,
/// header observations, limit changes, spend-cap refusals and several sources.
///
/// `RATETOP_PROPERTY_CASES` sets how many logs each property checks: 40 by default (the oracle
/// steps every second of bursts on the debug build); long runs set thousands.
@Suite(.tags(.unit))
struct MonitorOracleTests {
    static let cases = ProcessInfo.processInfo.environment["RATETOP_PROPERTY_CASES"].flatMap(Int.init) ?? 40

    static let table: LimitsTable? = try? BundledLimitsTable.load()

    @Test("the built-in rules: the Monitor's transitions are the stepped evaluation's")
    func defaultRules() async throws {
        let table = try #require(Self.table)
        let fired = Mutex<[String: Int]>([:])
        await propertyCheck(count: Self.cases, input: LogSpec.generator) { spec in
            let log = spec.log()
            let stepped = SteppedOracle.run(log, table: table, rules: AlertRule.defaults)
            let monitored = MonitorDriver.run(log, table: table, rules: AlertRule.defaults)
            #expect(monitored.transitions == stepped.transitions, "\(spec.describe(stepped: stepped.transitions, monitored: monitored.transitions))")
            #expect(monitored.lateLines == stepped.lateLines)
            fired.withLock { counts in
                for event in stepped.transitions { counts["\(event.rule) \(event.state.rawValue)", default: 0] += 1 }
            }
        }
        // The logs exercise the rules: these fire and resolve in any run of 40 logs (seen: every run).
        let counts = fired.withLock { $0 }
        for rule in ["headroom_low", "bucket_empty_soon", "rate_429_high", "rate_429_storm", "tier_upgrade", "limit_changed",
                     "source_stale", "spend_cap_reached"] {
            #expect(counts["\(rule) firing", default: 0] > 0, "\(rule) never fired: \(counts)")
            #expect(counts["\(rule) resolved", default: 0] > 0, "\(rule) never resolved: \(counts)")
        }
    }

    @Test("odd custom rules (every metric, both directions, long holds): the same transitions")
    func oddRules() async throws {
        let table = try #require(Self.table)
        await propertyCheck(count: Self.cases, input: LogSpec.generator, RuleSpec.generator) { spec, ruleSpec in
            let log = spec.log()
            let rules = ruleSpec.rules()
            let stepped = SteppedOracle.run(log, table: table, rules: rules)
            let monitored = MonitorDriver.run(log, table: table, rules: rules)
            #expect(monitored.transitions == stepped.transitions, "\(spec.describe(stepped: stepped.transitions, monitored: monitored.transitions))")
        }
    }

    @Test("two lines a year apart: a handful of evaluations, not 31 million")
    func sparseCostsNothing() throws {
        let (monitor, models) = try Self.monitor(tier: "tier1")
        let source = monitor.addSource("a.jsonl")
        let start = 1_790_000_000.0
        var evaluations = 0
        for end in [start, start + 365 * 86_400] {
            while let next = monitor.nextInstant, next < end {
                monitor.advance(through: next)
                evaluations += 1
            }
            monitor.noteLine(source: source, at: end)
            monitor.ingest(Exchange(end: end, model: models.intern("claude-sonnet-4-5-20250929"),
                                    usage: Usage(inputTokens: 1000, outputTokens: 100)))
        }
        while let next = monitor.nextInstant, next <= start + 366 * 86_400 {
            monitor.advance(through: next)
            evaluations += 1
        }
        // Each line: its own second, the windows emptying, the trend's minutes, the stale deadline.
        #expect(evaluations < 200, "\(evaluations) evaluations")
        #expect(monitor.alerts.firedByRule["source_stale"] == 2)
    }

    @Test("a 429 late in the third limited minute, after a success in it, fires tier_upgrade")
    func aThirdLimitedMinuteLateInItsMinuteFires() throws {
        let (monitor, models) = try Self.monitor(tier: "tier4")
        let model = models.intern("claude-sonnet-4-5-20250929")
        let start = 1_790_000_040.0  // 40 s into a minute
        func line(_ end: Double, refused: Bool) {
            monitor.advance(through: end)
            monitor.ingest(Exchange(end: end, model: model, status: refused ? 429 : 200,
                                    usage: refused ? .zero : Usage(inputTokens: 1_000, outputTokens: 100),
                                    errorKind: refused ? .rateLimited : .none, limitedDimension: refused ? .inputTokens : nil))
        }
        line(start, refused: true)
        line(start + 60, refused: true)
        // The third minute: a success first (two limited minutes: tier_upgrade cannot fire yet),
        // then a 429 in the same minute, which changes no completed minute: the rule must still
        // read that minute once it completes. (A scheduling shortcut tried on 2026-12-08 missed it.)
        line(start + 120, refused: false)
        line(start + 125, refused: true)
        while let next = monitor.nextInstant, next <= start + 3_600 { monitor.advance(through: next) }
        #expect(monitor.alerts.firedByRule["tier_upgrade"] == 1, "\(monitor.alerts.firedByRule)")
    }

    /// A Monitor with the built-in rules on a tier of the bundled table, and its model catalog.
    static func monitor(tier: String) throws -> (Monitor, ModelCatalog) {
        let table = try #require(Self.table)
        let models = ModelCatalog()
        return (Monitor(configuration: EngineConfiguration(table: table, tierID: tier), models: models), models)
    }
}

// MARK: The two drivers

struct OracleRun {
    var transitions: [AlertEvent] = []
    var lateLines = 0
}

/// A log: events in file order (each file in its own order, lines possibly late), and how many sources.
struct GeneratedLog {
    var events: [Exchange]
    var sources: Int
    var tier: String
    /// Both drivers go on this long after the last line, so what quiet time does after the
    /// last burst (buckets refilling, windows and the trend emptying, sources going stale) is
    /// compared too.
    static let tail = 3600.0
}

/// The stepped evaluation, as `ReplayRunner` did it before the Monitor: at every whole second
/// from the first event's, ingest what completed by then, then one state and every rule.
///
/// To stay affordable over gaps of months it leaves out seconds only where the stepped
/// evaluation provably sees the same values: the rolling windows are empty and every bucket is
/// full (so only the half-hour trend, which moves at minute boundaries, and the time-since
/// metrics can change), every time-since metric is past every threshold of its rules, and no metric value has
/// changed for longer than the longest hold. Then it goes to the next minute boundary (or, once
/// the trend is empty too, to the next line's second); any change puts it back to every second.
enum SteppedOracle {
    static func run(_ log: GeneratedLog, table: LimitsTable, rules: [AlertRule]) -> OracleRun {
        let models = ModelCatalog()
        let events = log.events.map { models.remap($0) }
        let engine = UsageEngine(configuration: EngineConfiguration(table: table, tierID: log.tier), models: models)
        var evaluator = AlertEvaluator(rules: rules)
        var activity = (0..<log.sources).map { SourceActivity(name: "source-\($0).jsonl") }
        var run = OracleRun()
        guard let first = events.first else { return run }
        let last = events.map(\.end).max() ?? first.end
        let lastTick = last.rounded(.up) + GeneratedLog.tail
        let maxHold = rules.map { max($0.holdSeconds, $0.clearHoldSeconds) }.max() ?? 0
        var time = first.end.rounded(.up)
        var index = 0
        var previous: [Double?] = []
        var changedAt = time
        while time <= lastTick {
            while index < events.count, events[index].end <= time {
                let event = events[index]
                activity[Int(event.origin.source)].record(at: event.end)
                if case .late = engine.ingest(event) { run.lateLines += 1 }
                index += 1
            }
            var state = engine.state(at: time)
            state.sources = activity
            run.transitions += evaluator.evaluate(state)
            // Only at rest does it matter whether values stay put (and only then is it worth reading them).
            let atRest = windowsEmpty(state) && beyondThresholds(state, rules: rules)
            let values = atRest ? fingerprint(state) : []
            if !atRest || values != previous { changedAt = time }
            previous = values
            if atRest, time - changedAt > maxHold + 1 {
                // With the windows empty, an empty trend stays empty: only minutes with data move it.
                let trendEmpty = state.buckets.allSatisfy { $0.trend == MinuteTrend() }
                let nextMinute = trendEmpty ? .infinity : ((time / 60).rounded(.down) + 1) * 60
                let nextLine = index < events.count ? events[index].end.rounded(.up) : lastTick
                time = max(time + 1, min(nextMinute, nextLine))
            } else {
                time += 1
            }
        }
        while index < events.count {
            if case .late = engine.ingest(events[index]) { run.lateLines += 1 }
            index += 1
        }
        return run
    }

    /// Every metric that does not grow with time alone, for every bucket and dimension.
    static func fingerprint(_ state: EngineState) -> [Double?] {
        var values: [Double?] = []
        for bucket in state.buckets {
            for metric in AlertMetric.allCases where !metric.perSource && metric != .secondsSinceLimitChange {
                if metric.perDimension {
                    for dimension in RatetopCore.Dimension.allCases { values.append(metric.value(of: bucket, dimension: dimension, at: state.at)) }
                } else {
                    values.append(metric.value(of: bucket, dimension: nil, at: state.at))
                }
            }
        }
        return values
    }

    /// Nothing in any bucket's rolling windows (no second can leave them), and every bucket full
    /// (a bucket in debt shows 0 % while it refills: the value stays, the level does not).
    static func windowsEmpty(_ state: EngineState) -> Bool {
        state.buckets.allSatisfy { bucket in
            bucket.requests5m == 0 && bucket.requests429 == 0 && bucket.requests529 == 0
                && bucket.uncachedInput5m == 0 && bucket.cacheRead5m == 0 && bucket.cacheCreation5m == 0
                && bucket.requests429LastMinute == 0
                && RatetopCore.Dimension.allCases.allSatisfy { dimension in
                    bucket.ratePerMinute[dimension] == 0
                        && (bucket.remaining[dimension] == nil || bucket.remaining[dimension] == bucket.limits[dimension].map(Double.init))
                }
        }
    }

    /// Every metric that grows with time alone is past every threshold of its rules, for good.
    static func beyondThresholds(_ state: EngineState, rules: [AlertRule]) -> Bool {
        func past(_ metric: AlertMetric, _ value: Double?) -> Bool {
            guard let value else { return true }
            return rules.filter { $0.metric == metric }.allSatisfy { value > max($0.fire, $0.clear) + 1 }
        }
        return state.buckets.allSatisfy { past(.secondsSinceLimitChange, AlertMetric.secondsSinceLimitChange.value(of: $0, dimension: nil, at: state.at)) }
            && state.sources.allSatisfy { past(.secondsSinceLastLine, AlertMetric.secondsSinceLastLine.value(of: $0, at: state.at)) }
    }
}

/// The Monitor driven as the replay drives it: before each line, every second before its
/// stamp; then the line; at the end, through the last line's second (and the tail).
enum MonitorDriver {
    static func run(_ log: GeneratedLog, table: LimitsTable, rules: [AlertRule]) -> OracleRun {
        let models = ModelCatalog()
        let events = log.events.map { models.remap($0) }
        let monitor = Monitor(configuration: EngineConfiguration(table: table, tierID: log.tier), models: models, rules: rules)
        for source in 0..<log.sources { monitor.addSource("source-\(source).jsonl") }
        var run = OracleRun()
        guard let first = events.first else { return run }
        var time = first.end
        for event in events {
            time = max(time, event.end)
            monitor.advance(through: event.end.nextDown, into: &run.transitions)
            monitor.noteLine(source: Int(event.origin.source), at: event.end)
            monitor.ingest(event)
        }
        monitor.advance(through: time.rounded(.up) + GeneratedLog.tail, into: &run.transitions)
        run.lateLines = monitor.lateLines
        return run
    }
}

extension ModelCatalog {
    /// The event with its model interned here (each driver has its own catalog).
    func remap(_ event: Exchange) -> Exchange {
        var event = event
        event.model = intern(GeneratedModels.names[Int(event.model.index)])
        return event
    }
}

enum GeneratedModels {
    static let names = ["claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001", "claude-3-5-haiku-20241022"]
}

// MARK: Generated logs

/// One line's recipe: small numbers the shrinker can make smaller.
struct EventSpec: Sendable, CustomStringConvertible {
    /// Seconds since the previous line: `fraction` × 10^(`scale` − 3) (1 ms … ~4 months).
    var scale: Int
    var fraction: Int
    var model: Int
    /// 0–11 success, 12–13 429, 14 529, 15 spend cap, 16 other error, 17 batch success.
    var kind: Int
    var size: Int
    var source: Int
    /// 0–5 none, 6 limits and remaining, 7 other limits (a tier change), 8 remaining only.
    var headers: Int
    /// 0–17 in order, 18 up to 25 s late (within the tolerance), 19 up to 3 minutes late.
    var lateness: Int

    var description: String { "[\(scale),\(fraction),\(model),\(kind),\(size),\(source),\(headers),\(lateness)]" }
}

struct LogSpec: Sendable, CustomStringConvertible {
    var events: [EventSpec]
    var tier: Int

    /// Gaps within a burst: a millisecond to a couple of minutes, mostly short.
    static let burstScales = [0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 5]
    /// Gaps between bursts: ten seconds to four months.
    static let quietScales = [4, 5, 6, 6, 7, 8, 9, 10]

    /// Everything of a line but its gap.
    static let fields = zip(Gen.int(in: 0...1000), Gen.int(in: 0..<GeneratedModels.names.count), Gen.int(in: 0...17),
                            Gen.int(in: 0...1000), Gen.int(in: 0...3), Gen.int(in: 0...8), Gen.int(in: 0...19))

    static func event(scale: Int, _ f: (Int, Int, Int, Int, Int, Int, Int)) -> EventSpec {
        EventSpec(scale: scale, fraction: f.0, model: f.1, kind: f.2, size: f.3, source: f.4, headers: f.5, lateness: f.6)
    }

    static let burstEvent = zip(Gen.int(in: 0..<burstScales.count), fields).map { event(scale: burstScales[$0], $1) }
    static let quietEvent = zip(Gen.int(in: 0..<quietScales.count), fields).map { event(scale: quietScales[$0], $1) }

    /// A burst: its first line after a quiet gap, then lines close together. One in eight is a
    /// 429 storm (20–60 lines a fraction of a second apart, most refused), one in eight a
    /// sustained load (200–600 lines a second or a few apart: half an hour near the limits).
    static let burstGenerator = zip(quietEvent, Gen.int(in: 0...7), burstEvent.array(of: 0...14), Gen.int(in: 20...60),
                                    Gen.int(in: 200...600))
        .map { first, kind, burst, stormLength, sustainedLength -> [EventSpec] in
            switch kind {
            case 6:
                return [first] + (0..<stormLength).map { index in
                    var line = first
                    line.scale = 2
                    line.fraction = 50 + (index * 379) % 900
                    line.kind = index % 5 == 0 ? 0 : 12
                    line.size = (first.size + index * 97) % 1000
                    line.lateness = 0
                    return line
                }
            case 7:
                return [first] + (0..<sustainedLength).map { index in
                    var line = first
                    line.scale = 3
                    line.fraction = 100 + (index * 211) % 300
                    line.kind = (first.kind + index) % 18
                    line.size = (first.size + index * 131) % 400
                    line.headers = index % 9 == 0 ? 6 : 0
                    line.lateness = index % 17 == 0 ? 18 : 0
                    return line
                }
            default:
                return [first] + burst
            }
        }

    static let generator = zip(burstGenerator.array(of: 1...5), Gen.int(in: 0...2))
        .map { LogSpec(events: $0.flatMap { $0 }, tier: $1) }

    var description: String { "tier \(tier): " + events.map(\.description).joined(separator: " ") }

    func log() -> GeneratedLog {
        let tierName = ["tier1", "tier2", "start"][tier]
        var time = 1_795_165_200.0  // 2026-11-20T09:00:00Z
        var latest = time
        var events: [Exchange] = []
        for (position, spec) in self.events.enumerated() {
            time += Double(spec.fraction) / 1000 * pow(10, Double(spec.scale - 3))
            var end = time
            if spec.lateness == 18 { end = latest - Double(spec.size % 25) }
            if spec.lateness == 19 { end = latest - Double(spec.size % 180) }
            latest = max(latest, end)
            let model = ModelRef(index: Int32(spec.model))
            var usage = Usage()
            var status = 200
            var kind = ExchangeErrorKind.none
            var limited: RatetopCore.Dimension?
            var retryAfter = -1.0
            switch spec.kind {
            case 0...11, 17:
                usage = Usage(inputTokens: spec.size * 40, cacheCreationInputTokens: spec.size % 7 == 0 ? spec.size * 10 : 0,
                              cacheReadInputTokens: spec.size % 3 == 0 ? 0 : spec.size * 150, outputTokens: spec.size * 8)
            case 12, 13:
                status = 429
                kind = .rateLimited
                limited = RatetopCore.Dimension(rawValue: spec.size % 4)
                retryAfter = Double(spec.size % 30)
            case 14:
                status = 529
                kind = .overloaded
            case 15:
                status = 429
                kind = .spendLimitReached
            default:
                status = 500
                kind = .other
            }
            var headers: RateLimitHeaders?
            if spec.headers >= 6 {
                var h = RateLimitHeaders()
                let scale = spec.headers == 7 ? 20 : 1
                if spec.headers != 8 { h.limit = PerDimension(requests: 50 * scale, inputTokens: 30_000 * scale, outputTokens: 8_000 * scale) }
                h.remaining = PerDimension(requests: spec.size % 50, inputTokens: (spec.size * 37) % 30_000, outputTokens: (spec.size * 13) % 8_000)
                headers = h
            }
            let latency = Double(spec.size % 90) / 3
            var event = Exchange(end: end, start: end - latency, model: model, status: status, usage: usage, headers: headers,
                                 errorKind: kind, limitedDimension: limited, retryAfter: retryAfter, isBatch: spec.kind == 17,
                                 origin: LineOrigin(source: Int32(spec.source), line: position + 1))
            event.headersAt = end
            events.append(event)
        }
        // A replay hands lines out merged by stamp across files and in file order within one:
        // late lines stay where they are written.
        return GeneratedLog(events: events, sources: 4, tier: tierName)
    }

    func describe(stepped: [AlertEvent], monitored: [AlertEvent]) -> String {
        let firstDifference = zip(stepped, monitored).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(stepped.count, monitored.count)
        func line(_ events: [AlertEvent]) -> String {
            firstDifference < events.count ? JSONLines.alert(events[firstDifference]) : "(none)"
        }
        return "\(stepped.count) stepped vs \(monitored.count) monitored transitions; first difference at #\(firstDifference):\n"
            + "stepped:   \(line(stepped))\nmonitored: \(line(monitored))\nlog: \(self)"
    }
}

/// Odd rules: every metric, random direction, thresholds and holds.
struct RuleSpec: Sendable, CustomStringConvertible {
    var entries: [(metric: Int, above: Bool, fire: Int, clear: Int, hold: Int, clearHold: Int)]

    var description: String { entries.map { "\($0)" }.joined(separator: " ") }

    static let generator = zip(Gen.int(in: 0..<AlertMetric.allCases.count), Gen.bool, Gen.int(in: 0...100),
                               Gen.int(in: 0...100), Gen.int(in: 0...7), Gen.int(in: 0...7))
        .map { (metric: $0, above: $1, fire: $2, clear: $3, hold: $4, clearHold: $5) }
        .array(of: 1...8)
        .map { RuleSpec(entries: $0) }

    func rules() -> [AlertRule] {
        let holds = [0.0, 0.5, 1, 3, 15, 60, 120, 400]
        return entries.enumerated().map { position, entry in
            let metric = AlertMetric.allCases[entry.metric]
            // A scale that puts the thresholds where the metric lives.
            let scale: Double = switch metric {
            case .headroom, .rate429, .rate529, .cacheHitRatio, .limitPressure, .spendCapped: 0.01
            case .secondsToEmpty: 2
            case .throttledPerMinute: 0.3
            case .secondsSinceLimitChange, .secondsSinceLastLine: 12
            }
            return AlertRule(id: "odd_\(position)", severity: position % 2 == 0 ? .warning : .critical, metric: metric,
                             direction: entry.above ? .above : .below, fire: Double(entry.fire) * scale,
                             clear: Double(entry.clear) * scale, holdSeconds: holds[entry.hold],
                             clearHoldSeconds: holds[entry.clearHold], summary: "{rule} {value} {bucket}{source}")
        }
    }
}

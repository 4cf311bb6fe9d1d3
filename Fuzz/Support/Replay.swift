// The replay as `ratetop replay --headless --emit state,alerts,summary` runs it (RatetopIO's
// `ReplayRunner`), without files: decoded events per source → `MergedEvents` → Core's
// `ReplaySchedule` → `Monitor` (engine, alert rules, sources) → `state` ticks, `alert` and
// `summary` JSON lines. Shared by the pipeline target and the targets whose output (a config's
// rules, a limits table) feeds a Monitor.
import RatetopCore

/// One source's decoded events, handed out in the order it wrote them (`FileEventSource`).
final class ArrayEventStream: EventStream {
    private let events: [Exchange]
    private var index = 0

    init(_ events: [Exchange]) { self.events = events }

    func next() -> Exchange? {
        guard index < events.count else { return nil }
        defer { index += 1 }
        return events[index]
    }
}

enum Replay {
    /// Most `state` ticks of one replay. The tick interval is what the input asks for, raised
    /// so that the log's span holds at most this many: a replay writes one `state` line per
    /// interval of log time, so a log spanning a year at `--interval 1s` is 31 million lines of
    /// output, which is what was asked for, not a hang. Event times and gaps are left as
    /// decoded; only the number of `state` lines is bounded. (Each `state` line costs the engine's
    /// state and its JSON: at 2,000 a tick the pipeline target ran 250 inputs a second, nine in
    /// ten of its time writing `state` lines; 240 still reads the state at every stage of a log.)
    static let maxTicks = 240.0

    /// The interval between ticks: `requested`, or longer when the events span more than
    /// `maxTicks` of it.
    static func tickInterval(_ streams: [[Exchange]], requested: Double) -> Double {
        var low = Double.infinity
        var high = -Double.infinity
        for stream in streams {
            for event in stream where event.end.isFinite {
                low = min(low, event.end)
                high = max(high, event.end)
            }
        }
        guard high > low else { return requested }
        let span = high - low
        return span / requested > maxTicks ? span / maxTicks : requested
    }

    /// Plays the streams through a Monitor as the headless replay does and writes every line it
    /// would write (into `Fuzz.sink`). Returns the monitor.
    @discardableResult
    static func run(streams: [[Exchange]], sourceNames: [String], configuration: EngineConfiguration,
                    models: ModelCatalog, rules: [AlertRule] = AlertRule.defaults, interval requested: Double? = 1,
                    lines: Int, malformed: Int, duplicates: Int) -> Monitor {
        let monitor = Monitor(configuration: configuration, models: models, rules: rules)
        let sourceOf = monitor.addSources(sourceNames)
        let interval = requested.map { tickInterval(streams, requested: $0) }
        let schedule = ReplaySchedule(monitor: monitor, events: MergedEvents(streams.map { ArrayEventStream($0) }),
                                      interval: interval, from: nil, to: nil)
        schedule.sourceOf = sourceOf
        schedule.onEvent = { event, result in
            if case .late(let behind) = result { Fuzz.sink(Int(truncatingIfNeeded: behind.bitPattern) &+ event.origin.line) }
        }
        schedule.finish { step in
            switch step {
            case .tick(let time):
                Fuzz.sink(JSONLines.state(monitor.state(at: time), malformedLines: malformed, lateLines: monitor.lateLines))
            case .alert(let event):
                Fuzz.sink(JSONLines.alert(event))
            }
        }
        let from = schedule.firstEvent
        let to = schedule.lastEvent
        let counts = JSONLines.InputCounts(lines: lines, malformedLines: malformed, lateLines: monitor.lateLines,
                                           duplicatesSkipped: duplicates)
        Fuzz.sink(JSONLines.summary(monitor.summary(from: from, to: to), from: from, to: to, counts: counts,
                                    alerts: (monitor.alerts.firedCount, monitor.alerts.firedByRule)))
        return monitor
    }

    // MARK: A fixed day's quarter hour

    /// Twelve minutes of traffic on the given models, for targets whose input is not a log (a
    /// config's rules, a limits table): steady requests with cache reads and `-limit` headers,
    /// a 429 storm on input tokens in minute 6, a 529, a limit change, a quiet gap and a batch
    /// request. Enough for every built-in rule to be evaluated, most of them to fire.
    static func sampleTraffic(models: ModelCatalog, names: [String]) -> [Exchange] {
        let refs = (names.isEmpty ? ["claude-sonnet-4-5-20250929"] : names).map { models.intern($0) }
        let t0 = 1_763_629_200.0  // 2025-11-20T09:00:00Z
        var events: [Exchange] = []
        var remaining = 30_000
        for minute in 0..<12 {
            for k in 0..<6 {
                let model = refs[(minute * 6 + k) % refs.count]
                let end = t0 + Double(minute * 60 + k * 9) + (minute >= 9 ? 600 : 0)
                var headers = RateLimitHeaders()
                headers.limit = PerDimension(requests: 50, inputTokens: minute >= 8 ? 80_000 : 30_000, outputTokens: 8_000)
                remaining = max(0, remaining - 4_000)
                if k == 0 { remaining = 30_000 }
                headers.remaining = PerDimension(requests: 50 - k, inputTokens: remaining, outputTokens: 8_000 - k * 500)
                let usage = Usage(inputTokens: 4_000, cacheCreationInputTokens: k == 0 ? 2_000 : 0,
                                  cacheCreation1hInputTokens: k == 0 ? 500 : 0, cacheReadInputTokens: minute < 5 ? 12_000 : 0,
                                  outputTokens: 700)
                if minute == 6 {
                    for retry in 0..<8 {
                        events.append(Exchange(end: end + Double(retry) * 0.5, model: model, status: 429, requests: 1,
                                               errorKind: .rateLimited, limitedDimension: .inputTokens, retryAfter: 3,
                                               origin: LineOrigin(source: 0, line: events.count + 1)))
                    }
                    continue
                }
                events.append(Exchange(end: end, start: end - 2.1, headersAt: end - 1.5, model: model, status: 200, requests: 1,
                                       usage: usage, headers: k % 2 == 0 ? headers : nil, isBatch: minute == 11 && k == 5,
                                       origin: LineOrigin(source: 0, line: events.count + 1)))
            }
            if minute == 7 {
                events.append(Exchange(end: t0 + Double(minute * 60 + 58), model: refs[0], status: 529, requests: 1,
                                       errorKind: .overloaded, origin: LineOrigin(source: 0, line: events.count + 1)))
            }
        }
        return events
    }
}

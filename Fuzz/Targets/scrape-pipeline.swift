// Fuzz target `scrape-pipeline`: `watch` following Prometheus endpoints (a LiteLLM proxy or
// other ratetops), as RatetopScrape's `PrometheusSource` and RatetopIO's `LiveMonitor` drive it:
// successive scrape bodies decoded by one `PrometheusScrapeDecoder` per endpoint (text parser,
// endpoint recognition, counters across scrapes with resets, the LiteLLM or ratetop mapper,
// several ratetops merged into one organization), each scrape's events played into a `Monitor`
// on the wall clock of the scrapes (advance to just before each event, ingest; the endpoint's
// activity noted at its fetch time; the rules evaluated through the scrape's second; a `state`
// line read), and the summary at the end.
//
// The input: the first byte picks the seconds between scrapes (its low 3 bits: 5, 1, 15, 60,
// 0.05, 300, 3600, 86400) and the number of endpoints (bit 3: two ratetop endpoints sharing an
// organization, scraped in turn; else one); the rest is the scrape bodies, separated by NUL
// bytes, in the order they were fetched; an empty body is a failed scrape.
import RatetopCore

private let intervals: [Double] = [5, 1, 15, 60, 0.05, 300, 3600, 86400]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScrapePipeline(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let interval = intervals[Int(data[0] & 7)]
    let endpoints = data[0] & 8 != 0 ? 2 : 1
    let rest = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    var bodies: [String] = []
    var start = 0
    for index in 0...rest.count where index == rest.count || rest[index] == 0 {
        bodies.append(String(decoding: UnsafeRawBufferPointer(rebasing: rest[start..<index]), as: UTF8.self))
        start = index + 1
    }

    let table = Fuzz.bundledTable
    let models = ModelCatalog()
    let organization = OrganizationBox()
    let decoders = (0..<endpoints).map { PrometheusScrapeDecoder(host: "host\($0):9464", table: table, organization: organization) }
    let monitor = Monitor(configuration: EngineConfiguration(table: table), models: models)
    let sources = (0..<endpoints).map { monitor.addSource("http://host\($0):9464/metrics") }
    let feedBase: Int32 = 1 << 24  // LiveSources.feedBase
    var transitions: [AlertEvent] = []
    var second = -Double.infinity
    var now = 1_763_629_200.0  // 2025-11-20T09:00:00Z
    var malformed = 0
    var scrapes = [Int](repeating: 0, count: endpoints)
    for (index, body) in bodies.enumerated() {
        let endpoint = index % endpoints
        now += interval
        scrapes[endpoint] += 1
        if body.isEmpty {
            // An empty body stands for a failed scrape (refused, timed out, non-2xx): nothing is
            // decoded, the endpoint shows its problem until the next success.
            monitor.setProblem(source: sources[endpoint], "stale: connection refused (\(scrapes[endpoint]) failures)")
        } else {
            // PrometheusSource.poll: decode on the caller's thread, then hand out the events.
            let result = decoders[endpoint].decode(body, at: now, models: models,
                                                   origin: LineOrigin(source: feedBase + Int32(endpoint), line: scrapes[endpoint]))
            malformed += result.malformedLines
            for problem in result.problems { Fuzz.sink(problem.reason) }
            Fuzz.sink(result.kind?.rawValue ?? "")
            // LiveMonitor.step: each event seen by the seconds after it, then the feed's activity.
            for event in result.events {
                monitor.advance(through: min(event.end.nextDown, now), into: &transitions)
                let ingested = monitor.ingest(event)
                if case .late(let behind) = ingested { Fuzz.sink(Int(truncatingIfNeeded: behind.bitPattern)) }
            }
            monitor.noteLine(source: sources[endpoint], at: now)
            monitor.setProblem(source: sources[endpoint], nil)
        }
        let whole = now.rounded(.down)
        if whole > second {
            second = whole
            monitor.advance(through: whole, into: &transitions)
        }
        for transition in transitions { Fuzz.sink(JSONLines.alert(transition)) }
        transitions.removeAll(keepingCapacity: true)
        Fuzz.sink(JSONLines.state(monitor.state(at: now), malformedLines: malformed, lateLines: monitor.lateLines))
    }
    for decoder in decoders { Fuzz.sink(decoder.counterResets) }
    let counts = JSONLines.InputCounts(lines: bodies.count, malformedLines: malformed, lateLines: monitor.lateLines,
                                       duplicatesSkipped: 0)
    Fuzz.sink(JSONLines.summary(monitor.summary(from: nil, to: nil), from: nil, to: nil, counts: counts,
                                alerts: (monitor.alerts.firedCount, monitor.alerts.firedByRule)))
    return 0
}

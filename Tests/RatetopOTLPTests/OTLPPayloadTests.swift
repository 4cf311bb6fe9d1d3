import Foundation
import RatetopCore
import RatetopIO
import RatetopOTLP
import RatetopTestSupport
import Testing

/// The fixtures under Tests/Fixtures/otlp (README.md there says where their shape comes from).
enum OTLPFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/otlp")

    static func bytes(_ name: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: directory.appendingPathComponent(name)))) ?? []
    }

    static func text(_ name: String) -> String { String(decoding: bytes(name), as: UTF8.self) }
}

/// An event as the tests compare it: every field the engine reads, the model by name.
struct EventView: Equatable, CustomStringConvertible {
    var end: Double
    var start: Double
    var model: String
    var status: Int
    var requests: Int
    var usage: Usage
    var errorKind: ExchangeErrorKind

    init(end: Double, start: Double? = nil, model: String, status: Int = 200, requests: Int = 1, usage: Usage = .zero,
         errorKind: ExchangeErrorKind = .none) {
        self.end = end
        self.start = start ?? end
        self.model = model
        self.status = status
        self.requests = requests
        self.usage = usage
        self.errorKind = errorKind
    }

    init(_ event: Exchange, _ models: ModelCatalog) {
        self.init(end: event.end, start: event.start, model: models.name(event.model), status: event.status,
                  requests: event.requests, usage: event.usage, errorKind: event.errorKind)
    }

    /// Times to the microsecond (nanosecond stamps go through a `Double`).
    static func == (a: EventView, b: EventView) -> Bool {
        abs(a.end - b.end) < 1e-6 && abs(a.start - b.start) < 1e-6 && a.model == b.model && a.status == b.status
            && a.requests == b.requests && a.usage == b.usage && a.errorKind == b.errorKind
    }

    var description: String {
        "\(model) \(status) end=\(end) start=\(start) req=\(requests) in=\(usage.inputTokens) cw=\(usage.cacheCreationInputTokens) cr=\(usage.cacheReadInputTokens) out=\(usage.outputTokens) \(errorKind)"
    }
}

@Suite(.tags(.unit)) struct OTLPPayloadTests {
    /// What logs.json / logs.binpb say: two requests and a 429 of session a, one request of
    /// session b named the older way (the body only); a timed-out error without a status and a
    /// user prompt are ignored.
    static let expectedLogEvents = [
        EventView(end: 1_796_637_601.5, start: 1_796_637_599.0, model: "claude-sonnet-4-5-20250929",
                  usage: Usage(inputTokens: 1200, cacheCreationInputTokens: 200, cacheReadInputTokens: 5000, outputTokens: 300)),
        EventView(end: 1_796_637_604.25, start: 1_796_637_603.45, model: "claude-haiku-4-5-20251001",
                  usage: Usage(inputTokens: 80, outputTokens: 8)),
        EventView(end: 1_796_637_606.0, start: 1_796_637_605.85, model: "claude-sonnet-4-5-20250929", status: 429,
                  errorKind: .rateLimited),
        EventView(end: 1_796_637_609.125, start: 1_796_637_608.1245, model: "claude-opus-4-1-20250805",
                  usage: Usage(inputTokens: 10, cacheCreationInputTokens: 40, cacheReadInputTokens: 30, outputTokens: 20)),
    ]

    static func decodeLogs(_ records: [TelemetryLogRecord]) -> (views: [EventView], result: ClaudeCodeTelemetryDecoder.Result) {
        let models = ModelCatalog()
        let decoder = ClaudeCodeTelemetryDecoder(startedAt: 1_796_637_000)
        let result = decoder.decode(logs: records, receivedAt: 1_796_637_610, models: models, origin: LineOrigin(source: 0, line: 1))
        return (result.events.map { EventView($0, models) }, result)
    }

    @Test func logsInOTLPJSONBecomeExactEvents() throws {
        let records = try OTLPPayload.logs(OTLPFixture.bytes("logs.json"), encoding: .json)
        #expect(records.count == 6)
        #expect(records.first?.attributes["service.name"] == .string("claude-code"), "resource attributes under the record's")
        let (views, result) = Self.decodeLogs(records)
        #expect(views == Self.expectedLogEvents, "\(views)")
        #expect(result.malformed == 0, "\(result.problems)")
    }

    @Test func logsInProtobufBecomeTheSameEvents() throws {
        let protobuf = try OTLPPayload.logs(OTLPFixture.bytes("logs.binpb"), encoding: .protobuf)
        let json = try OTLPPayload.logs(OTLPFixture.bytes("logs.json"), encoding: .json)
        #expect(protobuf == json)
        #expect(Self.decodeLogs(protobuf).views == Self.expectedLogEvents)
    }

    @Test func gzipBodiesAreInflatedAndBombsRefused() throws {
        let inflated = try OTLPPayload.gunzip(OTLPFixture.bytes("logs.json.gz"), limit: OTLPReceiver.maxBodyBytes)
        #expect(inflated == OTLPFixture.bytes("logs.json"))
        #expect(throws: OTLPPayload.Failure.self) { try OTLPPayload.gunzip(OTLPFixture.bytes("bomb.gz"), limit: OTLPReceiver.maxBodyBytes) }
        #expect(throws: OTLPPayload.Failure.self) { try OTLPPayload.gunzip(Array("not gzip at all".utf8), limit: 1 << 20) }
        let truncated = Array(OTLPFixture.bytes("logs.json.gz").prefix(100))
        #expect(throws: OTLPPayload.Failure.self) { try OTLPPayload.gunzip(truncated, limit: 1 << 20) }
    }

    /// An exporter that timed out waiting for the answer sends the batch again.
    @Test func aResentExportIsNotCountedTwice() throws {
        let records = try OTLPPayload.logs(OTLPFixture.bytes("logs.json"), encoding: .json)
        let models = ModelCatalog()
        let decoder = ClaudeCodeTelemetryDecoder(startedAt: 1_796_637_000)
        let first = decoder.decode(logs: records, receivedAt: 1_796_637_610, models: models, origin: LineOrigin(source: 0, line: 1))
        let again = decoder.decode(logs: records, receivedAt: 1_796_637_615, models: models, origin: LineOrigin(source: 0, line: 2))
        #expect(first.events.count == 4)
        #expect(again.events.isEmpty)
        #expect(again.duplicates == 4)
    }

    // MARK: The token metric

    /// Delta points (Claude Code's default): session a sent events, so its metric is dropped;
    /// session c sent none, so its tokens count once the hold has passed.
    @Test func theTokenMetricCountsOnlyForSessionsWithoutEvents() throws {
        let models = ModelCatalog()
        let decoder = ClaudeCodeTelemetryDecoder(startedAt: 1_796_637_000, metricHold: 15)
        let origin = LineOrigin(source: 0, line: 1)
        _ = decoder.decode(logs: try OTLPPayload.logs(OTLPFixture.bytes("logs.json"), encoding: .json), receivedAt: 1_796_637_610,
                           models: models, origin: origin)
        let points = try OTLPPayload.metrics(OTLPFixture.bytes("metrics.json"), encoding: .json)
        #expect(points.count == 6)
        let taken = decoder.take(metrics: points, receivedAt: 1_796_637_661)
        #expect(taken.malformed == 0)
        #expect(decoder.heldCount == 1)
        #expect(decoder.release(now: 1_796_637_670, models: models, origin: origin).events.isEmpty, "held for 15 s")
        let released = decoder.release(now: 1_796_637_676, models: models, origin: origin).events.map { EventView($0, models) }
        #expect(released == [EventView(end: 1_796_637_660, start: 1_796_637_630, model: "claude-sonnet-4-5-20250929", requests: 0,
                                       usage: Usage(inputTokens: 1000, cacheCreationInputTokens: 50, cacheReadInputTokens: 4000,
                                                    outputTokens: 100))], "\(released)")
        #expect(decoder.heldCount == 0)
    }

    /// A metric export that comes before the events of the same requests is dropped when they come.
    @Test func heldMetricUsageIsDroppedWhenEventsOfItsSessionArrive() throws {
        let models = ModelCatalog()
        let decoder = ClaudeCodeTelemetryDecoder(startedAt: 1_796_637_000, metricHold: 15)
        let origin = LineOrigin(source: 0, line: 1)
        _ = decoder.take(metrics: try OTLPPayload.metrics(OTLPFixture.bytes("metrics.json"), encoding: .json), receivedAt: 1_796_637_661)
        #expect(decoder.heldCount == 2)
        var late = TelemetryLogRecord(timeUnixNano: 1_796_637_659_000_000_000)
        late.attributes = ["event.name": .string("api_request"), "session.id": .string("c3-session-c"),
                           "model": .string("claude-sonnet-4-5-20250929"), "input_tokens": .int(1000), "output_tokens": .int(100)]
        _ = decoder.decode(logs: [late], receivedAt: 1_796_637_663, models: models, origin: origin)
        // Session c's metric said what its event says: dropped. Session a sent no event here: it counts.
        let released = decoder.release(now: 1_796_637_700, models: models, origin: origin).events.map { EventView($0, models) }
        #expect(released == [EventView(end: 1_796_637_660, start: 1_796_637_630, model: "claude-sonnet-4-5-20250929", requests: 0,
                                       usage: Usage(inputTokens: 1200))], "\(released)")
        #expect(decoder.metricIntervalsCoveredByEvents == 1)
    }

    /// Cumulative points: a series begun after the receiver started counts whole, then by
    /// increments; a new start time is a restart.
    @Test func cumulativePointsBecomeIncrements() throws {
        let models = ModelCatalog()
        let decoder = ClaudeCodeTelemetryDecoder(startedAt: 1_796_637_500, metricHold: 0)
        let origin = LineOrigin(source: 0, line: 1)
        var points = try OTLPPayload.metrics(OTLPFixture.bytes("metrics.binpb"), encoding: .protobuf)
        #expect(points.map(\.value) == [1000, 100])
        #expect(points.allSatisfy { $0.temporality == .cumulative && $0.isMonotonic })
        func usage(_ points: [TelemetryMetricPoint], at time: Double) -> Usage {
            _ = decoder.take(metrics: points, receivedAt: time)
            let events = decoder.release(now: time, models: models, origin: origin).events
            var total = Usage()
            for event in events {
                total.inputTokens += event.usage.inputTokens
                total.outputTokens += event.usage.outputTokens
            }
            return total
        }
        #expect(usage(points, at: 1_796_637_661) == Usage(inputTokens: 1000, outputTokens: 100))
        #expect(usage(points, at: 1_796_637_662) == Usage(), "the same totals again add nothing")
        for index in points.indices {
            points[index].value += 500
            points[index].timeUnixNano += 60_000_000_000
        }
        #expect(usage(points, at: 1_796_637_721) == Usage(inputTokens: 500, outputTokens: 500))
        for index in points.indices {
            points[index].value = 7
            points[index].startTimeUnixNano += 90_000_000_000
            points[index].timeUnixNano += 60_000_000_000
        }
        #expect(usage(points, at: 1_796_637_781) == Usage(inputTokens: 7, outputTokens: 7), "a restart")
        #expect(decoder.resets == 2)

        // Begun before the receiver started: the first point is the baseline.
        let later = ClaudeCodeTelemetryDecoder(startedAt: 1_796_637_650, metricHold: 0)
        _ = later.take(metrics: try OTLPPayload.metrics(OTLPFixture.bytes("metrics.binpb"), encoding: .protobuf), receivedAt: 1_796_637_661)
        #expect(later.heldCount == 0)
    }

    /// `OTEL_METRICS_EXPORTER=prometheus`: the same metric scraped, on the existing scrape path.
    @Test func theTokenMetricInItsPrometheusFormIsScraped() throws {
        let models = ModelCatalog()
        let decoder = PrometheusScrapeDecoder(host: "127.0.0.1:9464", table: try BundledLimitsTable.load())
        let text = OTLPFixture.text("claude-code-metrics.prom")
        let origin = LineOrigin(source: 0, line: 1)
        let baseline = decoder.decode(text, at: 1_796_637_600, models: models, origin: origin)
        #expect(decoder.kind == .claudeCode)
        #expect(baseline.malformedLines == 0)
        let grown = text.replacingOccurrences(of: #"type="input"} 1000"#, with: #"type="input"} 1600"#)
            .replacingOccurrences(of: #"type="cacheRead"} 4000"#, with: #"type="cacheRead"} 9000"#)
        let result = decoder.decode(grown, at: 1_796_637_610, models: models, origin: origin)
        let views = result.events.map { EventView($0, models) }
        #expect(views == [EventView(end: 1_796_637_610, start: 1_796_637_605, model: "claude-sonnet-4-5-20250929", requests: 0,
                                    usage: Usage(inputTokens: 600, cacheReadInputTokens: 5000))], "\(views)")

        // Claude Code's own exporter (`:9464/metrics`) writes the name without the unit suffix.
        let plain = PrometheusScrapeDecoder(host: "127.0.0.1:9464", table: try BundledLimitsTable.load())
        let renamed = { (text: String) in text.replacingOccurrences(of: "claude_code_token_usage_tokens_total", with: "claude_code_token_usage_total") }
        _ = plain.decode(renamed(text), at: 1_796_637_600, models: models, origin: origin)
        let again = plain.decode(renamed(grown), at: 1_796_637_610, models: models, origin: origin)
        #expect(plain.kind == .claudeCode)
        #expect(again.events.map { EventView($0, models) } == views)
    }
}

import Foundation
import RatetopCore
import RatetopMetrics
import RatetopTestSupport
import Testing

/// The real Prometheus (Debian's `prometheus`, installed by CI) scrapes a `MetricsServer` on
/// loopback, and PromQL returns the series the exporter wrote.
@Suite(.serialized, .tags(.endToEnd)) struct PrometheusIntegrationEndToEndTests {
    @Test(.timeLimit(.minutes(1)), ExternalTool.needs(.prometheus))
    func prometheusScrapesTheEndpointAndAnswersPromQL() async throws {
        try ExternalTool.prometheus.require()
        let exporter = MetricsExporter()
        exporter.update(state: MetricsFixtures.state, totals: [MetricsFixtures.totals()], linesRead: 1009, malformedLines: 2,
                        firingAlerts: [])
        let queries = [#"ratetop_bucket_remaining{bucket="sonnet-4.x",dimension="input_tokens"}"#,
                       // A counter and a +Inf gauge survive the trip too.
                       #"ratetop_throttled_requests_total{bucket="sonnet-4.x",status="429"}"#,
                       #"ratetop_bucket_seconds_to_empty{bucket="sonnet-4.x",dimension="requests"}"#]
        let answers = try await onPlainThread { try Self.scrapeWithPrometheus(exporter, queries: queries) }
        #expect(answers.values == ["12000", "408", "+Inf"], "\(answers.diagnostics)")
    }

    /// Starts the server and Prometheus (scraping it every second), waits until each query
    /// returns one sample (up to 20 s each) and gives their values, nil for none.
    private static func scrapeWithPrometheus(_ exporter: MetricsExporter,
                                             queries: [String]) throws -> (values: [String?], diagnostics: String) {
        let server = try MetricsServer.start(host: "127.0.0.1", port: 0, exporter: exporter)
        defer { server.stop() }
        let scratch = Scratch()
        let prometheus = try RealPrometheus(try ExternalTool.prometheus.require(), scratch: scratch,
                                            target: "127.0.0.1:\(server.boundPort)")
        defer { prometheus.process.terminate() }
        guard prometheus.waitUntilReady() else {
            return (queries.map { _ in nil }, "Prometheus was not ready on 127.0.0.1:\(prometheus.port):\n\(prometheus.process.outputTail())")
        }
        var values: [String?] = []
        var last = ""
        for query in queries {
            var value: String?
            _ = ChildProcess.eventually(timeout: 20) {
                let answer = prometheus.query(query)
                last = answer.body
                value = answer.singleValue
                return value != nil || !prometheus.process.isRunning
            }
            values.append(value)
        }
        return (values, "last answer: \(last)\n\(prometheus.process.outputTail())")
    }
}

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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("prometheus.yml").path
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: ratetop
            static_configs:
              - targets: ["127.0.0.1:\(server.boundPort)"]
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let port = try LoopbackHTTP.freePort()
        let process = try ChildProcess(
            try ExternalTool.prometheus.require(),
            arguments: ["--config.file=\(config)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                        "--web.listen-address=127.0.0.1:\(port)"],
            outputPath: directory.appendingPathComponent("prometheus.log").path, stderrToStdout: true)
        defer { process.terminate() }

        guard poll(for: 15, while: process, { (try? LoopbackHTTP.get(port: port, path: "/-/ready").status) == 200 }) else {
            return (queries.map { _ in nil }, "Prometheus was not ready on 127.0.0.1:\(port):\n\(process.outputTail())")
        }
        var values: [String?] = []
        var last = ""
        for query in queries {
            var value: String?
            _ = poll(for: 20, while: process) {
                guard let response = try? LoopbackHTTP.get(port: port, path: "/api/v1/query?query=" + percentEncoded(query)) else {
                    return false
                }
                last = response.body
                value = singleValue(response.body)
                return value != nil
            }
            values.append(value)
        }
        return (values, "last answer: \(last)\n\(process.outputTail())")
    }

    /// `data.result[0].value[1]` of a query answer that has exactly one series.
    private static func singleValue(_ body: String) -> String? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              json["status"] as? String == "success",
              let result = (json["data"] as? [String: Any])?["result"] as? [[String: Any]], result.count == 1,
              let sample = result[0]["value"] as? [Any], sample.count == 2 else { return nil }
        return sample[1] as? String
    }

    private static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Calls `condition` every 200 ms until it is true, `seconds` pass, or the process exits.
    private static func poll(for seconds: Double, while process: ChildProcess, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, process.isRunning {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }
}

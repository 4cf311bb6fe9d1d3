import Foundation

/// What an instant query answered: its status (`success`, `error`, `unreachable`, `unreadable`),
/// how many series or samples, and the body as received.
public struct PrometheusAnswer: Sendable {
    public var status: String
    public var count: Int
    public var body: String

    public init(status: String, count: Int, body: String) {
        self.status = status
        self.count = count
        self.body = body
    }

    /// The one sample's value (`data.result[0].value[1]`) of an answer with exactly one series.
    public var singleValue: String? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              json["status"] as? String == "success",
              let result = (json["data"] as? [String: Any])?["result"] as? [[String: Any]], result.count == 1,
              let sample = result[0]["value"] as? [Any], sample.count == 2 else { return nil }
        return sample[1] as? String
    }
}

/// Debian's Prometheus on loopback with a temporary data directory, scraping `target` every second.
public final class RealPrometheus {
    public let port: Int
    public let process: ChildProcess

    public init(_ program: String, scratch: Scratch, target: String) throws {
        let config = scratch.write("prometheus.yml", """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: ratetop
                static_configs:
                  - targets: ["\(target)"]
            """)
        port = try LoopbackHTTP.freePort()
        process = try ChildProcess(program, arguments: [
            "--config.file=\(config)", "--storage.tsdb.path=\(scratch.file("prometheus-data"))",
            "--web.listen-address=127.0.0.1:\(port)",
        ], outputPath: scratch.file("prometheus.log"), stderrToStdout: true)
    }

    deinit { process.terminate() }

    public func waitUntilReady() -> Bool {
        ChildProcess.eventually(timeout: 30) {
            !process.isRunning || (try? LoopbackHTTP.get(port: port, path: "/-/ready"))?.status == 200
        } && process.isRunning
    }

    /// An instant query: its status (`success`, `error`) and the number of series or samples.
    public func query(_ promql: String) -> PrometheusAnswer {
        let response: LoopbackHTTP.Response
        do {
            response = try LoopbackHTTP.get(port: port, path: "/api/v1/query?query=" + Self.encoded(promql))
        } catch {
            return PrometheusAnswer(status: "unreachable", count: 0, body: "\(error)\n\(process.outputTail(lines: 5))")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
              let status = json["status"] as? String else {
            return PrometheusAnswer(status: "unreadable", count: 0, body: response.body)
        }
        let result = (json["data"] as? [String: Any])?["result"]
        let count = (result as? [Any])?.count ?? (result == nil ? 0 : 1)
        return PrometheusAnswer(status: status, count: count, body: response.body)
    }

    /// Grafana's `label_values(selector, label)`: the label's values among the series matching.
    public func labelValues(selector: String, label: String, between: () -> Void) -> [String] {
        between()
        guard let response = try? LoopbackHTTP.get(port: port, path: "/api/v1/series?match[]=" + Self.encoded(selector)),
              let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
              let series = json["data"] as? [[String: String]] else { return [] }
        return Array(Set(series.compactMap { $0[label] })).sorted()
    }

    public static func encoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

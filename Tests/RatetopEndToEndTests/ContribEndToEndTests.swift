import Foundation
import RatetopCore
import RatetopTestSupport
import Testing

/// The package root (three directories above this file).
let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

extension ExternalTool {
    /// systemd's unit checker (Debian's `systemd`; not in scripts/install-test-tools: a missing
    /// one skips the unit's check with one line).
    static let systemdAnalyze = ExternalTool(program: "systemd-analyze", package: "systemd")
}

/// What a program run to completion did.
struct ToolRun {
    var status: Int32
    var output: String
}

/// Runs `program` with `arguments` to completion (stdout and stderr together), up to `timeout`
/// seconds; `environment` nil passes ours on.
func runTool(_ program: String, _ arguments: [String], environment: [String]? = nil, timeout: Double = 120) throws -> ToolRun {
    let scratch = Scratch()
    let child = try ChildProcess(program, arguments: arguments, environment: environment, outputPath: scratch.file("out"),
                                 stderrToStdout: true)
    guard let status = child.exitCode(within: timeout) else {
        child.terminate()
        return ToolRun(status: -1, output: "\(program) did not exit within \(Int(timeout)) s:\n" + child.output)
    }
    return ToolRun(status: status, output: child.output)
}

/// The files under `contrib/` and their checks: the Prometheus rules with promtool, their test
/// series against what a real ratetop exports, the Grafana dashboard's every query against a real
/// Prometheus scraping a real `ratetop watch --headless --metrics-listen`, the systemd unit with
/// systemd-analyze.
@Suite(.serialized, .tags(.endToEnd)) struct ContribEndToEndTests {
    static let rules = packageRoot + "/contrib/prometheus/ratetop-rules.yml"
    static let rulesTest = packageRoot + "/contrib/prometheus/ratetop-rules.test.yml"
    static let dashboard = packageRoot + "/contrib/grafana/ratetop-dashboard.json"
    static let unit = packageRoot + "/contrib/systemd/ratetop.service"

    // MARK: Prometheus rules

    @Test(ExternalTool.needs(.promtool))
    func promtoolChecksAndTestsTheShippedRules() throws {
        let promtool = try ExternalTool.promtool.require()
        let check = try runTool(promtool, ["check", "rules", Self.rules])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("SUCCESS"), "\(check.output)")
        let test = try runTool(promtool, ["test", "rules", Self.rulesTest])
        #expect(test.status == 0, "\(test.output)")
        #expect(test.output.contains("SUCCESS"), "\(test.output)")
    }

    /// Every built-in rule has a Prometheus alert of the same name, and every alert is tested.
    @Test func theRulesMirrorEveryBuiltInRuleAndEachIsTested() throws {
        let rules = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let tests = try String(contentsOfFile: Self.rulesTest, encoding: .utf8)
        let alerts = Set(Self.values(of: "- alert:", in: rules))
        let tested = Set(Self.values(of: "alertname:", in: tests))
        let builtIn = Set(AlertRule.defaults.map(\.id))
        #expect(builtIn.subtracting(alerts).isEmpty, "built-in rules without a Prometheus alert: \(builtIn.subtracting(alerts).sorted())")
        #expect(alerts.subtracting(tested).isEmpty, "alerts promtool never tests: \(alerts.subtracting(tested).sorted())")
    }

    /// The series the rules' tests feed promtool, and the metric names the rules read, are
    /// those a real ratetop exports: the same names, label names among its labels, and the same
    /// values for the enumerated labels (dimension, kind, status, severity, rule).
    @Test func theRulesTestSeriesAreShapedLikeARealRatetopsMetrics() throws {
        let scratch = Scratch()
        let watch = try RatetopWatch(scratch: scratch)
        let exposition = try #require(watch.waitForMetrics(), "ratetop exported no alert series: \(watch.diagnostics)")
        let exported = ExportedShapes(exposition: exposition)

        let tests = try String(contentsOfFile: Self.rulesTest, encoding: .utf8)
        let series = Self.values(of: "- series:", in: tests).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
        #expect(series.count > 20, "\(series)")
        for text in series {
            let (name, labels) = try #require(PromSeries.parse(text), "cannot read the series \(text)")
            if name == "up" { continue }  // Prometheus's own
            guard let keys = exported.labelNames[name] else {
                Issue.record("\(name) is not a metric ratetop exports (it exports \(exported.labelNames.keys.sorted()))")
                continue
            }
            let own = Set(labels.keys).subtracting(["job", "instance"])
            #expect(own.isSubset(of: keys), "\(text): labels \(own.subtracting(keys).sorted()) are not among \(name)'s \(keys.sorted())")
            #expect(labels["job"] != nil && labels["instance"] != nil, "\(text) lacks the scrape's job and instance")
            for key in ["dimension", "kind", "status"] {
                guard let value = labels[key] else { continue }
                #expect(exported.values[key]?.contains(value) == true,
                        "\(text): \(key)=\"\(value)\" is not a value ratetop writes (\(exported.values[key]?.sorted() ?? []))")
            }
            // Alert series: a built-in rule with one of its severities (only some fire in this run).
            if let rule = labels["rule"] {
                #expect(AlertRule.defaults.contains { $0.id == rule && $0.severity.rawValue == labels["severity"] },
                        "\(text): no built-in rule \(rule) of severity \(labels["severity"] ?? "none")")
            }
        }
        let rules = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let read = Set(Self.matches(of: #"ratetop_[a-z_]+"#, in: rules)).subtracting(Self.values(of: "- alert:", in: rules))
        #expect(read.subtracting(exported.labelNames.keys).isEmpty,
                "the rules read metrics ratetop does not export: \(read.subtracting(exported.labelNames.keys).sorted())")
    }

    // MARK: Grafana dashboard

    /// Every query of every panel, with the dashboard's variables substituted (their default,
    /// All, and the values their own queries find), is valid PromQL and returns data from a real
    /// Prometheus scraping a real ratetop that follows a log with traffic.
    @Test(ExternalTool.needs(.prometheus), .timeLimit(.minutes(3)))
    func everyDashboardQueryReturnsDataFromARealPrometheusScrapingRatetop() throws {
        let program = try ExternalTool.prometheus.require()
        let dashboard = try GrafanaDashboard(path: Self.dashboard)
        #expect(dashboard.problems.isEmpty, "\(dashboard.problems)")
        #expect(dashboard.queries.count >= 20, "\(dashboard.queries)")

        let scratch = Scratch()
        let watch = try RatetopWatch(scratch: scratch)
        try #require(watch.waitForMetrics() != nil, "ratetop exported no alert series: \(watch.diagnostics)")
        let prometheus = try RealPrometheus(program, scratch: scratch, target: "127.0.0.1:\(watch.port)")
        try #require(prometheus.waitUntilReady(), "Prometheus was not ready: \(prometheus.process.outputTail())")

        // The variables, from their own queries (label_values(SELECTOR, LABEL), as Grafana runs it).
        var chosen: [String: String] = [:]
        for variable in dashboard.variables {
            let selector = variable.selector.replacingOccurrences(of: "$job", with: chosen["job"] ?? ".*")
                .replacingOccurrences(of: "$instance", with: chosen["instance"] ?? ".*")
            var values: [String] = []
            _ = ChildProcess.eventually(timeout: 30) {
                values = prometheus.labelValues(selector: selector, label: variable.label) { watch.appendTraffic() }
                return !values.isEmpty
            }
            #expect(!values.isEmpty, "variable \(variable.name): label_values(\(variable.selector), \(variable.label)) found nothing")
            chosen[variable.name] = "(" + values.map(Self.regexEscaped).joined(separator: "|") + ")"
        }
        let defaults = ["job": ".*", "instance": ".*", "bucket": ".*"]
        for (title, expr) in dashboard.queries {
            for (setting, values) in [("All", defaults), ("the values found", chosen)] {
                let query = GrafanaDashboard.substitute(expr, values)
                var answer = PrometheusAnswer(status: "none", count: 0, body: "")
                let answered = ChildProcess.eventually(timeout: 30) {
                    answer = prometheus.query(query)
                    watch.appendTraffic()
                    return answer.status != "success" || answer.count > 0
                }
                #expect(answered && answer.status == "success" && answer.count > 0,
                        "panel \"\(title)\" (variables: \(setting)): \(query)\n→ \(answer.body.prefix(600))")
            }
        }
        #expect(watch.process.isRunning, "ratetop exited: \(watch.diagnostics)")
    }

    // MARK: systemd

    @Test(ExternalTool.needs(.systemdAnalyze))
    func theSystemdUnitVerifies() throws {
        let analyze = try ExternalTool.systemdAnalyze.require()
        let scratch = Scratch()
        // systemd-analyze checks that ExecStart's program exists: point it at the built binary.
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(text.contains("ExecStart=/usr/local/bin/ratetop watch "))
        let unit = scratch.write("ratetop.service", text.replacingOccurrences(of: "/usr/local/bin/ratetop", with: ratetopBinary))
        // --man=no: the man page is installed only by a release (ReleaseEndToEndTests checks it there).
        let verify = try runTool(analyze, ["verify", "--man=no", unit])
        #expect(verify.status == 0 && verify.output.isEmpty, "\(verify.output)")
        // Its own user, a read-only system, the env file, restarts, and metrics on loopback by default.
        for setting in ["DynamicUser=yes", "ProtectSystem=strict", "ProtectHome=read-only", "NoNewPrivileges=yes",
                        "EnvironmentFile=-/etc/default/ratetop", "Restart=on-failure", "--headless",
                        "--metrics-listen ${RATETOP_METRICS_LISTEN}", "Environment=RATETOP_METRICS_LISTEN=127.0.0.1:"] {
            #expect(text.contains(setting), "the unit lacks \(setting)")
        }
        let environment = try String(contentsOfFile: packageRoot + "/contrib/systemd/ratetop.env", encoding: .utf8)
        let port = try #require(Self.matches(of: #"RATETOP_METRICS_LISTEN=127\.0\.0\.1:[0-9]+"#, in: text).first)
        #expect(environment.contains(port), "the env file's RATETOP_METRICS_LISTEN differs from the unit's \(port)")
    }

    // MARK: Text helpers

    /// What follows `key` on each line that has it (trimmed), e.g. the names of `- alert: NAME`.
    static func values(of key: String, in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: key) else { return nil }
            let before = line[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            guard before.isEmpty || before == "-" else { return nil }
            return line[range.upperBound...].trimmingCharacters(in: .whitespaces)
        }
    }

    static func matches(of pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    static func regexEscaped(_ value: String) -> String {
        var escaped = ""
        for character in value {
            if "\\.+*?()|[]{}^$".contains(character) { escaped += "\\\\" }
            escaped.append(character)
        }
        return escaped
    }
}

// MARK: - A real ratetop

/// `ratetop watch LOG --headless --metrics-listen 127.0.0.1:PORT` on a log with ten minutes of
/// traffic ending now: sonnet-4.x with the limits' headers, cache reads, 429s, a 529, its input
/// bucket nearly empty at the end (so headroom_low fires); haiku-4.5 without headers (limits from
/// --tier). `appendTraffic` adds a line stamped now, so counters keep moving while Prometheus
/// scrapes.
final class RatetopWatch {
    let port: Int
    let process: ChildProcess
    let log: String
    private var appended = 0

    init(scratch: Scratch) throws {
        let now = Date().timeIntervalSince1970
        var lines: [String] = []
        for index in 0..<150 {
            let time = now - 600 + Double(index) * 4
            let left = max(300, 30_000 - index * 200)
            if index % 9 == 4 {
                lines.append(Self.throttled(at: time, status: index == 40 ? 529 : 429))
            } else {
                lines.append(Self.sonnet(at: time, inputRemaining: left))
            }
            if index % 3 == 0 { lines.append(Self.haiku(at: time + 1)) }
        }
        log = scratch.write("traffic.jsonl", lines.joined(separator: "\n") + "\n")
        port = try LoopbackHTTP.freePort()
        process = try ChildProcess(ratetopBinary, arguments: [
            "watch", log, "--headless", "--metrics-listen", "127.0.0.1:\(port)", "--tier", "tier1", "--emit", "alerts",
        ], outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
    }

    deinit { process.terminate() }

    var diagnostics: String { "stdout: \(process.output.suffix(1500))\nstderr: \(process.errorOutput.suffix(1500))" }

    /// The exposition once it has buckets and an alert series (up to 30 s), nil if it never does.
    func waitForMetrics() -> String? {
        var text = ""
        let ready = ChildProcess.eventually(timeout: 30) {
            text = (try? LoopbackHTTP.get(port: port, path: "/metrics"))?.body ?? ""
            return text.contains("ratetop_alert_firing{") && text.contains("ratetop_bucket_remaining{") || !process.isRunning
        }
        return ready && process.isRunning ? text : nil
    }

    /// One more line of traffic, stamped now (a success on either class).
    func appendTraffic() {
        appended += 1
        let now = Date().timeIntervalSince1970
        let line = appended % 2 == 0 ? Self.sonnet(at: now, inputRemaining: 600) : Self.haiku(at: now)
        guard let handle = FileHandle(forWritingAtPath: log) else { return }
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
        try? handle.close()
    }

    static func sonnet(at time: Double, inputRemaining: Int) -> String {
        let stamp = RFC3339.format(time, fractionDigits: 3)
        return #"{"ts":"\#(stamp)","latency_ms":900,"model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":1200,"cache_creation_input_tokens":300,"cache_read_input_tokens":6000,"output_tokens":150},"headers":{"anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"40","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-input-tokens-remaining":"\#(inputRemaining)","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"7000"}}"#
    }

    static func haiku(at time: Double) -> String {
        let stamp = RFC3339.format(time, fractionDigits: 3)
        return #"{"ts":"\#(stamp)","latency_ms":400,"model":"claude-haiku-4-5-20251001","status":200,"usage":{"input_tokens":800,"output_tokens":60}}"#
    }

    static func throttled(at time: Double, status: Int) -> String {
        let stamp = RFC3339.format(time, fractionDigits: 3)
        let error = status == 529 ? #"{"type":"overloaded_error","message":"Overloaded"}"#
            : #"{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}"#
        return #"{"ts":"\#(stamp)","model":"claude-sonnet-4-5-20250929","status":\#(status),"error":\#(error),"headers":{"retry-after":"5"}}"#
    }
}

/// Metric names, their label names, and the values of each label, in an exposition.
struct ExportedShapes {
    var labelNames: [String: Set<String>] = [:]
    var values: [String: Set<String>] = [:]

    init(exposition: String) {
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let series = PromSeries.parse(String(line[..<space])) else { continue }
            labelNames[series.0, default: []].formUnion(series.1.keys)
            for (key, value) in series.1 where !value.isEmpty { values[key, default: []].insert(value) }
        }
    }
}

/// `name{key="value",...}` read into its name and labels.
enum PromSeries {
    static func parse(_ text: String) -> (String, [String: String])? {
        guard let brace = text.firstIndex(of: "{") else {
            return text.isEmpty || text.contains(" ") ? nil : (text, [:])
        }
        guard text.hasSuffix("}") else { return nil }
        let name = String(text[..<brace])
        var labels: [String: String] = [:]
        var rest = text[text.index(after: brace)..<text.index(before: text.endIndex)]
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "=") else { return nil }
            let key = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: ", "))
            rest = rest[rest.index(after: equals)...]
            guard rest.first == "\"" else { return nil }
            rest = rest.dropFirst()
            var value = ""
            var escaped = false
            while let character = rest.first {
                rest = rest.dropFirst()
                if escaped { value.append(character); escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { break } else { value.append(character) }
            }
            labels[key] = value
            rest = rest.drop { $0 == "," || $0 == " " }
        }
        return (name, labels)
    }
}

// MARK: - The dashboard

/// A Grafana dashboard's queries and query variables, and what is wrong with its wiring.
struct GrafanaDashboard {
    struct Variable {
        var name: String
        var selector: String
        var label: String
    }

    var queries: [(panel: String, expr: String)] = []
    var variables: [Variable] = []
    var problems: [String] = []

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            problems.append("not a JSON object")
            return
        }
        let templating = (json["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        if !templating.contains(where: { $0["name"] as? String == "datasource" && $0["type"] as? String == "datasource"
            && $0["query"] as? String == "prometheus" }) {
            problems.append("no `datasource` variable of type datasource (prometheus)")
        }
        for variable in templating where variable["type"] as? String == "query" {
            let name = variable["name"] as? String ?? "?"
            let definition = variable["definition"] as? String ?? ""
            // label_values(SELECTOR, LABEL)
            guard definition.hasPrefix("label_values("), definition.hasSuffix(")"),
                  let comma = definition.lastIndex(of: ",") else {
                problems.append("variable \(name): unsupported query \(definition)")
                continue
            }
            let selector = String(definition[definition.index(definition.startIndex, offsetBy: 13)..<comma])
            let label = definition[definition.index(after: comma)..<definition.index(before: definition.endIndex)]
                .trimmingCharacters(in: .whitespaces)
            variables.append(Variable(name: name, selector: selector, label: label))
            if (variable["datasource"] as? [String: Any])?["uid"] as? String != "${datasource}" {
                problems.append("variable \(name) does not use ${datasource}")
            }
        }
        for panel in json["panels"] as? [[String: Any]] ?? [] {
            let title = panel["title"] as? String ?? "?"
            let targets = panel["targets"] as? [[String: Any]] ?? []
            if panel["type"] as? String != "row" {
                if targets.isEmpty { problems.append("panel \(title) has no query") }
                if (panel["datasource"] as? [String: Any])?["uid"] as? String != "${datasource}" {
                    problems.append("panel \(title) does not use ${datasource}")
                }
            }
            for target in targets {
                guard let expr = target["expr"] as? String, !expr.isEmpty else {
                    problems.append("panel \(title) has a target without expr")
                    continue
                }
                if (target["datasource"] as? [String: Any])?["uid"] as? String != "${datasource}" {
                    problems.append("a query of panel \(title) does not use ${datasource}")
                }
                queries.append((title, expr))
            }
        }
    }

    /// `expr` with the dashboard's variables and Grafana's interval variables replaced (the
    /// test's Prometheus scrapes every second, so a minute holds plenty of samples).
    static func substitute(_ expr: String, _ values: [String: String]) -> String {
        var text = expr
        for (name, value) in ["__rate_interval": "1m", "__interval": "15s", "__range": "5m"].merging(values, uniquingKeysWith: { $1 }) {
            text = text.replacingOccurrences(of: "${\(name)}", with: value).replacingOccurrences(of: "$\(name)", with: value)
        }
        return text
    }
}

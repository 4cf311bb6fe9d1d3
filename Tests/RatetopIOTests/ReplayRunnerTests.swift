import Foundation
import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopIO

/// What a replay wrote: the JSON objects and the diagnostics.
struct ReplayOutput {
    var objects: [[String: Any]]
    var rawLines: [String]
    var diagnostics: Diagnostics

    var states: [[String: Any]] { objects.filter { $0["type"] as? String == "state" } }
    var summary: [String: Any]? { objects.last { $0["type"] as? String == "summary" } }
    var summaryBuckets: [[String: Any]] { summary?["buckets"] as? [[String: Any]] ?? [] }

    func summaryBucket(_ id: String) -> [String: Any]? { summaryBuckets.first { $0["bucket"] as? String == id } }
}

func int(_ value: Any?) -> Int? { (value as? NSNumber)?.intValue }
func double(_ value: Any?) -> Double? { (value as? NSNumber)?.doubleValue }

/// Replays `paths` headless into a temporary output file and parses what it wrote.
func replay(_ paths: [String], tier: String? = "tier1", interval: Double = 1, state: Bool = false, from: String? = nil,
            to: String? = nil, format: LogFormat? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ReplayOutput {
    let output = TemporaryDirectory()
    let table = try BundledLimitsTable.load()
    let diagnostics = Diagnostics(limit: 50)
    let options = ReplayOptions(paths: paths, format: format, interval: interval, emitState: state, emitSummary: true,
                                from: from.flatMap(RFC3339.parse), to: to.flatMap(RFC3339.parse))
    do {
        let sink = try OutputSink(path: output.file("out.jsonl"))
        let runner = try ReplayRunner(options: options, configuration: EngineConfiguration(table: table, tierID: tier),
                                      output: sink, diagnostics: diagnostics)
        runner.run()
    }
    let text = output.read("out.jsonl")
    let lines = text.split(separator: "\n").map(String.init)
    #expect(text.isEmpty || text.hasSuffix("\n"), sourceLocation: sourceLocation)
    var objects: [[String: Any]] = []
    for line in lines {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            Issue.record("not a JSON object: \(line)", sourceLocation: sourceLocation)
            continue
        }
        objects.append(object)
    }
    return ReplayOutput(objects: objects, rawLines: lines, diagnostics: diagnostics)
}

/// An exchange line completing at `time` (seconds after 2026-11-20T09:00:00Z).
func exchange(_ seconds: Double, model: String = "claude-sonnet-4-5-20250929", status: Int = 200, input: Int = 100,
              output: Int = 10) -> String {
    let stamp = RFC3339.format(1_795_165_200 + seconds, fractionDigits: 3)
    return #"{"ts":"\#(stamp)","model":"\#(model)","status":\#(status),"usage":{"input_tokens":\#(input),"output_tokens":\#(output)}}"#
}

@Suite(.tags(.unit)) struct ReplayRunnerTests {
    @Test func twoFilesAreMergedInTimestampOrder() throws {
        let directory = TemporaryDirectory()
        // Read one after the other, the second file's lines would be minutes late (out of order).
        let a = directory.write("a.jsonl", [exchange(0, input: 1), exchange(60, input: 2), exchange(120, input: 4),
                                            exchange(180, input: 8)].joined(separator: "\n") + "\n")
        let b = directory.write("b.jsonl", [exchange(30, input: 16), exchange(90, input: 32),
                                            exchange(150, input: 64)].joined(separator: "\n") + "\n")
        let result = try replay([a, b], interval: 30, state: true)
        #expect(result.diagnostics.messages == [])
        #expect(int(result.summary?["malformed_lines"]) == 0)
        #expect(int(result.summary?["lines"]) == 7)
        let bucket = try #require(result.summaryBucket("sonnet-4.x"))
        #expect(int(bucket["requests"]) == 7)
        #expect(int((bucket["tokens"] as? [String: Any])?["input"]) == 127)
        #expect(result.summary?["from"] as? String == "2026-11-20T09:00:00Z")
        #expect(result.summary?["to"] as? String == "2026-11-20T09:03:00Z")
        // The state at 09:01:30 saw exactly the lines stamped in the minute before it: 60 s (2) and 90 s (32).
        let at90 = try #require(result.states.first { $0["at"] as? String == "2026-11-20T09:01:30Z" })
        let rates = (at90["buckets"] as? [[String: Any]])?.first?["rate_per_min"] as? [String: Any]
        #expect(double(rates?["input_tokens"]) == 34)
    }

    @Test func interleavedLinesWithinAFileAreAppliedAndLateOnesCounted() throws {
        let directory = TemporaryDirectory()
        let file = directory.write("a.jsonl", [exchange(10), exchange(5), exchange(40), exchange(9)].joined(separator: "\n") + "\n")
        let result = try replay([file])
        // 5 s late: applied. 31 s late: counted in the totals, not in the buckets, reported once as late.
        #expect(int(result.summaryBucket("sonnet-4.x")?["requests"]) == 4)
        #expect(int(result.summary?["late_lines"]) == 1)
        #expect(int(result.summary?["malformed_lines"]) == 0)
        #expect(result.diagnostics.malformedLines == 0)
        #expect(result.diagnostics.lateLines == 1)
        #expect(result.diagnostics.messages.count == 1)
        #expect(result.diagnostics.messages.first?.hasPrefix("\(file):4: stamped 31 s before lines already applied") == true,
                "\(result.diagnostics.messages)")
    }

    @Test func fromAndTo() throws {
        let directory = TemporaryDirectory()
        let file = directory.write("a.jsonl", (0..<10).map { exchange(Double($0) * 30, input: 1 << $0) }.joined(separator: "\n") + "\n")
        let result = try replay([file], interval: 30, state: true, from: "2026-11-20T09:01:00Z", to: "2026-11-20T09:02:30Z")
        let summary = try #require(result.summary)
        #expect(summary["from"] as? String == "2026-11-20T09:01:00Z")
        #expect(summary["to"] as? String == "2026-11-20T09:02:30Z")
        let bucket = try #require(result.summaryBucket("sonnet-4.x"))
        // Lines at 60, 90, 120 and 150 s carry 2^2, 2^3, 2^4 and 2^5 input tokens.
        #expect(int(bucket["requests"]) == 4)
        #expect(int((bucket["tokens"] as? [String: Any])?["input"]) == 4 + 8 + 16 + 32)
        let stamps = result.states.compactMap { $0["at"] as? String }
        #expect(stamps == ["2026-11-20T09:01:00Z", "2026-11-20T09:01:30Z", "2026-11-20T09:02:00Z", "2026-11-20T09:02:30Z"])
        // The earlier lines warmed the buckets up: the state at 09:01:00 counts the minute before.
        let first = try #require(result.states.first)
        let rates = (first["buckets"] as? [[String: Any]])?.first?["rate_per_min"] as? [String: Any]
        #expect(double(rates?["requests"]) == 2)  // 30 s and 60 s; 0 s is exactly a minute back
    }

    @Test func malformedBinaryAndTruncatedLinesAreCountedAndReported() throws {
        let directory = TemporaryDirectory()
        var data = Data()
        data.append(Data((exchange(0, input: 10) + "\n").utf8))                                // 1 good
        data.append(Data("{\"ts\":\"2026-11-20T09:00:01Z\",\"status\":200,\"model\":\"claude-sonnet-4-5\"\n".utf8))  // 2 truncated JSON
        data.append(Data([0x00, 0x01, 0xFF, 0xFE, 0x50, 0x4B, 0x03, 0x04, 0x0A]))             // 3 binary
        data.append(Data("\n   \n".utf8))                                                    // 4, 5 blank: not lines
        data.append(Data(#"{"status":200,"model":"claude-sonnet-4-5"}"#.utf8 + [0x0A]))      // 6 no ts
        data.append(Data((exchange(2, input: 20) + "\n").utf8))                                // 7 good
        data.append(Data(#"{"ts":"2026-11-20T09:00:03Z","status":200,"model":"claude-sonnet-4-5","usage":{"input_tokens":5"#.utf8))  // 8 cut short
        let file = directory.write("mixed.jsonl", data)
        let result = try replay([file], format: nil)
        #expect(result.diagnostics.malformedLines == 4)
        let messages = result.diagnostics.messages
        #expect(messages.count == 4)
        #expect(messages.map { $0.split(separator: ":").prefix(2).joined(separator: ":") }
                == ["\(file):2", "\(file):3", "\(file):6", "\(file):8"], "\(messages)")
        #expect(messages.allSatisfy { $0.split(separator: ":", maxSplits: 2).count == 3 })
        #expect(messages[0].contains("truncated"))
        #expect(messages[1].contains("not a JSON object"))
        #expect(messages[2].contains("ts"))
        #expect(messages[3].contains("ends without a newline"))
        let summary = try #require(result.summary)
        #expect(int(summary["malformed_lines"]) == 4)
        #expect(int(summary["lines"]) == 6)
        let bucket = try #require(result.summaryBucket("sonnet-4.x"))
        #expect(int(bucket["requests"]) == 2)
        #expect(int((bucket["tokens"] as? [String: Any])?["input"]) == 30)
    }

    @Test func emptyInputGivesAValidSummaryWithZeroBuckets() throws {
        let directory = TemporaryDirectory()
        let empty = directory.write("empty.jsonl", "")
        let blank = directory.write("blank.jsonl", "\n\n  \n")
        let result = try replay([empty, blank], state: true)
        #expect(result.states.isEmpty)
        let summary = try #require(result.summary)
        #expect(result.objects.count == 1)
        #expect(summary["buckets"] as? [Any] != nil)
        #expect(result.summaryBuckets.isEmpty)
        #expect(int(summary["lines"]) == 0)
        #expect(int(summary["malformed_lines"]) == 0)
        #expect(summary["from"] is NSNull)
        #expect(summary["to"] is NSNull)
    }

    static let intervals: [(Double, [String])] = [
        (1, ["2026-11-20T09:00:01Z", "2026-11-20T09:00:02Z", "2026-11-20T09:00:03Z", "2026-11-20T09:00:04Z",
             "2026-11-20T09:00:05Z", "2026-11-20T09:00:06Z", "2026-11-20T09:00:07Z", "2026-11-20T09:00:08Z"]),
        (2, ["2026-11-20T09:00:02Z", "2026-11-20T09:00:04Z", "2026-11-20T09:00:06Z", "2026-11-20T09:00:08Z"]),
        (5, ["2026-11-20T09:00:05Z", "2026-11-20T09:00:10Z"]),
        (0.5, (1...16).map { RFC3339.format(1_795_165_200 + Double($0) * 0.5, fractionDigits: $0 % 2 == 0 ? 0 : 3) }),
    ]

    /// States every interval of virtual time, from the first tick at or after the first line,
    /// each counting only the lines stamped at or before it.
    @Test(arguments: intervals)
    func stateLinesEveryIntervalNoneBeforeTheFirstLine(interval: Double, stamps: [String]) throws {
        let directory = TemporaryDirectory()
        let times = [0.5, 3.2, 4.0, 7.9]
        let file = directory.write("a.jsonl", times.map { exchange($0) }.joined(separator: "\n") + "\n")
        let result = try replay([file], interval: interval, state: true)
        #expect(result.states.compactMap { $0["at"] as? String } == stamps)
        #expect(result.objects.last?["type"] as? String == "summary")
        for state in result.states {
            let at = try #require((state["at"] as? String).flatMap(RFC3339.parse))
            #expect(at >= 1_795_165_200.5)
            let rates = try #require((state["buckets"] as? [[String: Any]])?.first?["rate_per_min"] as? [String: Any])
            let seen = times.filter { 1_795_165_200 + $0 <= at }.count
            #expect(double(rates["requests"]) == Double(seen), "state at \(state["at"] ?? "")")
        }
    }

    @Test func stateAtTEqualsAnEngineThatSawOnlyLinesUpToT() throws {
        let directory = TemporaryDirectory()
        let times: [Double] = [0.2, 1.7, 2.0, 2.1, 5.5, 61, 62.5, 64]
        let lines = times.enumerated().map { exchange($1, input: 1000 * ($0 + 1), output: 100) }
        let file = directory.write("a.jsonl", lines.joined(separator: "\n") + "\n")
        let result = try replay([file], tier: "tier1", interval: 1, state: true)
        let table = try BundledLimitsTable.load()
        #expect(result.states.count == 64)
        for (index, state) in result.states.enumerated() where index % 7 == 0 || index > 58 {
            let at = try #require((state["at"] as? String).flatMap(RFC3339.parse))
            let models = ModelCatalog()
            let engine = UsageEngine(configuration: EngineConfiguration(table: table, tierID: "tier1"), models: models)
            var decoder = ExchangeLogDecoder(models: models)
            var events: [Exchange] = []
            for (number, line) in lines.enumerated() where 1_795_165_200 + times[number] <= at {
                var bytes = Array(line.utf8)
                _ = bytes.withUnsafeMutableBytes {
                    decoder.decode(line: UnsafeRawBufferPointer($0), origin: LineOrigin(source: 0, line: number + 1), into: &events)
                }
            }
            for event in events { engine.ingest(event) }
            #expect(result.rawLines[index] == JSONLines.state(engine.state(at: at), malformedLines: 0, lateLines: 0))
        }
    }

    @Test func theFormatIsDetectedOrForced() throws {
        let directory = TemporaryDirectory()
        let transcript = directory.write("session.jsonl", """
        {"type":"assistant","timestamp":"2026-11-20T09:00:02.000Z","requestId":"req_1","sessionId":"s","uuid":"u1","message":{"id":"msg_1","model":"claude-sonnet-4-6","usage":{"input_tokens":7,"output_tokens":3}}}
        {"type":"assistant","timestamp":"2026-11-20T09:00:05.000Z","requestId":"req_2","sessionId":"s","uuid":"u2","message":{"id":"msg_2","model":"claude-sonnet-4-6","usage":{"input_tokens":11,"output_tokens":5}}}

        """)
        let detected = try replay([transcript])
        #expect(int(detected.summaryBucket("sonnet-4.x")?["requests"]) == 2)
        #expect(int((detected.summaryBucket("sonnet-4.x")?["tokens"] as? [String: Any])?["input"]) == 18)
        let forced = try replay([transcript], format: .exchange)
        #expect(forced.summaryBuckets.isEmpty)
        #expect(forced.diagnostics.malformedLines == 2)
    }

    @Test func unreadableSourcesFailBeforeReplaying() throws {
        let directory = TemporaryDirectory()
        #expect(throws: SourceError.self) {
            _ = try ReplayRunner(options: ReplayOptions(paths: [directory.file("missing.jsonl")]),
                                 configuration: EngineConfiguration(table: try BundledLimitsTable.load()),
                                 output: try OutputSink(path: directory.file("out")), diagnostics: Diagnostics())
        }
    }

    @Test func sessionsOfADirectoryGoStaleTogetherLogFilesEachOnTheirOwn() throws {
        let directory = TemporaryDirectory()
        func assistant(_ seconds: Double, _ id: String) -> String {
            #"{"type":"assistant","timestamp":"\#(RFC3339.format(1_795_165_200 + seconds, fractionDigits: 3))","requestId":"r\#(id)","sessionId":"s","message":{"id":"m\#(id)","model":"claude-sonnet-4-6","usage":{"input_tokens":5,"output_tokens":1}}}"#
        }
        // Two sessions, ten minutes apart, then an exchange log in another directory (one file
        // per producer) that stops too.
        directory.write("projects/p/a.jsonl", [assistant(0, "1"), assistant(30, "2")].joined(separator: "\n") + "\n")
        directory.write("projects/p/b.jsonl", [assistant(600, "3"), assistant(1300, "4")].joined(separator: "\n") + "\n")
        directory.write("logs/x.jsonl", [exchange(0), exchange(1300)].joined(separator: "\n") + "\n")
        directory.write("logs/y.jsonl", exchange(0) + "\n")
        let sink = try OutputSink(path: directory.file("out.jsonl"))
        let runner = try ReplayRunner(options: ReplayOptions(paths: [directory.file("projects"), directory.file("logs")],
                                                             emitSummary: false, emitAlerts: true),
                                      configuration: EngineConfiguration(table: try BundledLimitsTable.load()),
                                      output: sink, diagnostics: Diagnostics())
        runner.run()
        let alerts = directory.read("out.jsonl").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["rule"] as? String == "source_stale" }
        let fired = alerts.filter { $0["state"] as? String == "firing" }.compactMap { $0["source"] as? String }
        // The sessions' directory went quiet between 30 s and 600 s: once. Each log file on its own.
        #expect(fired.sorted() == [directory.file("logs/x.jsonl"), directory.file("logs/y.jsonl"), directory.file("projects"),
                                   directory.file("projects")].sorted(), "\(alerts)")
        #expect(runner.monitor.sources.map(\.name).sorted()
                == [directory.file("logs/x.jsonl"), directory.file("logs/y.jsonl"), directory.file("projects")].sorted())
    }

    @Test func diagnosticsKeepTheFirstFewMessagesAndCountAll() {
        var reported: [String] = []
        let diagnostics = Diagnostics(limit: 2) { reported.append($0) }
        for line in 1...5 { diagnostics.malformed(path: "x.jsonl", line: line, reason: "bad") }
        #expect(diagnostics.malformedLines == 5)
        #expect(diagnostics.messages == ["x.jsonl:1: bad", "x.jsonl:2: bad"])
        #expect(reported == diagnostics.messages)
        #expect(diagnostics.overflowMessage == "ratetop: 5 malformed lines skipped in all (3 not shown)")
        #expect(Diagnostics().overflowMessage == nil)
    }
}

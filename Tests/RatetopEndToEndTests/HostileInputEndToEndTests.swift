import Foundation
import RatetopTestSupport
import Testing

/// Issue 14's table through the binary, each input under `ulimit -v 1500000` (1.5 GB of address
/// space): it finishes in seconds with exit 0, the bad lines counted as malformed with their
/// reason, the good ones counted.
@Suite(.tags(.endToEnd)) struct HostileInputEndToEndTests {
    /// `ratetop ARGS` under the memory limit, within `timeout` seconds.
    func limitedRatetop(_ arguments: [String], timeout: Double = 30, sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
        let scratch = Scratch()
        let outPath = scratch.file("stdout"), errPath = scratch.file("stderr")
        let child = try ChildProcess("/bin/sh", arguments: ["-c", #"ulimit -v 1500000 && exec "$0" "$@""#, ratetopBinary] + arguments,
                                     outputPath: outPath, errorPath: errPath)
        guard let status = child.exitCode(within: timeout) else {
            child.terminate()
            Issue.record("`ratetop \(arguments.joined(separator: " "))` did not finish within \(Int(timeout)) s under ulimit -v 1500000",
                         sourceLocation: sourceLocation)
            throw RatetopTimedOut(description: "timed out")
        }
        return Run(status: status, stdout: child.output, stderr: child.errorOutput)
    }

    static let good = #"{"ts":"2026-11-20T09:00:10Z","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":100,"output_tokens":10}}"#

    static func usage(_ usage: String, ts: String = "2026-11-20T09:00:00Z") -> String {
        #"{"ts":"\#(ts)","model":"claude-sonnet-4-5-20250929","status":200,"usage":{\#(usage)}}"#
    }

    /// (name, lines, lines expected malformed)
    static let inputs: [(String, [String], Int)] = [
        ("input_tokens 8.9e18", [usage(#""input_tokens":8.9e18"#), good], 1),
        ("two lines past Int.max together", [usage(#""input_tokens":5000000000000000000"#),
                                             usage(#""input_tokens":5000000000000000000"#, ts: "2026-11-20T09:00:01Z"), good], 2),
        ("input and cache writes 8e18 each", [usage(#""input_tokens":8e18,"cache_creation_input_tokens":8e18"#), good], 1),
        ("LiteLLM times out of range", [#"{"endTime":1e30,"model":"c"}"#, #"{"startTime":1001e19,"endTime":1763629202,"model":"c"}"#,
                                        #"{"endTime":1e40,"model":"c"}"#, #"{"endTime":-1e30,"model":"c"}"#,
                                        #"{"startTime":1763629200,"endTime":1763629202,"model":"c","prompt_tokens":10}"#], 4),
        ("LiteLLM lines at 1e19 ms", [#"{"endTime":1e19,"model":"c"}"#, #"{"endTime":1.00000000001e19,"model":"c"}"#,
                                      #"{"startTime":1763629200,"endTime":1763629202,"model":"c","prompt_tokens":10}"#], 2),
        ("a year-0 line, then 2026", [usage(#""input_tokens":1"#, ts: "0000-01-01T00:00:00Z"), good], 1),
        ("numbers no integer holds", [usage(#""input_tokens":1e400"#), usage(#""input_tokens":9223372036854775808"#), good], 2),
    ]

    @Test(arguments: inputs.map(\.0))
    func refusedCountedAndFinished(_ name: String) throws {
        let (_, lines, malformed) = try #require(Self.inputs.first { $0.0 == name })
        let scratch = Scratch()
        let log = scratch.write("hostile.jsonl", lines.joined(separator: "\n") + "\n")
        let started = ContinuousClock.now
        let run = try limitedRatetop(["replay", log, "--headless"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(ContinuousClock.now - started < .seconds(10))
        let summary = try #require(run.stdoutLines.last.flatMap(jsonObject), "\(run.stdout)")
        #expect(summary["malformed_lines"] as? Int == malformed, "\(run.stdout)\n\(run.stderr)")
        let requests = (summary["buckets"] as? [[String: Any]])?.compactMap { $0["requests"] as? Int }.reduce(0, +)
        #expect(requests == lines.count - malformed, "the good lines count")
        #expect(run.stderr.contains("outside") || run.stderr.contains("out of range"), "\(run.stderr)")
    }

    @Test func twentyThousandDistinctModelsFinishInBoundedMemory() throws {
        let scratch = Scratch()
        var text = ""
        for index in 0..<20_000 {
            text += #"{"ts":"\#(RFCStamp.at(1_795_165_200 + Double(index) / 10))","model":"invented-\#(index)","status":200,"usage":{"input_tokens":10,"output_tokens":1}}"# + "\n"
        }
        let log = scratch.write("models.jsonl", text)
        let run = try limitedRatetop(["replay", log, "--headless"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(run.stdoutLines.last.flatMap(jsonObject))
        let buckets = try #require(summary["buckets"] as? [[String: Any]])
        #expect(buckets.count == 65, "64 classes of their own, then one shared")
        #expect(buckets.last?["bucket"] as? String == "other")
        #expect(buckets.compactMap { $0["requests"] as? Int }.reduce(0, +) == 20_000)
        #expect(run.stderr.contains("more than 64 model ids the limits table does not know"), "\(run.stderr)")
    }
}

/// RFC 3339 stamps for generated lines (the tests do not link the core).
enum RFCStamp {
    static func at(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}

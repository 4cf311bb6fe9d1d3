import Foundation
import RatetopCore
import Testing
@testable import RatetopIO
import RatetopTestSupport

/// The parallel decoder must be invisible: the same output and the same problems, with the
/// same line numbers, as the sequential path, whatever falls on a chunk boundary.
@Suite(.tags(.unit)) struct ParallelFileEventSourceTests {
    /// Replays `path` with the parallel path forced on or off; returns the output lines and the
    /// diagnostics.
    func run(_ path: String, parallel: Bool, state: Bool = true) throws -> (lines: [String], malformed: Int, messages: [String]) {
        let directory = TemporaryDirectory()
        let diagnostics = Diagnostics(limit: 1000)
        let options = ReplayOptions(paths: [path], interval: 5, emitState: state, emitSummary: true,
                                    parallelThreshold: parallel ? 0 : .max)
        do {
            let sink = try OutputSink(path: directory.file("out.jsonl"))
            let runner = try ReplayRunner(options: options,
                                          configuration: EngineConfiguration(table: try BundledLimitsTable.load(), tierID: "tier2"),
                                          output: sink, diagnostics: diagnostics)
            runner.run()
        }
        let lines = directory.read("out.jsonl").split(separator: "\n").map(String.init)
        return (lines, diagnostics.malformedLines, diagnostics.messages)
    }

    /// A log of several MiB (several chunks) with problems sprinkled through it.
    static func noisyLog(lines count: Int, oversizedAt: Int? = nil, truncatedEnd: Bool) -> String {
        var text = ""
        text.reserveCapacity(count * 260)
        let models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-sonnet-4-6", "claude-opus-4-5"]
        for index in 0..<count {
            if index % 997 == 13 {
                text += "this is not json \(index)\n"
                continue
            }
            if index % 1499 == 7 {
                text += "{\"ts\":\"2026-11-20T09:00:00Z\",\"status\":200,\"model\":\n"  // truncated object
                continue
            }
            if let oversizedAt, index == oversizedAt {
                text += "{\"ts\":\"" + String(repeating: "x", count: 5 << 20) + "\"}\n"
                continue
            }
            let stamp = RFC3339.format(1_795_165_200 + Double(index) * 0.25, fractionDigits: 3)
            let status = index % 17 == 0 ? 429 : 200
            let model = models[index % models.count]
            var line = "{\"ts\":\"\(stamp)\",\"latency_ms\":\(500 + index % 3000),\"model\":\"\(model)\",\"status\":\(status)"
            if status == 200 {
                line += ",\"usage\":{\"input_tokens\":\(100 + index % 900),\"cache_read_input_tokens\":\(index % 5 * 1000),"
                line += "\"cache_creation_input_tokens\":0,\"output_tokens\":\(10 + index % 400)}"
            } else {
                line += ",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"... of 450,000 input tokens per minute\"}"
            }
            line += ",\"headers\":{\"anthropic-ratelimit-requests-limit\":\"1000\",\"anthropic-ratelimit-requests-remaining\":\"\(900 - index % 50)\"}}"
            text += line + "\n"
        }
        if truncatedEnd { text += "{\"ts\":\"2026-11-20T12:00:00Z\",\"status\":2" }
        return text
    }

    @Test(arguments: [false, true])
    func parallelOutputEqualsSequential(truncatedEnd: Bool) throws {
        let directory = TemporaryDirectory()
        let path = directory.write("big.jsonl", Self.noisyLog(lines: 12_000, truncatedEnd: truncatedEnd))
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        #expect(size > 2 << 20, "the log must span several 1 MiB chunks")
        let sequential = try run(path, parallel: false)
        let parallel = try run(path, parallel: true)
        #expect(sequential.malformed > 10)
        #expect(parallel.malformed == sequential.malformed)
        #expect(parallel.messages == sequential.messages)
        #expect(parallel.lines.count == sequential.lines.count)
        let firstDifference = zip(parallel.lines, sequential.lines).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(firstDifference == nil, "line \(firstDifference?.offset ?? -1) differs:\n\(firstDifference?.element.0.prefix(600) ?? "")\n\(firstDifference?.element.1.prefix(600) ?? "")")
        if truncatedEnd {
            #expect(sequential.messages.last?.contains("ends without a newline") == true)
        }
    }

    @Test func anOversizedLineIsSkippedTheSameWay() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("huge-line.jsonl", Self.noisyLog(lines: 3_000, oversizedAt: 1_500, truncatedEnd: false))
        let sequential = try run(path, parallel: false, state: false)
        let parallel = try run(path, parallel: true, state: false)
        #expect(sequential.messages.contains { $0.hasSuffix(":1501: line longer than 4 MiB, skipped") })
        #expect(parallel.messages == sequential.messages)
        #expect(parallel.lines.count == sequential.lines.count)
        #expect(parallel.lines.elementsEqual(sequential.lines), "the outputs differ")
    }
}

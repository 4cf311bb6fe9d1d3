import Foundation
import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopIO

/// A Claude Code assistant line at `seconds` after 2026-11-20T09:00:00Z (`type` nil: left out).
func transcriptLine(_ seconds: Double, id: String, type: String? = "assistant", input: Int = 10, output: Int = 5,
                    model: String = "claude-sonnet-4-5-20250929") -> String {
    let stamp = RFC3339.format(1_795_165_200 + seconds, fractionDigits: 3)
    let typeField = type.map { #""type":"\#($0)","# } ?? ""
    return #"{\#(typeField)"timestamp":"\#(stamp)","sessionId":"s1","message":{"id":"\#(id)","model":"\#(model)","#
        + #""usage":{"input_tokens":\#(input),"output_tokens":\#(output)}}}"#
}

/// Every line a replay does not use is counted under a named reason (`skipped_lines`), and a
/// file's format is found on the lines that can decide it, and found again when its lines stop
/// fitting.
@Suite(.tags(.unit)) struct SkippedLinesTests {
    static func skipped(_ output: ReplayOutput) -> [String: Int] {
        (output.summary?["skipped_lines"] as? [String: Any] ?? [:]).compactMapValues { int($0) }
    }

    @Test func everyLineNotUsedIsCountedUnderItsReason() throws {
        let directory = TemporaryDirectory()
        let exchanges = directory.write("proxy.jsonl", [
            exchange(0), exchange(600),
            "not json at all",                                                     // malformed
            #"{"ts":"2026-11-20T09:00:01Z","status":200,"model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":8.9e18}}"#,  // out of range
            #"{"ts":"0000-01-01T00:00:00Z","status":200,"model":"claude-sonnet-4-5-20250929"}"#,  // out of range (year 0)
            #"{"event":"heartbeat"}"#,                                              // unknown format
            exchange(60),                                                          // late: 540 s behind
            exchange(700),
        ].joined(separator: "\n") + "\n")
        let transcript = directory.write("session.jsonl", [
            #"{"type":"user","timestamp":"2026-11-20T09:00:00.000Z","sessionId":"s1","message":{"role":"user","content":"hi"}}"#,  // no usage
            transcriptLine(1, id: "msg_1", output: 2),
            transcriptLine(2, id: "msg_1", output: 7),                              // duplicate (same message, final snapshot)
            #"{"type":"queue-operation","operation":"enqueue","timestamp":"2026-11-20T09:00:03.000Z","sessionId":"s1"}"#,  // no usage
            transcriptLine(20, id: "msg_2"),
        ].joined(separator: "\n") + "\n")
        let output = try replay([exchanges, transcript])
        let summary = try #require(output.summary)
        #expect(Self.skipped(output) == ["malformed": 1, "out_of_range": 2, "oversized": 0, "unknown_format": 1,
                                         "no_usage": 2, "duplicate": 1, "late": 1])
        #expect(int(summary["lines"]) == 13)
        #expect(int(summary["malformed_lines"]) == 4)
        #expect(int(summary["late_lines"]) == 1)
        #expect(int(summary["duplicates_skipped"]) == 1)
        // Used: 4 exchanges (the late one in the totals) + 2 transcript responses.
        #expect(int(try #require(output.summaryBucket("sonnet-4.x"))["requests"]) == 6)
    }

    @Test func aTranscriptThatOpensWithLinesThatDecideNothingIsStillATranscript() throws {
        let directory = TemporaryDirectory()
        var lines: [String] = []
        for index in 0..<30 {
            lines.append(#"{"type":"queue-operation","operation":"enqueue","timestamp":"2026-11-20T09:00:00.000Z","sessionId":"s1","content":"job \#(index)"}"#)
            lines.append(#"{"type":"file-history-snapshot","messageId":"m\#(index)","snapshot":{"trackedFileBackups":{}},"isSnapshotUpdate":false}"#)
        }
        lines.append(transcriptLine(1, id: "msg_1", input: 100, output: 40))
        lines.append(transcriptLine(30, id: "msg_2", input: 200, output: 60))
        let path = directory.write("session.jsonl", lines.joined(separator: "\n") + "\n")
        let output = try replay([path])
        #expect(output.diagnostics.malformedLines == 0, "\(output.diagnostics.messages)")
        #expect(Self.skipped(output)["no_usage"] == 60)
        let tokens = try #require(output.summaryBucket("sonnet-4.x")?["tokens"] as? [String: Any])
        #expect(int(tokens["input"]) == 300)
        #expect(int(tokens["output"]) == 100)
    }

    @Test func linesWithoutTypeAreAssistantLinesWhenTheyCarryUsage() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("other-tool.jsonl", [
            transcriptLine(1, id: "msg_1", type: nil, input: 100, output: 40),
            #"{"timestamp":"2026-11-20T09:00:02.000Z","message":{"role":"user","content":"next"}}"#,
            transcriptLine(9, id: "msg_2", type: nil, input: 50, output: 10),
        ].joined(separator: "\n") + "\n")
        let output = try replay([path])
        #expect(output.diagnostics.malformedLines == 0, "\(output.diagnostics.messages)")
        #expect(Self.skipped(output)["no_usage"] == 1)
        let sonnet = try #require(output.summaryBucket("sonnet-4.x"))
        #expect(int(sonnet["requests"]) == 2)
        #expect(int((sonnet["tokens"] as? [String: Any])?["output"]) == 50)
    }

    @Test func aFileWhoseLinesStopFittingItsFormatIsDetectedAgain() throws {
        let directory = TemporaryDirectory()
        // 250 lines of another producer (past the detector's look-ahead), then a transcript;
        // and an exchange log another tool appended transcript lines to.
        let unknownFirst = directory.write("late-start.jsonl",
                                           (Array(repeating: #"{"event":"tick"}"#, count: 250)
                                            + [transcriptLine(1, id: "msg_1", input: 100), transcriptLine(9, id: "msg_2", input: 100)])
                                           .joined(separator: "\n") + "\n")
        let mixed = directory.write("mixed.jsonl", [
            exchange(0, input: 1000), exchange(5, input: 1000),
            transcriptLine(10, id: "msg_3", input: 10), transcriptLine(11, id: "msg_4", input: 10),
        ].joined(separator: "\n") + "\n")
        let output = try replay([unknownFirst, mixed])
        #expect(Self.skipped(output)["unknown_format"] == 250)
        #expect(Self.skipped(output)["malformed"] == 0)
        let sonnet = try #require(output.summaryBucket("sonnet-4.x"))
        #expect(int(sonnet["requests"]) == 6)
        #expect(int((sonnet["tokens"] as? [String: Any])?["input"]) == 2220)
        let switches = output.diagnostics.messages.filter { $0.contains("read as claude-code") }
        #expect(switches.count == 2, "\(output.diagnostics.messages)")
        #expect(switches.contains { $0.hasSuffix("late-start.jsonl:251: the lines look like claude-code, not exchange, from here: read as claude-code") || $0.contains("late-start.jsonl:251:") })
        #expect(switches.contains { $0.contains("mixed.jsonl:3:") })
    }

    @Test func aForcedFormatIsNeverSwitched() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("mixed.jsonl", [exchange(0), transcriptLine(10, id: "msg_1")].joined(separator: "\n") + "\n")
        let output = try replay([path], format: .exchange)
        #expect(int(output.summary?["malformed_lines"]) == 1)
        #expect(!output.diagnostics.messages.contains { $0.contains("read as") })
    }

    @Test func aDocumentsLinesAreUsedWithItOrLostWithIt() throws {
        let directory = TemporaryDirectory()
        let good = try replay([directory.write("report.json", UsageReportDocumentTests.document + "\n")], tier: "tier2")
        #expect(Self.skipped(good).values.reduce(0, +) == 0)
        let broken = String(UsageReportDocumentTests.document.dropLast(2))  // the closing brace gone
        let lineCount = broken.split(separator: "\n").count
        let bad = try replay([directory.write("broken.json", broken + "\n")], tier: "tier2")
        #expect(Self.skipped(bad)["malformed"] == lineCount)
        #expect(int(bad.summary?["malformed_lines"]) == lineCount)
        #expect(bad.diagnostics.messages.count == 1)
    }

    /// LiteLLM's GCS and S3 loggers write one pretty-printed payload per file: one input, not
    /// dozens of malformed lines.
    @Test func aPrettyPrintedLiteLLMPayloadIsOneExchange() throws {
        let directory = TemporaryDirectory()
        let payload = """
        {
          "id": "chatcmpl-1",
          "call_type": "acompletion",
          "status": "success",
          "model": "anthropic/claude-sonnet-4-5-20250929",
          "startTime": 1795165200.5,
          "endTime": 1795165202.5,
          "prompt_tokens": 1300,
          "completion_tokens": 40,
          "metadata": {
            "usage_object": {"cache_read_input_tokens": 1000, "cache_creation_input_tokens": 0}
          },
          "messages": [
            {"role": "user", "content": "hi"}
          ]
        }
        """
        let output = try replay([directory.write("2026-11-20-payload.json", payload + "\n")])
        #expect(Self.skipped(output).values.reduce(0, +) == 0, "\(output.diagnostics.messages)")
        let sonnet = try #require(output.summaryBucket("sonnet-4.x"))
        #expect(int(sonnet["requests"]) == 1)
        #expect(int((sonnet["tokens"] as? [String: Any])?["input"]) == 300)
        #expect(int((sonnet["tokens"] as? [String: Any])?["cache_read"]) == 1000)
    }
}

/// A usage report in hour or day buckets gives totals and average rates, not per-minute peaks.
@Suite(.tags(.unit)) struct CoarseUsageReportTests {
    static func page(width: String, _ buckets: [(String, String, Int, Int)]) -> String {
        let data = buckets.map { start, end, input, output in
            #"{"starting_at":"\#(start)","ending_at":"\#(end)","results":[{"uncached_input_tokens":\#(input),"#
                + #""cache_creation":null,"cache_read_input_tokens":0,"output_tokens":\#(output),"model":"claude-sonnet-4-5-20250929"}]}"#
        }
        return #"{"data":[\#(data.joined(separator: ","))],"has_more":false,"next_page":null}"# + "\n"
    }

    @Test func aDayBucketIsSpreadOverItsMinutesAndItsPeaksAreUnknown() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("daily.jsonl", Self.page(width: "1d", [
            ("2026-11-20T00:00:00Z", "2026-11-21T00:00:00Z", 12_000_000, 2_848_746),
            ("2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z", 1_440_000, 144_000),
        ]))
        let output = try replay([path], tier: "build")
        let bucket = try #require(output.summaryBucket("sonnet-4.x"))
        let tokens = try #require(bucket["tokens"] as? [String: Any])
        #expect(int(tokens["input"]) == 13_440_000)
        #expect(int(tokens["output"]) == 2_992_746)
        let peak = try #require(bucket["peak_per_min"] as? [String: Any])
        #expect(peak["output_tokens"] is NSNull)
        #expect((bucket["p95_per_min"] as? [String: Any])?["input_tokens"] is NSNull)
        #expect(int(bucket["resolution_s"]) == 86_400)
        // 2,848,746 / 1,440 minutes: 1,978 each, the first 426 minutes one more.
        #expect(int((bucket["busiest_average_per_min"] as? [String: Any])?["output_tokens"]) == 1979)
        #expect(bucket["tier_advice_from"] as? String == "averages")
        #expect(bucket["recommended_tier"] as? String != "custom")
        #expect(Self.skippedTotal(output) == 0)
    }

    @Test func minuteBucketsKeepTheirPeaks() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("minutes.jsonl", Self.page(width: "1m", [
            ("2026-11-20T09:00:00Z", "2026-11-20T09:01:00Z", 20_000, 300),
            ("2026-11-20T09:01:00Z", "2026-11-20T09:02:00Z", 5_000, 100),
        ]))
        let output = try replay([path], tier: "tier2")
        let bucket = try #require(output.summaryBucket("sonnet-4.x"))
        #expect(int((bucket["peak_per_min"] as? [String: Any])?["input_tokens"]) == 20_000)
        #expect(bucket["resolution_s"] == nil)
        #expect(bucket["tier_advice_from"] == nil)
    }

    static func skippedTotal(_ output: ReplayOutput) -> Int {
        (output.summary?["skipped_lines"] as? [String: Any] ?? [:]).values.compactMap { int($0) }.reduce(0, +)
    }
}

import Foundation
import RatetopTestSupport
import Testing

/// LiteLLM spend-log rows write the proxy's local time without a zone: read in the process's
/// zone (`TZ`, or `--timezone`), said on stderr; epoch times are what they are.
@Suite(.tags(.endToEnd)) struct LiteLLMTimesEndToEndTests {
    static let naive = [
        #"{"request_id":"r1","startTime":"2026-11-20 09:00:00","endTime":"2026-11-20 09:00:02","model":"claude-haiku-4-5","prompt_tokens":100,"completion_tokens":5,"status":"success"}"#,
        #"{"request_id":"r2","startTime":"2026-11-20 09:10:00","endTime":"2026-11-20 09:10:01","model":"claude-haiku-4-5","prompt_tokens":100,"completion_tokens":5,"status":"success"}"#,
    ].joined(separator: "\n") + "\n"

    /// `ratetop ARGS` with `TZ` set to `zone` in its environment.
    func ratetop(zone: String, _ arguments: [String]) throws -> Run {
        let scratch = Scratch()
        let child = try ChildProcess("/usr/bin/env", arguments: ["TZ=\(zone)", ratetopBinary] + arguments,
                                     outputPath: scratch.file("out"), errorPath: scratch.file("err"))
        let status = try #require(child.exitCode(within: 30), "ratetop did not finish")
        return Run(status: status, stdout: child.output, stderr: child.errorOutput)
    }

    func from(_ run: Run) -> String? { run.stdoutLines.last.flatMap(jsonObject)?["from"] as? String }

    @Test func naiveTimesAreReadInTheZoneGivenOrTheMachines() throws {
        let scratch = Scratch()
        let log = scratch.write("spend.jsonl", Self.naive)
        // 09:00 in Berlin in November (UTC+1) is 08:00Z.
        let berlin = try ratetop(zone: "UTC", ["replay", log, "--headless", "--timezone", "Europe/Berlin"])
        #expect(berlin.status == 0, "\(berlin.stderr)")
        #expect(from(berlin) == "2026-11-20T08:00:02Z")
        #expect(berlin.stderr.contains("times without a zone (LiteLLM spend-log rows) read as local time, Europe/Berlin (UTC+01:00)"),
                "\(berlin.stderr)")
        // No flag: the machine's zone, TZ.
        let tokyo = try ratetop(zone: "Asia/Tokyo", ["replay", log, "--headless"])
        #expect(from(tokyo) == "2026-11-20T00:00:02Z")
        #expect(tokyo.stderr.contains("Asia/Tokyo (UTC+09:00)"), "\(tokyo.stderr)")
    }

    @Test func epochTimesIgnoreTheZone() throws {
        let scratch = Scratch()
        let log = scratch.write("payload.jsonl",
                                #"{"startTime":1795165200,"endTime":1795165202,"model":"claude-haiku-4-5","prompt_tokens":10,"completion_tokens":1}"# + "\n")
        let run = try ratetop(zone: "Asia/Tokyo", ["replay", log, "--headless", "--timezone", "America/New_York"])
        #expect(from(run) == "2026-11-20T09:00:02Z")
        #expect(!run.stderr.contains("without a zone"), "\(run.stderr)")
    }

    @Test func anUnknownZoneIsABadArgument() throws {
        let scratch = Scratch()
        let run = try ratetop(zone: "UTC", ["replay", scratch.write("spend.jsonl", Self.naive), "--headless", "--timezone", "Mars/Olympus"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--timezone Mars/Olympus: unknown time zone"), "\(run.stderr)")
    }
}

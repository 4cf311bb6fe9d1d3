import Foundation
import RatetopTestSupport
import Testing

/// The built `ratetop` binary: `.build/debug/ratetop` under the package root (three directories
/// above this file). `scripts/test` builds it before `swift test`.
let ratetopBinary: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/ratetop").path
}()

/// What one run of the binary did.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String

    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
    var all: String { stdout + stderr }
}

/// How long one run of the binary may take. Every command these tests run finishes in well under
/// a second; a binary that hangs fails its test after this long instead of hanging the suite.
let ratetopRunTimeout: Double = 60

/// A run of the binary that did not exit within its timeout (it has been killed).
struct RatetopTimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Runs `ratetop` with `arguments` (and `stdin` text), waiting up to `timeout` seconds for it to
/// exit. A run still going then is killed and fails the test with a message saying so. A
/// `ChildProcess` (posix_spawn), not `Foundation.Process`, whose wait has no timeout.
func ratetop(_ arguments: [String], stdin: String? = nil, timeout: Double = ratetopRunTimeout,
             sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
    guard FileManager.default.isExecutableFile(atPath: ratetopBinary) else {
        Issue.record("the ratetop binary is missing at \(ratetopBinary): run `swift build --product ratetop` (or scripts/test) first",
                     sourceLocation: sourceLocation)
        throw CancellationError()
    }
    // Output goes to files, so a full pipe can never block the child; stdin is a file too.
    let scratch = Scratch()
    let outPath = scratch.file("stdout"), errPath = scratch.file("stderr")
    let inPath = stdin.map { scratch.write("stdin", $0) }
    let child = try ChildProcess(ratetopBinary, arguments: arguments, outputPath: outPath, errorPath: errPath, inputPath: inPath)
    guard let status = child.exitCode(within: timeout) else {
        child.terminate()
        let command = (["ratetop"] + arguments).joined(separator: " ")
        let message = "`\(command)` did not exit within \(Int(timeout)) s and was killed; stderr: \(child.errorOutput.suffix(1000))"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        throw RatetopTimedOut(description: message)
    }
    return Run(status: status, stdout: child.output, stderr: child.errorOutput)
}

func jsonObject(_ line: String) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
}

let sampleLog = """
{"ts":"2026-11-20T09:00:02.422Z","latency_ms":2099,"request_id":"req_01","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":1622,"cache_creation_input_tokens":0,"cache_read_input_tokens":12000,"output_tokens":102},"headers":{"anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"47","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-input-tokens-remaining":"28000","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"8000"}}
{"ts":"2026-11-20T09:00:03.100Z","latency_ms":900,"model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":500,"output_tokens":40}}
{"ts":"2026-11-20T09:00:04.000Z","model":"claude-sonnet-4-5-20250929","status":429,"error":{"type":"rate_limit_error","message":"...of 30,000 input tokens per minute"},"headers":{"retry-after":"3"}}
{"ts":"2026-11-20T09:00:05.500Z","latency_ms":1200,"model":"claude-haiku-4-5-20251001","status":200,"usage":{"input_tokens":80,"output_tokens":8}}

"""

@Suite(.tags(.endToEnd)) struct RatetopCommandTests {
    @Test func versionNamesTheReleaseAndTheLimitsTable() throws {
        let run = try ratetop(["--version"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.wholeMatch(of: /ratetop \d+\.\d+\.\d+ \(limits table \d{4}-\d{2}-\d{2}\)\n/) != nil, "\(run.stdout)")
    }

    /// A copy of the binary, run from a directory with no `.build` and an empty environment, has
    /// its limits table and sample compiled in (a resource bundle beside the binary would be lost).
    @Test func aCopiedBinaryNeedsNothingBesideIt() throws {
        let scratch = Scratch()
        let copy = scratch.file("bin/ratetop")
        try FileManager.default.createDirectory(atPath: scratch.file("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ratetopBinary, toPath: copy)
        let log = scratch.write("day.jsonl", sampleLog)
        func run(_ arguments: [String], environment: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
            // From the copy's own directory: `sh` changes into it and execs the copy.
            let child = try ChildProcess("/bin/sh", arguments: ["-c", #"cd "$0" && exec "$@""#, scratch.file("bin"), copy] + arguments,
                                         environment: environment, outputPath: scratch.file("out"), errorPath: scratch.file("err"))
            guard let status = child.exitCode(within: ratetopRunTimeout) else {
                child.terminate()
                throw RatetopTimedOut(description: "ratetop \(arguments) did not exit")
            }
            return (status, child.output, child.errorOutput)
        }
        let limits = try run(["limits"])
        #expect(limits.status == 0 && limits.stdout.contains("tier1"), "\(limits.stderr)")
        let temporary = scratch.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let demo = try run(["demo", "--headless"], environment: ["TMPDIR=\(temporary)"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let summary = try #require(jsonObject(demo.stdout.split(separator: "\n").last.map(String.init) ?? ""), "\(demo.stdout.prefix(300))")
        #expect(summary["lines"] as? Int == 3291, "\(summary)")
        let replay = try run(["replay", log, "--headless", "--tier", "tier1"])
        #expect(replay.status == 0 && replay.stdout.contains(#""type":"summary""#), "\(replay.stderr)")
        // The demo's temporary copy of the sample is gone once it exits.
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary) == [])
    }

    @Test func headlessReplayWritesOnlyJSONLinesOnStdout() throws {
        let scratch = Scratch()
        let log = scratch.write("day.jsonl", sampleLog)
        let run = try ratetop(["replay", log, "--headless", "--emit", "state,summary", "--tier", "tier1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        #expect(run.stdout.hasSuffix("}\n"))
        let objects = run.stdoutLines.map(jsonObject)
        #expect(objects.allSatisfy { $0 != nil }, "\(run.stdout)")
        let types = objects.compactMap { $0?["type"] as? String }
        #expect(types == ["state", "state", "state", "state", "summary"], "\(types)")
        #expect(objects.compactMap { $0?["at"] as? String }
                == ["2026-11-20T09:00:03Z", "2026-11-20T09:00:04Z", "2026-11-20T09:00:05Z", "2026-11-20T09:00:06Z"])
        let summary = try #require(objects.last ?? nil)
        #expect((summary["lines"] as? NSNumber)?.intValue == 4)
        #expect((summary["malformed_lines"] as? NSNumber)?.intValue == 0)
        let buckets = try #require(summary["buckets"] as? [[String: Any]])
        #expect(buckets.map { $0["bucket"] as? String } == ["sonnet-4.x", "haiku-4.5"])
        #expect((buckets[0]["requests"] as? NSNumber)?.intValue == 3)
        #expect((buckets[0]["requests_429"] as? NSNumber)?.intValue == 1)
        #expect(buckets[0]["tier"] as? String == "tier1")
    }

    /// The runs' timeout works: a run that never ends (`watch` follows its file until stopped)
    /// fails its test with a message once the timeout passes, instead of hanging the suite.
    @Test func aHungBinaryFailsItsTestInsteadOfHangingTheSuite() throws {
        let scratch = Scratch()
        let log = scratch.write("quiet.jsonl", "")
        let started = ContinuousClock.now
        var thrown: (any Error)?
        withKnownIssue("the hung run is reported, and killed") {
            do { _ = try ratetop(["watch", log, "--headless"], timeout: 2) } catch { thrown = error }
        } matching: { issue in
            issue.comments.contains { $0.rawValue.contains("did not exit within 2 s and was killed") }
        }
        #expect(thrown is RatetopTimedOut, "\(String(describing: thrown))")
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func summaryIsTheDefaultAndStdinWorks() throws {
        let run = try ratetop(["replay", "-", "--headless"], stdin: sampleLog)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.count == 1)
        #expect(jsonObject(run.stdout)?["type"] as? String == "summary")
    }

    @Test func outputToAFile() throws {
        let scratch = Scratch()
        let log = scratch.write("day.jsonl", sampleLog)
        let output = scratch.file("out.jsonl")
        let run = try ratetop(["replay", log, "--headless", "--emit", "state,summary", "--interval", "2s", "--output", output])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        let written = try String(contentsOfFile: output, encoding: .utf8)
        let lines = written.split(separator: "\n").map(String.init)
        #expect(lines.map { jsonObject($0)?["type"] as? String } == ["state", "state", "summary"])
    }

    static let badArguments: [(String, [String])] = [
        ("unknown flag", ["replay", "LOG", "--headless", "--bogus"]),
        ("unknown subcommand", ["frobnicate"]),
        ("unreadable path", ["replay", "MISSING", "--headless"]),
        ("no file", ["replay", "--headless"]),
        ("bad tier", ["replay", "LOG", "--headless", "--tier", "tier9"]),
        ("bad tier for limits", ["limits", "--tier", "platinum"]),
        ("bad interval", ["replay", "LOG", "--headless", "--interval", "0s"]),
        ("bad interval unit", ["replay", "LOG", "--headless", "--interval", "fast"]),
        ("bad limits file", ["replay", "LOG", "--headless", "--limits", "BADLIMITS"]),
        ("missing limits file", ["limits", "--limits", "MISSING"]),
        ("bad from", ["replay", "LOG", "--headless", "--from", "yesterday"]),
        ("to before from", ["replay", "LOG", "--headless", "--from", "2026-11-20T10:00:00Z", "--to", "2026-11-20T09:00:00Z"]),
        ("bad format", ["replay", "LOG", "--headless", "--format", "csv"]),
        ("bad emit", ["replay", "LOG", "--headless", "--emit", "state,pictures"]),
        ("unwritable output", ["replay", "LOG", "--headless", "--output", "MISSING/dir/out.jsonl"]),
        ("a live source", ["replay", "http://127.0.0.1:4000/metrics", "--headless"]),
    ]

    @Test(arguments: badArguments)
    func badArgumentsExitTwoWithOneLine(name: String, template: [String]) throws {
        let scratch = Scratch()
        let log = scratch.write("day.jsonl", sampleLog)
        let badLimits = scratch.write("limits.yaml", "limits:\n  sonnet-4.x: [50, 30000]\n")
        let arguments = template.map {
            $0.replacingOccurrences(of: "BADLIMITS", with: badLimits).replacingOccurrences(of: "MISSING", with: scratch.file("missing"))
                .replacingOccurrences(of: "LOG", with: log)
        }
        let run = try ratetop(arguments)
        #expect(run.status == 2, "\(name): exit \(run.status), stderr \(run.stderr)")
        #expect(run.stdout.isEmpty, "\(name): stdout \(run.stdout)")
        let lines = run.stderrLines
        #expect(lines.count == 1 || (lines.count == 2 && lines[1] == "ratetop: see 'ratetop --help'"), "\(name): \(lines)")
        #expect(lines.first?.hasPrefix("ratetop: ") == true, "\(name): \(lines)")
        #expect((lines.first?.count ?? 0) > "ratetop: ".count + 5)
    }

    @Test func errorMessagesNameTheProblem() throws {
        let scratch = Scratch()
        let log = scratch.write("day.jsonl", sampleLog)
        let badLimits = scratch.write("limits.yaml", "limits:\n  sonnet-4.x: [50, 30000]\n")
        let tier = try ratetop(["replay", log, "--headless", "--tier", "tier9"])
        #expect(tier.stderrLines.first?.contains("--tier tier9") == true, "\(tier.stderr)")
        let limits = try ratetop(["replay", log, "--headless", "--limits", badLimits])
        #expect(limits.stderrLines.first?.contains("limits.sonnet-4.x") == true, "\(limits.stderr)")
        let missing = try ratetop(["replay", scratch.file("nope.jsonl"), "--headless"])
        #expect(missing.stderrLines.first?.contains("nope.jsonl") == true, "\(missing.stderr)")
        let interval = try ratetop(["replay", log, "--headless", "--interval", "0s"])
        #expect(interval.stderrLines.first?.contains("--interval") == true, "\(interval.stderr)")
    }

    /// A Prometheus endpoint has no past: replay says so and what to run instead (headless or
    /// not, alone or among logs), naming the URL without its credentials, instead of calling it
    /// a missing file.
    @Test func aURLIsALiveSourceNotALogToReplay() throws {
        let scratch = Scratch()
        let log = scratch.write("day.jsonl", sampleLog)
        let cases: [([String], String)] = [
            (["replay", "http://127.0.0.1:4000/metrics", "--headless"], "http://127.0.0.1:4000/metrics"),
            (["replay", "http://litellm.internal:4000"], "http://litellm.internal:4000/metrics"),
            (["replay", log, "prometheus+https://app-1:10429/metrics", "--headless", "--emit", "summary"], "https://app-1:10429/metrics"),
            (["replay", "https://user:sk-ant-SECRET@litellm.internal:4000/metrics?key=SECRET", "--headless"],
             "https://litellm.internal:4000/metrics"),
        ]
        for (arguments, shown) in cases {
            let run = try ratetop(arguments)
            #expect(run.status == 2, "\(arguments): exit \(run.status), stderr \(run.stderr)")
            #expect(run.stdout.isEmpty, "\(arguments): \(run.stdout)")
            #expect(run.stderrLines == ["ratetop: replay reads log files; \(shown) is a live source — use ratetop watch \(shown)"],
                    "\(arguments): \(run.stderrLines)")
            #expect(!run.all.contains("SECRET"))
        }
        let broken = try ratetop(["replay", "https://sk-ant-SECRET@", "--headless"])
        #expect(broken.status == 2)
        #expect(broken.stderrLines == ["ratetop: replay reads log files; https://… is a live source — use ratetop watch http://HOST:PORT/metrics"],
                "\(broken.stderrLines)")
    }

    @Test func malformedLinesAreReportedAndSkipped() throws {
        let scratch = Scratch()
        let log = scratch.write("bad.jsonl", sampleLog + """
        {"ts":"2026-11-20T09:00:06Z","status":200
        not json at all
        {"ts":"2026-11-20T09:00:07Z","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":1,"output_tokens":1}}

        """)
        let run = try ratetop(["replay", log, "--headless", "--emit", "summary"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderrLines.count == 2, "\(run.stderr)")
        #expect(run.stderrLines.first?.contains("\(log):5: ") == true, "\(run.stderr)")
        #expect(run.stderrLines.last?.contains("\(log):6: ") == true, "\(run.stderr)")
        let summary = try #require(jsonObject(run.stdout))
        #expect((summary["malformed_lines"] as? NSNumber)?.intValue == 2)
        #expect((summary["lines"] as? NSNumber)?.intValue == 7)
        let buckets = summary["buckets"] as? [[String: Any]]
        #expect((buckets?.first?["requests"] as? NSNumber)?.intValue == 4)
    }

    @Test func limitsPrintsTheTable() throws {
        let run = try ratetop(["limits"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty)
        for expected in ["sonnet-4.x", "haiku-3.5*", "tier1", "tier4", "start", "scale", "50/30k/8k", "1k/2M/400k"] {
            #expect(run.stdout.contains(expected), "missing \(expected)")
        }
    }

    @Test func limitsForOneTier() throws {
        let run = try ratetop(["limits", "--tier", "tier1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Tier 1"))
        let sonnetRow = run.stdoutLines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("sonnet-4.x ") }
        let cells = sonnetRow?.split(separator: " ").map(String.init)
        #expect(cells == ["sonnet-4.x", "50", "30k", "8k", "no"], "\(run.stdout)")
        #expect(!run.stdout.contains("build"))
    }

    @Test func limitsWithAUserFile() throws {
        let scratch = Scratch()
        let file = scratch.write("ours.yaml", "limits:\n  sonnet-4.x: [1000, 450000, 90000]\n")
        let run = try ratetop(["limits", "--limits", file])
        #expect(run.status == 0, "\(run.stderr)")
        let row = run.stdoutLines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("sonnet-4.x ") }
        #expect(row?.split(separator: " ").map(String.init) == ["sonnet-4.x", "1k", "450k", "90k", "tier2"], "\(run.stdout)")
    }

    @Test func secretsAreNeverPrinted() throws {
        let scratch = Scratch()
        let key = "sk-ant-api03-SECRETKEYSECRETKEY-0123456789"
        let bearer = "Bearer sk-ant-oat01-SECRETBEARER-9876543210"
        let log = scratch.write("secrets.jsonl", """
        {"ts":"2026-11-20T09:00:01Z","model":"claude-sonnet-4-5","status":200,"usage":{"input_tokens":5,"output_tokens":1},"headers":{"x-api-key":"\(key)","authorization":"\(bearer)","anthropic-ratelimit-requests-remaining":"49"},"request_headers":{"x-api-key":"\(key)","Authorization":"\(bearer)"}}
        {"ts":"2026-11-20T09:00:02Z","model":"claude-sonnet-4-5","status":200,"headers":{"x-api-key":"\(key)","authorization":"\(bearer)"
        {"x-api-key":"\(key)","authorization":"\(bearer)"}
        {"ts":"2026-11-20T09:00:03Z","model":"claude-sonnet-4-5","status":"oops","headers":{"x-api-key":"\(key)"}}
        {"ts":"2026-11-20T09:00:04Z","model":"claude-sonnet-4-5","status":401,"error":{"type":"authentication_error","message":"invalid x-api-key \(key)"},"headers":{"authorization":"\(bearer)"}}
        """)
        let output = scratch.file("out.jsonl")
        for arguments in [["replay", log, "--headless", "--emit", "state,summary"],
                          ["replay", log, "--headless", "--emit", "state,summary", "--output", output],
                          ["replay", log, "--headless", "--format", "litellm"],
                          ["replay", log, "--headless", "--format", "claude-code"],
                          ["replay", log, "--headless", "--format", "usage-report"]] {
            let run = try ratetop(arguments)
            // A format forced on lines of another can leave nothing to replay: exit 2, one line why.
            let nothingUsable = run.status == 2 && run.stderrLines.last?.contains("no usable line") == true
            #expect(run.status == 0 || (arguments.contains("--format") && nothingUsable), "\(arguments): \(run.stderr)")
            var everything = run.all
            if FileManager.default.fileExists(atPath: output) {
                everything += (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            }
            for secret in [key, bearer, "SECRETKEY", "SECRETBEARER", "sk-ant-"] {
                #expect(!everything.contains(secret), "\(arguments) printed \(secret): \(everything)")
            }
        }
    }

    @Test func helpGoesToStdoutAndExitsZero() throws {
        let run = try ratetop(["--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("replay"))
        #expect(run.stdout.contains("limits"))
    }

    /// The format of every source is detected from its lines, standard input included.
    @Test func standardInputFormatIsDetected() throws {
        let transcript = """
        {"type":"assistant","timestamp":"2026-11-20T09:00:02.000Z","requestId":"req_1","sessionId":"s","uuid":"u1","message":{"id":"msg_1","model":"claude-sonnet-4-6","usage":{"input_tokens":7,"output_tokens":3}}}

        """
        let forced = try ratetop(["replay", "-", "--headless", "--format", "claude-code"], stdin: transcript)
        #expect(forced.status == 0)
        #expect(((jsonObject(forced.stdout)?["buckets"] as? [Any])?.count) == 1)
        let run = try ratetop(["replay", "-", "--headless"], stdin: transcript)
        #expect(run.status == 0)
        #expect(((jsonObject(run.stdout)?["buckets"] as? [Any])?.count) == 1, "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
    }

    @Test func manyMalformedLinesAreCappedWithAClosingCount() throws {
        let scratch = Scratch()
        let garbage = (1...25).map { "garbage \($0)" }.joined(separator: "\n")
        let log = scratch.write("noisy.jsonl", sampleLog + garbage + "\n")
        let run = try ratetop(["replay", log, "--headless"])
        #expect(run.status == 0)
        let lines = run.stderrLines
        #expect(lines.count == 11, "\(run.stderr)")
        #expect(lines.prefix(10).allSatisfy { $0.hasPrefix("ratetop: \(log):") })
        #expect(lines.last == "ratetop: 25 malformed lines skipped in all (15 not shown)")
        #expect((jsonObject(run.stdout)?["malformed_lines"] as? NSNumber)?.intValue == 25)
    }

    @Test func fromAndToOnTheCommandLine() throws {
        let scratch = Scratch()
        let log = scratch.write("day.jsonl", sampleLog)
        let run = try ratetop(["replay", log, "--headless", "--emit", "state,summary", "--from", "2026-11-20T09:00:03Z",
                               "--to", "2026-11-20T09:00:05Z"])
        #expect(run.status == 0, "\(run.stderr)")
        let objects = run.stdoutLines.compactMap(jsonObject)
        #expect(objects.compactMap { $0["at"] as? String }
                == ["2026-11-20T09:00:03Z", "2026-11-20T09:00:04Z", "2026-11-20T09:00:05Z"])
        let summary = try #require(objects.last)
        #expect(summary["from"] as? String == "2026-11-20T09:00:03Z")
        #expect(summary["to"] as? String == "2026-11-20T09:00:05Z")
        let buckets = try #require(summary["buckets"] as? [[String: Any]])
        // 09:00:03.1 and the 429 at 09:00:04 are in range; 09:00:02.4 only warmed up; 09:00:05.5 is after --to.
        #expect(buckets.map { $0["bucket"] as? String } == ["sonnet-4.x"])
        #expect((buckets.first?["requests"] as? NSNumber)?.intValue == 2)
    }

    @Test func limitsFromASavedAdminAPIResponse() throws {
        let scratch = Scratch()
        let file = scratch.write("rate_limits.json", """
        {"data":[{"type":"rate_limit","group_type":"model_group","models":["claude-sonnet-4-5-20250929","claude-sonnet-4-6"],"limits":[{"type":"requests_per_minute","value":4000},{"type":"input_tokens_per_minute","value":2000000},{"type":"output_tokens_per_minute","value":400000}]}],"has_more":false}
        """)
        let run = try ratetop(["limits", "--limits", file])
        #expect(run.status == 0, "\(run.stderr)")
        let row = run.stdoutLines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("sonnet-4.x ") }
        #expect(row?.split(separator: " ").map(String.init) == ["sonnet-4.x", "4k", "2M", "400k", "tier4"], "\(run.stdout)")
        let log = scratch.write("day.jsonl", """
        {"ts":"2026-11-20T09:00:02Z","model":"claude-sonnet-4-6","status":200,"usage":{"input_tokens":10,"output_tokens":1}}

        """)
        let replay = try ratetop(["replay", log, "--headless", "--emit", "state", "--limits", file])
        let state = try #require(jsonObject(replay.stdoutLines.first ?? ""))
        let bucket = try #require((state["buckets"] as? [[String: Any]])?.first)
        #expect(bucket["limits_source"] as? String == "file")
        #expect(bucket["tier"] as? String == "tier4")
        #expect(((bucket["limits"] as? [String: Any])?["requests"] as? NSNumber)?.intValue == 4000)
    }
}

/// Alerts from a headless replay, and `--fail-on` for CI and cron.
@Suite(.tags(.endToEnd)) struct ReplayAlertsTests {
    static let sample: String = URL(fileURLWithPath: ratetopBinary).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/day.jsonl").path

    @Test func theSampleDaysStormsFireAndResolveAndFailOnCriticalExitsThree() throws {
        let run = try ratetop(["replay", Self.sample, "--headless", "--emit", "alerts,summary", "--fail-on", "critical"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderrLines.last?.contains("--fail-on critical") == true, "\(run.stderr)")
        let objects = run.stdoutLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == run.stdoutLines.count, "every line is a JSON object")
        let alerts = objects.filter { $0["type"] as? String == "alert" }
        let firing = alerts.filter { $0["state"] as? String == "firing" }
        let resolved = alerts.filter { $0["state"] as? String == "resolved" }
        #expect(firing.contains { $0["rule"] as? String == "rate_429_storm" && $0["bucket"] as? String == "sonnet-4.x" })
        #expect(firing.contains { $0["rule"] as? String == "rate_429_high" })
        #expect(resolved.count > 0 && resolved.count <= firing.count)
        let summary = try #require(objects.last)
        let counts = try #require(summary["alerts"] as? [String: Any])
        #expect((counts["fired"] as? NSNumber)?.intValue == firing.count)
        // Each alert's time is in order: they come from the virtual clock.
        let times = alerts.compactMap { $0["at"] as? String }
        #expect(times == times.sorted())
    }

    @Test func failOnIsQuietWhenNothingThatBadFired() throws {
        let scratch = Scratch()
        let line = #"{"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-5","status":200,"usage":{"input_tokens":10,"output_tokens":1}}"#
        let log = scratch.write("calm.jsonl", line + "\n")
        let run = try ratetop(["replay", log, "--headless", "--tier", "tier1", "--fail-on", "warning"])
        #expect(run.status == 0, "\(run.stderr)")
        let bad = try ratetop(["replay", log, "--headless", "--fail-on", "sometimes"])
        #expect(bad.status == 2)
        #expect(bad.stderrLines.first?.contains("--fail-on sometimes") == true, "\(bad.stderr)")
    }
}

/// The configuration file: `config check`, and `--config` changing what a replay alerts on.
@Suite(.tags(.endToEnd)) struct ConfigFileTests {
    /// Three minutes of one attempt a second, every tenth throttled (10%: over rate_429_high's 5%).
    static let throttledLog: String = (0..<180).map { second in
        let ts = "2026-11-20T09:\(String(format: "%02d", second / 60)):\(String(format: "%02d", second % 60))Z"
        return second % 10 == 9
            ? #"{"ts":"\#(ts)","model":"claude-sonnet-4-5-20250929","status":429,"error":{"type":"rate_limit_error","message":"...of 50 requests per minute"}}"#
            : #"{"ts":"\#(ts)","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":100,"output_tokens":10}}"#
    }.joined(separator: "\n") + "\n"

    @Test func configCheckAcceptsAGoodFile() throws {
        let scratch = Scratch()
        let file = scratch.write("config.yaml", "tier: tier1\nrules:\n  - id: rate_429_high\n    enabled: false\n")
        let run = try ratetop(["config", "check", file])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines == ["\(file): OK, 10 alert rules in force (1 disabled)"])
    }

    @Test func configCheckRejectsABadFileWithOneLocatedLinePerProblem() throws {
        let scratch = Scratch()
        let file = scratch.write("config.yaml", "tier: tier1\nrules:\n  - id: headroom_low\n    fire: high\ncolour: blue\n")
        let run = try ratetop(["config", "check", file])
        #expect(run.status == 2)
        #expect(run.stderrLines == ["ratetop: \(file):4: rules[0].fire: expected a number, got \"high\"",
                                    "ratetop: \(file):5: colour: unknown setting (known: tier, limits, format, sources, interval, stale_after, alertmanager, webhook, exec, metrics_listen, rules)"])
        let tier = try ratetop(["config", "check", scratch.write("tier.yaml", "tier: tier9\n")])
        #expect(tier.status == 2)
        #expect(tier.stderrLines.first?.contains("tier.yaml:1: tier: unknown tier \"tier9\"") == true, "\(tier.stderr)")
    }

    @Test func anExplicitMissingConfigIsExitTwoAndAMissingDefaultIsFine() throws {
        let missing = try ratetop(["limits", "--config", "/nonexistent/ratetop.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stderrLines == ["ratetop: --config /nonexistent/ratetop.yaml: no such file"])
        #expect(try ratetop(["limits"]).status == 0)
    }

    @Test func replayFollowsTheConfigsThresholdsAndLabels() throws {
        let scratch = Scratch()
        let log = scratch.write("throttled.jsonl", Self.throttledLog)
        let plain = try ratetop(["replay", log, "--headless", "--emit", "alerts"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let fired = plain.stdoutLines.compactMap(jsonObject).filter { $0["rule"] as? String == "rate_429_high" }
        #expect(fired.first?["state"] as? String == "firing", "\(plain.stdout)")
        #expect((fired.first?["labels"] as? [String: Any])?.isEmpty == true)

        // Raised to 20%: 10% no longer fires.
        let raised = scratch.write("raised.yaml", "rules:\n  - id: rate_429_high\n    fire: 0.2\n    clear: 0.1\n")
        let quiet = try ratetop(["replay", log, "--headless", "--emit", "alerts", "--config", raised])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stdout.contains("rate_429_high"), "\(quiet.stdout)")

        // Lowered hold and a label: fires sooner, labelled.
        let sooner = scratch.write("sooner.yaml", "rules:\n  - id: rate_429_high\n    for: 10s\n    labels: {team: infra}\n")
        let early = try ratetop(["replay", log, "--headless", "--emit", "alerts", "--config", sooner])
        let first = try #require(early.stdoutLines.compactMap(jsonObject).first { $0["rule"] as? String == "rate_429_high" })
        #expect(first["labels"] as? [String: String] == ["team": "infra"])
        #expect((first["at"] as? String ?? "") < (fired.first?["at"] as? String ?? ""), "\(first) vs \(fired)")
    }
}

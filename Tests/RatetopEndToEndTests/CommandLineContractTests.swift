import Foundation
import RatetopCore
import RatetopIO
import RatetopTestSupport
import Testing

/// `ratetop ARGS` in an environment of its own: `PATH`, `TZ=UTC`, `HOME` (an empty directory of
/// the scratch unless `environment` sets one) and `environment` — nothing of the test process's
/// own `RATETOP_*` or `XDG_*` variables, or of the user's config file, leaks in.
func ratetop(_ arguments: [String], environment: [String: String], scratch: Scratch,
             sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
    var variables = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "TZ": "UTC",
                     "HOME": scratch.file("home")]
    for (name, value) in environment { variables[name] = value }
    let id = UUID().uuidString
    let child = try ChildProcess(ratetopBinary, arguments: arguments, environment: variables.map { "\($0.key)=\($0.value)" },
                                 outputPath: scratch.file("out-\(id)"), errorPath: scratch.file("err-\(id)"))
    let status = try #require(child.exitCode(within: ratetopRunTimeout), "ratetop \(arguments) did not exit", sourceLocation: sourceLocation)
    return Run(status: status, stdout: child.output, stderr: child.errorOutput)
}

/// Issue 12, item 4: a command line that fits the ecosystem — each command takes only the
/// options it uses, completions for files and values, "did you mean", the XDG config path and
/// `RATETOP_*` variables, `config check` running watch's checks, and input with nothing usable.
/// Serialized: each case blocks a thread of Swift's small cooperative pool while the binary runs,
/// and tests that poll on that pool (the exec sink's timeout) must not wait behind them all.
@Suite(.serialized, .tags(.endToEnd)) struct CommandLineContractTests {
    static let exchangeLine = #"{"ts":"2026-11-20T09:00:02Z","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":10,"output_tokens":2}}"#

    // MARK: Each command declares only the options it uses

    @Test(arguments: [
        ["limits", "--format", "exchange"],
        ["limits", "--timezone", "UTC"],
        ["record", "--listen", ":0", "--upstream", "http://127.0.0.1:1", "--log", "x.jsonl", "--format", "exchange"],
        ["record", "--listen", ":0", "--upstream", "http://127.0.0.1:1", "--log", "x.jsonl", "--output", "y"],
        ["demo", "--tier", "tier1"],
        ["demo", "--output", "y"],
        ["config", "check", "--tier", "tier1", "c.yaml"],
        ["config", "check", "--output", "y", "c.yaml"],
    ])
    func anOptionACommandDoesNotUseIsUnknown(arguments: [String]) throws {
        let option = try #require(arguments.first { ["--format", "--timezone", "--tier", "--output"].contains($0) })
        let run = try ratetop(arguments)
        #expect(run.status == 2, "\(run.all)")
        #expect(run.stderrLines.first?.hasPrefix("ratetop: Unknown option '\(option)'") == true, "\(run.stderr)")
    }

    @Test func eachCommandsHelpListsExactlyItsOptions() throws {
        let expected: [[String]: (has: [String], lacks: [String])] = [
            ["limits"]: (["--tier", "--limits", "--config", "--output"], ["--format", "--timezone", "--emit"]),
            ["record"]: (["--listen", "--upstream", "--log", "--tier", "--limits", "--config"], ["--format", "--output", "--timezone"]),
            ["demo"]: (["--speed"], ["--tier", "--format", "--output", "--config"]),
            ["config", "check"]: ([], ["--tier", "--format", "--output", "--config"]),
            ["watch"]: (["--tier", "--limits", "--config", "--format", "--timezone", "--output", "--metrics-listen", "--alertmanager"], ["--fail-on"]),
            ["replay"]: (["--tier", "--limits", "--config", "--format", "--timezone", "--output", "--fail-on", "--alertmanager"], ["--metrics-listen"]),
        ]
        for (command, options) in expected {
            let run = try ratetop(command + ["--help"])
            #expect(run.status == 0, "\(command): \(run.stderr)")
            for option in options.has { #expect(run.stdout.contains(option), "\(command) --help lacks \(option)") }
            for option in options.lacks { #expect(!run.stdout.contains(option), "\(command) --help offers \(option)") }
        }
    }

    @Test func limitsOutputWritesTheFile() throws {
        let scratch = Scratch()
        let file = scratch.file("limits.txt")
        let run = try ratetop(["limits", "--tier", "tier2", "--output", file])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        let written = try String(contentsOfFile: file, encoding: .utf8)
        #expect(written == (try ratetop(["limits", "--tier", "tier2"])).stdout)
        #expect(written.contains("Tier 2"))
    }

    @Test func outputInTheDashboardIsRefusedNotIgnored() throws {
        let scratch = Scratch()
        let log = scratch.write("a.jsonl", Self.exchangeLine + "\n")
        let run = try ratetop(["replay", log, "--output", scratch.file("out")])
        #expect(run.status == 2)
        #expect(run.stderrLines == ["ratetop: --alertmanager, --webhook, --exec and --output need --headless (the dashboard shows alerts on screen)"])
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
    }

    // MARK: Completions

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsKnowTheValues(shell: String) throws {
        let run = try ratetop(["--generate-completion-script", shell])
        #expect(run.status == 0, "\(run.stderr)")
        let script = run.stdout
        let tiers = try BundledLimitsTable.load().tierIDs
        #expect(!tiers.isEmpty)
        for tier in tiers { #expect(script.contains(tier), "\(shell): no tier \(tier)") }
        for format in ["auto"] + LogFormat.allCases.map(\.rawValue) { #expect(script.contains(format), "\(shell): no format \(format)") }
        for value in ["alerts,state", "warning", "critical", "summary"] { #expect(script.contains(value), "\(shell): no \(value)") }
        #expect(script.contains("jsonl"), "\(shell): log files are not completed by extension")
        #expect(script.contains("yaml"), "\(shell): config files are not completed by extension")
    }

    // MARK: Did you mean

    @Test func aMistypedCommandGetsOneLineWithTheClosest() throws {
        let watch = try ratetop(["wacth", "app.jsonl"])
        #expect(watch.status == 2)
        #expect(watch.stderrLines == ["ratetop: unknown command 'wacth'; did you mean 'watch'?"])
        #expect(watch.stdout.isEmpty)

        let check = try ratetop(["config", "chek", "c.yaml"])
        #expect(check.status == 2)
        #expect(check.stderrLines == ["ratetop: unknown command 'config chek'; did you mean 'config check'?"])

        #expect(try ratetop(["replya"]).stderrLines == ["ratetop: unknown command 'replya'; did you mean 'replay'?"])
        let nothing = try ratetop(["frobnicate"])
        #expect(nothing.status == 2)
        #expect(nothing.stderrLines == ["ratetop: unknown command 'frobnicate' (commands: watch, replay, demo, limits, config, record, plan)"])
    }

    @Test func aMistypedOptionGetsTheClosest() throws {
        let run = try ratetop(["watch", "--headles", "app.jsonl"])
        #expect(run.status == 2)
        #expect(run.stderrLines.first == "ratetop: Unknown option '--headles'. Did you mean '--headless'?", "\(run.stderr)")
    }

    // MARK: Config path and environment

    @Test func theConfigFileIsFoundUnderXDGConfigHomeElseHome() throws {
        let scratch = Scratch()
        let home = scratch.file("home")
        let xdg = scratch.file("xdg")
        for directory in ["\(home)/.config/ratetop", "\(xdg)/ratetop"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        _ = scratch.write("home/.config/ratetop/config.yaml", "tier: tier2\n")
        _ = scratch.write("xdg/ratetop/config.yaml", "tier: tier3\n")

        let fromXDG = try ratetop(["limits"], environment: ["HOME": home, "XDG_CONFIG_HOME": xdg], scratch: scratch)
        #expect(fromXDG.status == 0, "\(fromXDG.stderr)")
        #expect(fromXDG.stdout.contains("\nTier 3 ("), "\(fromXDG.stdout)")

        let fromHome = try ratetop(["limits"], environment: ["HOME": home], scratch: scratch)
        #expect(fromHome.stdout.contains("\nTier 2 ("), "\(fromHome.stdout)")
        // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
        let relative = try ratetop(["limits"], environment: ["HOME": home, "XDG_CONFIG_HOME": "xdg"], scratch: scratch)
        #expect(relative.stdout.contains("\nTier 2 ("), "\(relative.stdout)")
    }

    @Test func flagBeatsEnvironmentBeatsConfigFileBeatsDefault() throws {
        let scratch = Scratch()
        let config = scratch.write("service.yaml", "tier: tier4\n")
        func tier(_ arguments: [String], _ environment: [String: String]) throws -> String? {
            let run = try ratetop(["limits"] + arguments, environment: environment, scratch: scratch)
            #expect(run.status == 0, "\(run.stderr)")
            return ["Tier 1", "Tier 2", "Tier 3", "Tier 4"].first { run.stdout.contains("\n\($0) (") }
        }
        #expect(try tier([], [:]) == nil)  // the default: no tier, the whole table
        #expect(try tier([], ["RATETOP_CONFIG": config]) == "Tier 4")
        #expect(try tier([], ["RATETOP_CONFIG": config, "RATETOP_TIER": "tier3"]) == "Tier 3")
        #expect(try tier(["--tier", "tier2"], ["RATETOP_CONFIG": config, "RATETOP_TIER": "tier3"]) == "Tier 2")
        #expect(try tier(["--config", config], ["RATETOP_CONFIG": scratch.file("missing.yaml")]) == "Tier 4")
        // An empty variable is unset (an EnvironmentFile's `RATETOP_TIER=`).
        #expect(try tier([], ["RATETOP_CONFIG": config, "RATETOP_TIER": ""]) == "Tier 4")
    }

    @Test func formatAndSinksComeFromTheEnvironmentToo() throws {
        let scratch = Scratch()
        let log = scratch.write("a.jsonl", Self.exchangeLine + "\n")
        // RATETOP_FORMAT=litellm reads the exchange line as LiteLLM's: nothing usable.
        let forced = try ratetop(["replay", log, "--headless"], environment: ["RATETOP_FORMAT": "litellm"], scratch: scratch)
        #expect(forced.status == 2, "\(forced.all)")
        let flagWins = try ratetop(["replay", log, "--headless", "--format", "exchange"], environment: ["RATETOP_FORMAT": "litellm"], scratch: scratch)
        #expect(flagWins.status == 0, "\(flagWins.all)")
        // A sink from the environment is used like the flag's: the command gets the alerts.
        let throttled = scratch.write("throttled.jsonl", ConfigFileTests.throttledLog)
        let received = scratch.file("alerts-received")
        let exec = try ratetop(["replay", throttled, "--headless", "--emit", "summary"],
                               environment: ["RATETOP_EXEC": "cat >> \(received)"], scratch: scratch)
        #expect(exec.status == 0, "\(exec.all)")
        #expect(((try? String(contentsOfFile: received, encoding: .utf8)) ?? "").contains("rate_429_high"))
    }

    @Test(arguments: [
        (["limits"], "RATETOP_TIER", "tier9", "ratetop: RATETOP_TIER tier9: unknown tier (known: "),
        (["replay", "LOG", "--headless"], "RATETOP_FORMAT", "xml", "ratetop: RATETOP_FORMAT xml: unknown format (use auto, "),
        (["replay", "LOG", "--headless"], "RATETOP_TIMEZONE", "Mars/Olympus", "ratetop: RATETOP_TIMEZONE Mars/Olympus: unknown time zone"),
        (["limits"], "RATETOP_CONFIG", "/nonexistent/ratetop.yaml", "ratetop: RATETOP_CONFIG /nonexistent/ratetop.yaml: no such file"),
        (["limits"], "RATETOP_LIMITS", "/nonexistent/limits.yaml", "ratetop: RATETOP_LIMITS /nonexistent/limits.yaml: "),
        (["replay", "LOG", "--headless"], "RATETOP_ALERTMANAGER", "ftp://x", "ratetop: RATETOP_ALERTMANAGER ftp://x: expected an http:// or https:// URL"),
        (["replay", "LOG", "--headless"], "RATETOP_WEBHOOK", "http://ok.example/a,nope", "ratetop: RATETOP_WEBHOOK nope: expected an http:// or https:// URL"),
        (["watch", "LOG", "--headless"], "RATETOP_METRICS_LISTEN", "no-such-host.invalid",
         "ratetop: RATETOP_METRICS_LISTEN 'no-such-host.invalid': the host 'no-such-host.invalid' does not resolve to an address"),
    ])
    func aBadVariableIsOneLineNamingItAndExitTwo(arguments: [String], variable: String, value: String, line: String) throws {
        let scratch = Scratch()
        let log = scratch.write("a.jsonl", Self.exchangeLine + "\n")
        let run = try ratetop(arguments.map { $0 == "LOG" ? log : $0 }, environment: [variable: value], scratch: scratch)
        #expect(run.status == 2, "\(run.all)")
        #expect(run.stderrLines.count == 1, "\(run.stderr)")
        #expect(run.stderrLines.first?.hasPrefix(line) == true, "\(run.stderr)")
    }

    // MARK: config check runs watch's checks, all at once

    @Test func configCheckReportsEveryProblemWatchWouldAtOnce() throws {
        let scratch = Scratch()
        let file = scratch.write("config.yaml", """
            tier: tier9
            alertmanager: "ftp://x"
            webhook:
              - https://hooks.example/ok
              - "mailto:ops@example.com"
            exec: ["  "]
            metrics_listen: "abc.invalid"
            sources: ["otlp://host:notaport"]
            rules:
              - id: headroom_low
                fire: high

            """)
        let check = try ratetop(["config", "check", file])
        #expect(check.status == 2)
        #expect(check.stdout.isEmpty)
        #expect(check.stderrLines == [
            "ratetop: \(file):1: tier: unknown tier \"tier9\" (known: \(try BundledLimitsTable.load().tierIDs.joined(separator: ", ")))",
            "ratetop: \(file):2: alertmanager: ftp://x: expected an http:// or https:// URL",
            "ratetop: \(file):5: webhook[1]: mailto:ops@example.com: expected an http:// or https:// URL",
            "ratetop: \(file):6: exec[0]: the command is empty",
            "ratetop: \(file):7: metrics_listen: 'abc.invalid': the host 'abc.invalid' does not resolve to an address (expected HOST:PORT, :PORT, PORT or HOST)",
            check.stderrLines.first { $0.contains(":8: sources[0]: ") } ?? "no sources problem",
            "ratetop: \(file):11: rules[0].fire: expected a number, got \"high\"",
        ], "\(check.stderr)")

        // watch --config runs the same checks: the same lines, before anything starts.
        let log = scratch.write("a.jsonl", Self.exchangeLine + "\n")
        let watch = try ratetop(["watch", log, "--headless", "--config", file])
        #expect(watch.status == 2)
        #expect(watch.stderrLines == check.stderrLines)
    }

    // MARK: Input with nothing usable

    /// Bytes of a fixed pseudo-random sequence, cut into lines.
    static func randomBytes(count: Int) -> Data {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes: [UInt8] = []
        for index in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(index % 61 == 60 ? 0x0A : UInt8(truncatingIfNeeded: state >> 33))
        }
        return Data(bytes)
    }

    @Test func randomBytesAreExitTwoWithOneLineSayingWhyHeadlessAndInTheDashboard() throws {
        let scratch = Scratch()
        let file = scratch.file("random.jsonl")
        #expect(FileManager.default.createFile(atPath: file, contents: Self.randomBytes(count: 4096)))
        for arguments in [["replay", file, "--headless"], ["replay", file]] {
            let run = try ratetop(arguments)
            #expect(run.status == 2, "\(arguments): \(run.all)")
            let last = try #require(run.stderrLines.last)
            #expect(last.hasPrefix("ratetop: replay: no usable line in 1 file ("), "\(last)")
            #expect(last.hasSuffix("); nothing to replay"), "\(last)")
            #expect(last.contains("malformed"), "\(last)")
            #expect(!run.stdout.contains("\"type\":\"summary\""))
        }
        // Another program's JSON lines: unknown_format, the same refusal.
        let other = scratch.write("other.jsonl", String(repeating: #"{"level":"info","msg":"started"}"# + "\n", count: 3))
        let unknown = try ratetop(["replay", other, "--headless"])
        #expect(unknown.status == 2)
        #expect(unknown.stderrLines.last == "ratetop: replay: no usable line in 1 file (3 unknown_format); nothing to replay")
    }

    @Test func anEmptyLogIsAQuietDayNotAnError() throws {
        let scratch = Scratch()
        let empty = scratch.write("empty.jsonl", "")
        let run = try ratetop(["replay", empty, "--headless"])
        #expect(run.status == 0, "\(run.all)")
        #expect(run.stderrLines == ["ratetop: replay: 1 file, no lines; nothing to replay"])
        #expect(run.stdoutLines.last.flatMap(jsonObject)?["type"] as? String == "summary")
        // A transcript of user messages only: understood, no usage — a notice too, exit 0.
        let users = scratch.write("session.jsonl", """
            {"type":"user","timestamp":"2026-09-03T07:39:00Z","sessionId":"s1","message":{"role":"user","content":"hi"}}
            {"type":"user","timestamp":"2026-09-03T07:40:00Z","sessionId":"s1","message":{"role":"user","content":"again"}}

            """)
        let quiet = try ratetop(["replay", users, "--headless"])
        #expect(quiet.status == 0, "\(quiet.all)")
        #expect(quiet.stderrLines == ["ratetop: replay: no line with API usage in 1 file (2 no_usage); nothing to replay"])
    }
}

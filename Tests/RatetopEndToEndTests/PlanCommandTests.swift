import Foundation
import RatetopTestSupport
import Testing

/// `ratetop plan` against the built binary: the table, the JSON shape, bad flags.
@Suite(.tags(.endToEnd)) struct PlanCommandTests {
    static let sample: String = URL(fileURLWithPath: ratetopBinary).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/day.jsonl").path

    @Test func everyTierOfTheSampleFitsEightyColumnsAndTheBaselineMatchesTheLog() throws {
        let run = try ratetop(["plan", Self.sample, "--tier", "all"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.isEmpty, "\(run.stderr)")
        let lines = run.stdoutLines
        for line in lines { #expect(line.count <= 80, "\(line.count) columns: \(line)") }
        let rows = lines.filter { $0.hasPrefix("Tier ") }
        #expect(rows.map { String($0.prefix(12)).trimmingCharacters(in: .whitespaces) } == ["Tier 1 (log)", "Tier 2", "Tier 3", "Tier 4"],
                "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("baseline: ") }, "\(run.stdout)")
        #expect(lines.contains { $0.contains("(within ±") }, "\(run.stdout)")
        #expect(rows.dropFirst().allSatisfy { $0.contains(" 0.0% ") }, "Tier 2 and up absorb the day: \(run.stdout)")
    }

    @Test func jsonForScripts() throws {
        let run = try ratetop(["plan", Self.sample, "--tier", "tier1,tier2", "--cache-hit", "90%", "--output", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutLines.count == 1)
        let object = try #require(jsonObject(run.stdout))
        #expect(object["type"] as? String == "plan")
        #expect(object["scheme"] as? String == "credit-tiers")
        #expect(object["baseline_tier"] as? String == "tier1")
        #expect(object["baseline_reproduces_log"] as? Bool == true)
        let log = try #require(object["log"] as? [String: Any])
        #expect(log["attempts"] as? Int == 3_291)
        let scenarios = try #require(object["scenarios"] as? [[String: Any]])
        #expect(scenarios.map { $0["tier"] as? String } == ["tier1", "tier1", "tier2"])
        #expect(scenarios.map { $0["baseline"] as? Bool } == [true, false, false])
        for scenario in scenarios {
            for key in ["name", "attempts", "throttled", "throttled_share", "throttled_minutes", "failed", "wait_p50_s",
                        "wait_p95_s", "peak", "peaks", "cost_usd", "spend_cap_usd", "spend_cap_reached_at", "assumptions", "retry"] {
                #expect(scenario.keys.contains(key), "\(key) missing")
            }
        }
        #expect(scenarios[0]["log_throttled_share"] is Double)
        let assumptions = try #require(scenarios[1]["assumptions"] as? [String: Any])
        #expect(assumptions["cache_hit"] as? Double == 0.9)
        // A 90 % hit rate takes the chat's cached prefix out of ITPM: fewer 429s on the same tier.
        let baselineShare = try #require(scenarios[0]["throttled_share"] as? Double)
        let cachedShare = try #require(scenarios[1]["throttled_share"] as? Double)
        #expect(cachedShare < baselineShare)
    }

    @Test func batchAndShiftNameTheirTraffic() throws {
        let run = try ratetop(["plan", Self.sample, "--batch", "haiku-4.5", "--shift", "claude-sonnet-4-5*=+12h", "--output", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(jsonObject(run.stdout))
        let scenarios = try #require(object["scenarios"] as? [[String: Any]])
        #expect(scenarios.count == 2)
        #expect((scenarios[1]["batch_calls"] as? Int ?? 0) > 0)
        let peaks = try #require(scenarios[1]["peaks"] as? [[String: Any]])
        #expect(!peaks.contains { $0["class"] as? String == "haiku-4.5" }, "batch traffic is out of the per-minute buckets")
    }

    @Test func aLogWithoutHeadersNeedsItsTierForTheBaseline() throws {
        let scratch = Scratch()
        let log = scratch.write("plain.jsonl", """
        {"ts":"2026-11-20T09:00:02.422Z","latency_ms":2099,"model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":1622,"output_tokens":102}}
        {"ts":"2026-11-20T09:00:04.000Z","latency_ms":200,"model":"claude-sonnet-4-5-20250929","status":429,"error":{"type":"rate_limit_error","message":"..."},"headers":{"retry-after":"3"}}
        {"ts":"2026-11-20T09:00:08.100Z","latency_ms":900,"model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":500,"output_tokens":40}}

        """)
        let tiers = try ratetop(["plan", log, "--tier", "all"])
        #expect(tiers.status == 0, "\(tiers.stderr)")
        #expect(tiers.stdoutLines.contains { $0.hasPrefix("Start ") }, "2026-11 is the Start/Build/Scale scheme: \(tiers.stdout)")
        #expect(tiers.stdoutLines.contains { $0.contains("--log-tier") }, "\(tiers.stdout)")
        #expect(tiers.stdoutLines.contains("log: 1 retries matched; 0 calls failed on every try"), "\(tiers.stdout)")
        let baseline = try ratetop(["plan", log, "--log-tier", "start", "--output", "json"])
        #expect(baseline.status == 0, "\(baseline.stderr)")
        let object = try #require(jsonObject(baseline.stdout))
        #expect(object["baseline_tier"] as? String == "start")
        let nothing = try ratetop(["plan", log])
        #expect(nothing.status == 2)
        #expect(nothing.stderrLines.first?.contains("--log-tier") == true, "\(nothing.stderr)")
    }

    static let badArguments: [(String, [String])] = [
        ("no log", ["plan"]),
        ("unknown tier", ["plan", "LOG", "--tier", "tier9"]),
        ("all with others", ["plan", "LOG", "--tier", "all,tier2"]),
        ("cache hit above one", ["plan", "LOG", "--cache-hit", "1.5"]),
        ("unknown retry", ["plan", "LOG", "--retry", "sometimes"]),
        ("shift without sign", ["plan", "LOG", "--shift", "haiku-4.5=2h"]),
        ("batch matches nothing", ["plan", "LOG", "--batch", "opus-5"]),
        ("two group fields", ["plan", "LOG", "--batch", "team=a", "--shift", "app=b=+1h"]),
        ("unknown flag", ["plan", "LOG", "--tiers", "all"]),
    ]

    @Test(arguments: badArguments)
    func badFlagsExitTwoWithOneLine(name: String, template: [String]) throws {
        let run = try ratetop(template.map { $0 == "LOG" ? Self.sample : $0 })
        #expect(run.status == 2, "\(name): exit \(run.status), stderr \(run.stderr)")
        #expect(run.stdout.isEmpty, "\(name): stdout \(run.stdout)")
        let lines = run.stderrLines
        #expect(lines.count == 1 || (lines.count == 2 && lines[1] == "ratetop: see 'ratetop --help'"), "\(name): \(lines)")
        #expect(lines.first?.hasPrefix("ratetop: ") == true, "\(name): \(lines)")
    }
}

import Foundation
import Testing
@testable import RatetopCore
import RatetopTestSupport

/// The engine data behind the newer rules, end to end through `UsageEngine` and `AlertEvaluator`:
/// the events that must make each rule fire, with the summary it writes.
@Suite(.tags(.unit)) struct AlertMetricTests {
    static func table() throws -> LimitsTable { try #require(bundledTable, "the bundled limits table did not load") }

    /// Runs the default rules over the engine's state once a second from `from` to `to`.
    static func alerts(_ h: EngineHarness, _ events: [Exchange], from: Double, to: Double,
                       sources: (Double) -> [SourceActivity] = { _ in [] },
                       rules: [AlertRule] = AlertRule.defaults) -> [AlertEvent] {
        var evaluator = AlertEvaluator(rules: rules)
        var pending = events.sorted { $0.end < $1.end }[...]
        var out: [AlertEvent] = []
        var time = from
        while time <= to {
            while let next = pending.first, next.end <= time {
                h.engine.ingest(next)
                pending = pending.dropFirst()
            }
            var state = h.engine.state(at: time)
            state.sources = sources(time)
            out += evaluator.evaluate(state)
            time += 1
        }
        return out
    }

    @Test func cacheHitDropFiresWhenTheHitRateHalvesUnderRealVolume() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier4")
        let start = creditEra
        // 30 minutes at an 80% hit rate (2 requests a second, 10k input each), then 8 minutes at 20%.
        var events: [Exchange] = []
        for second in stride(from: 0.0, to: 38 * 60, by: 0.5) {
            let read = second < 30 * 60 ? 8000 : 2000
            events.append(h.event(start + second, input: 10_000 - read, output: 50, cacheRead: read))
        }
        let fired = Self.alerts(h, events, from: start, to: start + 38 * 60).filter { $0.rule == "cache_hit_drop" }
        let first = try #require(fired.first)
        #expect(first.state == .firing)
        #expect(first.bucket == "sonnet-4.x")
        #expect(first.summary.contains("from a 30-min norm of 80%"), "\(first.summary)")
        #expect(first.at > start + 30 * 60 && first.at < start + 35 * 60)
        #expect(fired.count == 1, "fires once")
    }

    @Test func cacheHitRatioIsUnknownWithoutVolumeOrNorm() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier4")
        // Little input: 1 request a minute.
        for minute in 0..<40 { h.ingest([h.event(creditEra + Double(minute) * 60, input: 100, cacheRead: minute < 30 ? 900 : 0)]) }
        let bucket = try #require(h.bucket(at: creditEra + 40 * 60))
        #expect(AlertMetric.cacheHitRatio.value(of: bucket, dimension: nil, at: creditEra + 40 * 60) == nil)
    }

    @Test func tierUpgradeNamesTheTierThatFitsAndHowToReachIt() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        // Tier 1 Sonnet: 30k ITPM. 26k counted input a minute (87%) for 40 minutes.
        var events: [Exchange] = []
        for second in stride(from: 0.0, to: 40 * 60, by: 6) {
            events.append(h.event(creditEra + second, input: 2600, output: 100))
        }
        let fired = Self.alerts(h, events, from: creditEra, to: creditEra + 40 * 60).filter { $0.rule == "tier_upgrade" }
        let first = try #require(fired.first)
        #expect(first.summary.contains("outgrowing tier1"), "\(first.summary)")
        #expect(first.summary.contains("87% of ITPM (26k of 30k)"), "\(first.summary)")
        // p95 × 1.25 = 32.5k ITPM: Tier 2 (450k) fits, reached by a $40 credit purchase.
        #expect(first.summary.contains("tier2 fits (1k RPM / 450k ITPM / 90k OTPM), reached by a cumulative credit purchase of $40"),
                "\(first.summary)")
        #expect(fired.count == 1)
    }

    @Test func repeated429sFromTheLimitRecommendAnUpgradeToo() throws {
        let h = EngineHarness(table: try Self.table(), tier: "start")
        var events: [Exchange] = []
        for minute in 0..<20 {
            events.append(h.event(plansEra + Double(minute) * 60 + 1, input: 1000, output: 10))
            if minute % 5 == 0 {
                events.append(h.event(plansEra + Double(minute) * 60 + 2, status: 429, limited: .inputTokens))
            }
        }
        let fired = Self.alerts(h, events, from: plansEra, to: plansEra + 30 * 60).filter { $0.rule == "tier_upgrade" }
        let first = try #require(fired.first)
        // 3 such minutes, then the 5-minute hold: a fourth has come by the time it fires.
        #expect(first.summary.contains("429s from its limits in 4 of the last 30 minutes"), "\(first.summary)")
        #expect(first.summary.contains("build fits"), "\(first.summary)")
    }

    @Test func aSpendCapRefusalDoesNotCountAsPressure() throws {
        let h = EngineHarness(table: try Self.table(), tier: "start")
        var events: [Exchange] = []
        for minute in 0..<20 { events.append(h.event(plansEra + Double(minute) * 60 + 2, status: 429, error: .spendLimitReached)) }
        let fired = Self.alerts(h, events, from: plansEra, to: plansEra + 25 * 60)
        #expect(!fired.contains { $0.rule == "tier_upgrade" })
        #expect(fired.contains { $0.rule == "spend_cap_reached" && $0.state == .firing && $0.severity == .critical })
    }

    @Test func spendCapFiresOnTheRefusalAndResolvesOnTheNextSuccess() throws {
        let h = EngineHarness(table: try Self.table(), tier: "start")
        let events = [
            h.event(plansEra + 1, input: 10),
            h.event(plansEra + 10, status: 429, error: .spendLimitReached),
            h.event(plansEra + 20, status: 429, error: .spendLimitReached),
            h.event(plansEra + 40, input: 10),
        ]
        let fired = Self.alerts(h, events, from: plansEra, to: plansEra + 60).filter { $0.rule == "spend_cap_reached" }
        #expect(fired.map(\.state) == [.firing, .resolved])
        #expect(fired.map(\.at) == [plansEra + 10, plansEra + 40])
        #expect(fired.first?.summary.contains("monthly spend cap reached") == true)
    }

    @Test func limitChangedFiresOncePerChangeAndResolvesTenMinutesLater() throws {
        let h = EngineHarness(table: try Self.table())
        let events = [
            h.event(creditEra + 1, input: 10, headers: headers(limit: (50, 30000, 8000))),
            h.event(creditEra + 5, input: 10, headers: headers(limit: (50, 30000, 8000))),
            h.event(creditEra + 100, input: 10, headers: headers(limit: (1000, 450_000, 90000))),
            h.event(creditEra + 101, input: 10, headers: headers(limit: (1000, 450_000, 90000))),
        ]
        let fired = Self.alerts(h, events, from: creditEra, to: creditEra + 1000).filter { $0.rule == "limit_changed" }
        #expect(fired.map(\.state) == [.firing, .resolved])
        let first = try #require(fired.first)
        #expect(first.at == creditEra + 100)
        #expect(first.summary == "limits of sonnet-4.x changed: RPM 50 → 1k, ITPM 30k → 450k, OTPM 8k → 90k (now tier2)")
        #expect(fired.last?.at == creditEra + 701, "clears once more than 600 s have passed")
    }

    @Test func theFirstHeaderIsNotAChange() throws {
        let h = EngineHarness(table: try Self.table(), tier: "tier1")
        let events = [h.event(creditEra + 1, input: 10, headers: headers(limit: (1000, 450_000, 90000)))]
        #expect(!Self.alerts(h, events, from: creditEra, to: creditEra + 30).contains { $0.rule == "limit_changed" })
    }

    @Test func sourceStaleIsPerSourceWithANullBucket() throws {
        let h = EngineHarness(table: try Self.table())
        let events = [h.event(creditEra + 1, input: 10)]
        let fired = Self.alerts(h, events, from: creditEra, to: creditEra + 400) { time in
            [SourceActivity(name: "/logs/a.jsonl", lastLineAt: creditEra + 1),
             SourceActivity(name: "/logs/b.jsonl", lastLineAt: time),
             SourceActivity(name: "/logs/never.jsonl")]
        }.filter { $0.rule == "source_stale" }
        #expect(fired.count == 1)
        let alert = try #require(fired.first)
        #expect(alert.source == "/logs/a.jsonl")
        #expect(alert.bucket == nil)
        #expect(alert.at == creditEra + 302)
        #expect(alert.summary.hasPrefix("no lines from /logs/a.jsonl for 5m01s"), "\(alert.summary)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(JSONLines.alert(alert).utf8)) as? [String: Any])
        #expect(object["bucket"] is NSNull)
        #expect(object["source"] as? String == "/logs/a.jsonl")
    }

    @Test func aSummaryIsFilledInOnePass() throws {
        let stale = try #require(AlertRule.defaults.first { $0.id == "source_stale" })
        // A replaced value is not read for placeholders again; an unknown name, or a bucket's
        // name on a source's alert, stays as written.
        var rule = stale
        rule.summary = "{rule}: {source} {{idle}} {nope} {tier} {"
        let text = AlertSummary.text(rule, subject: .source(SourceActivity(name: "/logs/{value}.jsonl")), dimension: nil,
                                     value: 301, at: creditEra, resolved: false)
        #expect(text == "source_stale: /logs/{value}.jsonl {5m01s} {nope} {tier} {")
    }

    @Test func staleAfterChangesTheSourceRulesThreshold() {
        let rule = AlertRule.defaults(staleAfter: 60).first { $0.id == "source_stale" }
        #expect(rule?.fire == 60 && rule?.clear == 60)
    }

    @Test func labelsAreWrittenSortedAndEscaped() throws {
        let event = AlertEvent(at: creditEra, rule: "headroom_low", state: .firing, severity: .warning, bucket: "sonnet-4.x",
                               dimension: .inputTokens, value: 0.05, threshold: 0.1, summary: "s",
                               labels: ["team": "infra", "a\"b": "x"])
        let line = JSONLines.alert(event)
        #expect(line.contains(#""labels":{"a\"b":"x","team":"infra"}"#), "\(line)")
        #expect(!line.contains("\"source\""))
        let none = AlertEvent(at: creditEra, rule: "r", state: .firing, severity: .warning, bucket: "b", dimension: nil,
                              value: nil, threshold: 1, summary: "s")
        #expect(JSONLines.alert(none).contains(#""labels":{}"#))
    }
}

/// Reloading rules (SIGHUP) keeps the state of rules whose identity did not change.
@Suite(.tags(.unit)) struct AlertReloadTests {
    static func state(at time: Double, headroom: Double) -> EngineState {
        var bucket = BucketState(
            classID: "sonnet-4.x", models: [], tier: "tier1", limits: PerDimension(repeating: 100), limitsSource: .tier,
            remaining: PerDimension(repeating: 100 * headroom), ratePerMinute: PerDimension(repeating: 0),
            secondsToEmpty: PerDimension(repeating: nil), cacheHitRate: nil, rate429: nil, requests429: 0, requests529: 0,
            untrackedPerMinute: PerDimension(repeating: 0), lastRetryAfter: nil, uncachedInput5m: 0, cacheRead5m: 0,
            cacheCreation5m: 0, cacheReadsCount: false)
        bucket.requests5m = 0
        return EngineState(at: time, buckets: [bucket])
    }

    @Test func aFiringRuleStaysFiringAcrossAReloadAndAChangedOneStartsOver() {
        var evaluator = AlertEvaluator()
        var events: [AlertEvent] = []
        for second in 0..<20 { events += evaluator.evaluate(Self.state(at: Double(second), headroom: 0.08)) }
        #expect(events.filter { $0.state == .firing }.count == 3, "headroom_low warning on each dimension")
        // Same identity, new labels and clear level: still firing, so nothing fires again.
        var rules = AlertRule.defaults
        rules[0].labels = ["team": "infra"]
        rules[0].clear = 0.3
        evaluator.replaceRules(rules)
        var after: [AlertEvent] = []
        for second in 20..<40 { after += evaluator.evaluate(Self.state(at: Double(second), headroom: 0.08)) }
        #expect(after.isEmpty)
        // Resolving uses the new rule (clear 30%: 25% does not clear).
        for second in 40..<100 { after += evaluator.evaluate(Self.state(at: Double(second), headroom: 0.25)) }
        #expect(after.isEmpty)
        for second in 100..<140 { after += evaluator.evaluate(Self.state(at: Double(second), headroom: 0.5)) }
        #expect(after.count == 3 && after.allSatisfy { $0.state == .resolved && $0.labels == ["team": "infra"] })

        // A rule cut to one dimension is a new identity: it starts from scratch.
        for second in 140..<160 { _ = evaluator.evaluate(Self.state(at: Double(second), headroom: 0.08)) }
        var cut = AlertRule.defaults
        var outputOnly = cut[0]
        outputOnly.dimension = .outputTokens
        cut.append(outputOnly)
        evaluator.replaceRules(cut)
        var refired: [AlertEvent] = []
        for second in 160..<180 { refired += evaluator.evaluate(Self.state(at: Double(second), headroom: 0.08)) }
        #expect(refired.map(\.dimension) == [.outputTokens], "the new rule fires; the others kept firing quietly")
    }

    @Test func aDisabledRuleStillClaimsItsDimension() {
        var rules = AlertRule.defaults
        var off = rules[0]
        off.dimension = .requests
        off.enabled = false
        rules.append(off)
        var evaluator = AlertEvaluator(rules: rules)
        var events: [AlertEvent] = []
        for second in 0..<20 { events += evaluator.evaluate(AlertReloadTests.state(at: Double(second), headroom: 0.08)) }
        #expect(events.filter { $0.rule == "headroom_low" && $0.severity == .warning }.map(\.dimension) == [.inputTokens, .outputTokens])
    }
}

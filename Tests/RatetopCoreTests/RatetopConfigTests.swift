import Foundation
import Testing
@testable import RatetopCore
import RatetopTestSupport

/// The configuration file: the schema, rule overrides, and one located line per error.
@Suite(.tags(.unit)) struct RatetopConfigTests {
    static let full = """
        tier: tier1
        limits: ./limits.yaml
        format: auto
        sources: [~/logs/app/*.jsonl]
        interval: 1s
        stale_after: 10m
        alertmanager: http://127.0.0.1:9093
        webhook: [https://hooks.example/x, https://hooks.example/y]
        exec: ["notify-send ratetop"]
        metrics_listen: 127.0.0.1:10429
        rules:
          - id: headroom_low
            severity: warning
            fire: 0.15
            clear: 0.25
            for: 30s
            clear_for: 60s
            labels: {team: infra}
            summary: "low on {bucket}"
          - id: rate_429_high
            enabled: false
          - id: my_output_low
            metric: headroom
            dimension: output_tokens
            severity: critical
            fire: 0.02
            clear: 0.1
            for: 5s
        """

    @Test func theDocumentedExampleParses() throws {
        let config = try RatetopConfig.parse(Self.full, path: "config.yaml")
        #expect(config.tier == "tier1")
        #expect(config.limits == "./limits.yaml")
        #expect(config.format == "auto")
        #expect(config.sources == ["~/logs/app/*.jsonl"])
        #expect(config.interval == 1)
        #expect(config.staleAfter == 600)
        #expect(config.alertmanager == ["http://127.0.0.1:9093"])
        #expect(config.webhook == ["https://hooks.example/x", "https://hooks.example/y"])
        #expect(config.exec == ["notify-send ratetop"])
        #expect(config.metricsListen == "127.0.0.1:10429")

        let warning = try #require(config.rules.first { $0.id == "headroom_low" && $0.severity == .warning })
        #expect(warning.fire == 0.15 && warning.clear == 0.25 && warning.holdSeconds == 30 && warning.clearHoldSeconds == 60)
        #expect(warning.labels == ["team": "infra"])
        #expect(warning.summary == "low on {bucket}")
        let critical = try #require(config.rules.first { $0.id == "headroom_low" && $0.severity == .critical })
        #expect(critical.fire == 0.05, "severity picks one of the two")
        #expect(config.rules.first { $0.id == "rate_429_high" }?.enabled == false)
        #expect(!config.rulesInForce.contains { $0.id == "rate_429_high" })
        let added = try #require(config.rules.first { $0.id == "my_output_low" })
        #expect(added.metric == .headroom && added.dimension == .outputTokens && added.direction == .below)
        #expect(added.severity == .critical && added.fire == 0.02 && added.clear == 0.1 && added.holdSeconds == 5)
        #expect(config.rules.first { $0.id == "source_stale" }?.fire == 600, "stale_after")
        #expect((config.rulesOverridden, config.rulesDisabled, config.rulesAdded) == (1, 1, 1))
        #expect(config.rulesInForce.count == AlertRule.defaults.count)
    }

    @Test func anEmptyFileChangesNothing() throws {
        let config = try RatetopConfig.parse("", path: "c.yaml")
        #expect(config.rules.count == AlertRule.defaults.count)
        #expect(config.tier == nil && config.sources.isEmpty)
        #expect(try RatetopConfig.parse("# only a comment\n", path: "c.yaml").rules.count == AlertRule.defaults.count)
    }

    @Test func durationsTakeUnitsOrBareSeconds() throws {
        for (text, seconds) in [("30s", 30.0), ("5m", 300), ("1h", 3600), ("45", 45), ("2.5", 2.5), ("500ms", 0.5)] {
            #expect(try RatetopConfig.parse("stale_after: \(text)", path: "c").staleAfter == seconds, "\(text)")
        }
    }

    @Test func aRuleWithoutSeverityOverridesEverySeverity() throws {
        let config = try RatetopConfig.parse("rules:\n  - id: headroom_low\n    labels: {page: \"yes\"}\n", path: "c")
        let headroom = config.rules.filter { $0.id == "headroom_low" }
        #expect(headroom.count == 2, "one per severity: \(headroom)")
        #expect(headroom.allSatisfy { $0.labels == ["page": "yes"] })
        #expect(config.rulesOverridden == 2)
    }

    @Test func aBuiltInRuleCutToOneDimensionKeepsTheOthers() throws {
        let config = try RatetopConfig.parse("""
            rules:
              - id: headroom_low
                severity: warning
                dimension: output_tokens
                fire: 0.3
                clear: 0.4
            """, path: "c")
        let warnings = config.rules.filter { $0.id == "headroom_low" && $0.severity == .warning }
        #expect(warnings.count == 2)
        #expect(warnings.contains { $0.dimension == nil && $0.fire == 0.10 })
        #expect(warnings.contains { $0.dimension == .outputTokens && $0.fire == 0.3 })
    }

    @Test func aNewSeverityOfABuiltInRuleIsAdded() throws {
        let config = try RatetopConfig.parse("rules:\n  - id: rate_429_high\n    severity: critical\n    fire: 0.2\n    clear: 0.1\n", path: "c")
        #expect(config.rules.filter { $0.id == "rate_429_high" }.map(\.severity).sorted() == [.warning, .critical])
        #expect(config.rulesAdded == 1)
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        var text: String
        var expected: String
        var testDescription: String { expected }
    }

    static let bad: [BadCase] = [
        BadCase(text: "tier: tier1\ncolour: blue\n", expected: "config.yaml:2: colour: unknown setting (known: tier, limits, format,"),
        BadCase(text: "rules:\n  - id: headroom_low\n    fire: high\n", expected: #"config.yaml:3: rules[0].fire: expected a number, got "high""#),
        BadCase(text: "rules:\n  - id: x\n    metric: speed\n    fire: 1\n", expected: #"config.yaml:3: rules[0].metric: unknown metric "speed" (known: headroom,"#),
        BadCase(text: "rules:\n  - id: headroom_low\n    severity: page\n", expected: #"config.yaml:3: rules[0].severity: unknown severity "page" (use warning or critical)"#),
        BadCase(text: "rules:\n  - id: headroom_low\n    dimension: tokens\n", expected: #"config.yaml:3: rules[0].dimension: unknown dimension "tokens""#),
        BadCase(text: "rules:\n  - id: rate_429_high\n    dimension: requests\n", expected: "config.yaml:3: rules[0].dimension: rate_429_high watches rate_429, which has no dimensions"),
        BadCase(text: "rules:\n  - id: headroom_low\n    severity: warning\n    fire: 0.15\n    clear: 0.1\n",
                expected: "config.yaml:5: rules[0].clear: clear 0.1 is looser than fire 0.15; headroom_low fires below its fire level, so clear must be at least 0.15"),
        BadCase(text: "rules:\n  - id: rate_429_high\n    fire: 0.01\n",
                expected: "config.yaml:3: rules[0].clear: clear 0.02 (the default) is looser than fire 0.01; rate_429_high fires above its fire level, so clear must be at most 0.01"),
        BadCase(text: "rules:\n  - id: headroom_low\n    for: -5s\n", expected: #"config.yaml:3: rules[0].for: a duration cannot be negative, got "-5s""#),
        BadCase(text: "interval: soon\n", expected: #"config.yaml:1: interval: expected a duration such as 30s, 5m or 1h, got "soon""#),
        BadCase(text: "interval: 0s\n", expected: "config.yaml:1: interval: must be longer than 0 s"),
        BadCase(text: "format: csv\n", expected: #"config.yaml:1: format: unknown format "csv""#),
        BadCase(text: "sources: {a: b}\n", expected: "config.yaml:1: sources: expected a string or a list of strings, got a mapping"),
        BadCase(text: "webhook: [x, [y]]\n", expected: "config.yaml:1: webhook[1]: expected a string, got a list"),
        BadCase(text: "tier: [tier1]\n", expected: "config.yaml:1: tier: expected a string, got a list"),
        BadCase(text: "rules: {id: x}\n", expected: "config.yaml:1: rules: expected a list of rules, got a mapping"),
        BadCase(text: "rules:\n  - fire: 1\n", expected: "config.yaml:2: rules[0]: a rule needs an id"),
        BadCase(text: "rules:\n  - id: mine\n    fire: 1\n", expected: #"config.yaml:2: rules[0].id: "mine" is not a built-in rule, so it needs a metric"#),
        BadCase(text: "rules:\n  - id: mine\n    metric: rate_429\n", expected: "config.yaml:2: rules[0].fire: a new rule needs a fire level"),
        BadCase(text: "rules:\n  - id: headroom_low\n    colour: red\n", expected: "config.yaml:3: rules[0].colour: unknown rule key (known: id, severity,"),
        BadCase(text: "rules:\n  - id: headroom_low\n    enabled: maybe\n", expected: #"config.yaml:3: rules[0].enabled: expected true or false, got "maybe""#),
        BadCase(text: "rules:\n  - id: headroom_low\n    labels: [a]\n", expected: "config.yaml:3: rules[0].labels: expected a mapping of label names to values, got a list"),
        BadCase(text: "rules:\n  - id: headroom_low\n    metric: rate_429\n", expected: "config.yaml:3: rules[0].metric: headroom_low is the built-in rule on headroom"),
        BadCase(text: "- tier1\n", expected: "config.yaml:1: expected a mapping of settings"),
        BadCase(text: "tier: tier1\nrules: [\n", expected: "config.yaml:3: not valid YAML"),
    ]

    @Test(arguments: bad)
    func errorsAreOneLineWithFileLineAndKeyPath(_ item: BadCase) {
        do {
            _ = try RatetopConfig.parse(item.text, path: "config.yaml")
            Issue.record("accepted: \(item.text)")
        } catch {
            #expect(error.problems.count == 1, "\(error.description)")
            #expect(error.description.hasPrefix(item.expected), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func everyProblemIsReported() {
        do {
            _ = try RatetopConfig.parse("colour: blue\ninterval: soon\nrules:\n  - id: headroom_low\n    fire: high\n", path: "c.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.line) == [1, 2, 5])
            #expect(error.description.split(separator: "\n").count == 3)
        }
    }

    @Test func anUnknownTierIsReportedAtItsLine() throws {
        let table = try #require(bundledTable)
        let config = try RatetopConfig.parse("# mine\ntier: tier9\n", path: "c.yaml")
        #expect(throws: ConfigError.self) { try config.checkTier(in: table) }
        do {
            try config.checkTier(in: table)
        } catch {
            #expect(error.description.hasPrefix(#"c.yaml:2: tier: unknown tier "tier9" (known: tier1"#), "\(error.description)")
        }
        try RatetopConfig.parse("tier: Tier2\n", path: "c").checkTier(in: table)
    }
}

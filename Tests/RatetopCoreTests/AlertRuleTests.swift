import Foundation
import RatetopCore
import Testing
import RatetopTestSupport

/// Every rule's own examples (SwiftLint-style: sequences that must fire and must not fire), run
/// by one generic test; plus hysteresis on values hovering around a threshold.
@Suite(.tags(.unit)) struct AlertRuleTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var rule: AlertRule
        var example: AlertRule.Example
        var testDescription: String { "\(rule.id)/\(rule.severity.rawValue): \(example.name)" }
    }

    static let cases: [Case] = AlertRule.defaults.flatMap { rule in rule.examples.map { Case(rule: rule, example: $0) } }

    @Test func everyRuleHasExamplesThatFireAndThatDoNot() {
        for rule in AlertRule.defaults {
            #expect(rule.examples.contains { $0.fires }, "\(rule.id) has no example that fires")
            #expect(rule.examples.contains { !$0.fires }, "\(rule.id) has no example that must not fire")
            // The clear level is the fire level or stricter (equal only for event-like metrics,
            // whose value jumps rather than hovers).
            #expect(rule.clearIsStrictEnough, "\(rule.id)")
            if rule.holdSeconds > 0 { #expect(rule.clear != rule.fire, "\(rule.id) hovers: needs a stricter clear level") }
        }
    }

    @Test(arguments: cases)
    func ruleExamples(_ item: Case) {
        #expect(AlertTracker.fires(item.rule, on: item.example.values) == item.example.fires)
    }

    /// Transitions of a rule over one value per second.
    static func transitions(_ rule: AlertRule, _ values: [Double?]) -> [AlertTracker.Transition] {
        var tracker = AlertTracker()
        return values.enumerated().compactMap { tracker.step(rule, value: $1, at: Double($0)) }
    }

    static let headroomWarning = AlertRule.defaults.first { $0.id == "headroom_low" && $0.severity == .warning }!

    @Test func hoveringAroundTheThresholdDoesNotFlap() {
        // 9% / 11% alternating every second for two minutes: below the fire level half the time,
        // never above the clear level (20%).
        let hovering: [Double?] = (0..<120).map { $0 % 2 == 0 ? 0.09 : 0.11 }
        #expect(Self.transitions(Self.headroomWarning, hovering).isEmpty, "never 15 s in a row below 10%")
        let sagging: [Double?] = Array(repeating: 0.08, count: 20) + (0..<120).map { $0 % 2 == 0 ? 0.09 : 0.19 }
        #expect(Self.transitions(Self.headroomWarning, sagging) == [.fired], "fires once, never resolves below 20%")
    }

    @Test func aRuleThatStaysTrueFiresOnceAndResolvesOnce() {
        let values: [Double?] = Array(repeating: 0.05, count: 100) + Array(repeating: 0.5, count: 40)
        #expect(Self.transitions(Self.headroomWarning, values) == [.fired, .resolved])
    }

    @Test func aMomentaryRecoveryDoesNotResolve() {
        let values: [Double?] = Array(repeating: 0.05, count: 20) + Array(repeating: 0.5, count: 10) + Array(repeating: 0.05, count: 20)
        #expect(Self.transitions(Self.headroomWarning, values) == [.fired], "10 s above the clear level is less than the clear hold")
    }

    // MARK: Hysteresis scenarios

    /// A rule, a series hovering around its thresholds, and the transitions expected (with the
    /// second each happens at).
    struct Scenario: CustomTestStringConvertible, Sendable {
        var rule: String
        var severity: AlertSeverity
        var name: String
        var values: [Double?]
        var expected: [Step]
        var testDescription: String { "\(rule)/\(severity.rawValue): \(name)" }
    }

    struct Step: Equatable, Sendable, CustomStringConvertible {
        var transition: AlertTracker.Transition
        var second: Int
        var description: String { "\(transition)@\(second)" }
        static func fired(_ second: Int) -> Step { Step(transition: .fired, second: second) }
        static func resolved(_ second: Int) -> Step { Step(transition: .resolved, second: second) }
    }

    /// `count` seconds alternating between `a` and `b` every `period` seconds.
    static func alternating(_ a: Double, _ b: Double, every period: Int, for count: Int) -> [Double?] {
        (0..<count).map { ($0 / period) % 2 == 0 ? a : b }
    }

    static func constant(_ value: Double?, _ count: Int) -> [Double?] { Array(repeating: value, count: count) }

    static let scenarios: [Scenario] = [
        Scenario(rule: "headroom_low", severity: .warning, name: "9% / 11% each second for 5 minutes",
                 values: alternating(0.09, 0.11, every: 1, for: 300), expected: []),
        Scenario(rule: "headroom_low", severity: .warning, name: "20 s below, 20 s at 11–19%, for 5 minutes",
                 values: (0..<300).map { ($0 / 20) % 2 == 0 ? 0.09 : ($0 % 2 == 0 ? 0.11 : 0.19) }, expected: [.fired(15)]),
        Scenario(rule: "headroom_low", severity: .warning, name: "recovers past 20% for less than the clear hold, twice",
                 values: constant(0.05, 20) + constant(0.25, 25) + constant(0.05, 5) + constant(0.25, 25) + constant(0.05, 5),
                 expected: [.fired(15)]),
        Scenario(rule: "headroom_low", severity: .warning, name: "resolves after 30 s above 20%",
                 values: constant(0.05, 20) + constant(0.21, 40), expected: [.fired(15), .resolved(50)]),
        Scenario(rule: "headroom_low", severity: .critical, name: "4% / 6% each second",
                 values: alternating(0.04, 0.06, every: 1, for: 300), expected: []),
        Scenario(rule: "bucket_empty_soon", severity: .critical, name: "25 s / 35 s to empty every 3 s",
                 values: alternating(25, 35, every: 3, for: 300), expected: []),
        Scenario(rule: "bucket_empty_soon", severity: .critical, name: "a drain that pauses for a moment",
                 values: constant(20, 10) + constant(nil, 5) + constant(20, 10) + constant(nil, 40),
                 expected: [.fired(5), .resolved(55)]),
        Scenario(rule: "rate_429_high", severity: .warning, name: "4% / 6% every 30 s",
                 values: alternating(0.04, 0.06, every: 30, for: 600), expected: []),
        Scenario(rule: "rate_429_high", severity: .warning, name: "6% / 4% every 90 s: fires once, never clears above 2%",
                 values: alternating(0.06, 0.04, every: 90, for: 900), expected: [.fired(60)]),
        Scenario(rule: "rate_429_high", severity: .warning, name: "a clear run broken at 29 s restarts the clear hold",
                 values: constant(0.10, 61) + constant(0.01, 29) + constant(0.03, 5) + constant(0.01, 31),
                 expected: [.fired(60), .resolved(125)]),
        Scenario(rule: "rate_429_storm", severity: .critical, name: "31 / 20 throttled a minute",
                 values: alternating(31, 20, every: 10, for: 300), expected: [.fired(0)]),
        Scenario(rule: "overloaded", severity: .warning, name: "4% / 6% every 20 s",
                 values: alternating(0.04, 0.06, every: 20, for: 600), expected: []),
        Scenario(rule: "cache_hit_drop", severity: .warning, name: "45% / 55% of the norm every 30 s",
                 values: alternating(0.45, 0.55, every: 30, for: 600), expected: []),
        Scenario(rule: "cache_hit_drop", severity: .warning, name: "a drop, then hovering below the clear level",
                 values: constant(0.3, 70) + alternating(0.45, 0.75, every: 30, for: 600), expected: [.fired(60)]),
        Scenario(rule: "tier_upgrade", severity: .warning, name: "79% / 81% every 2 minutes",
                 values: alternating(0.79, 0.81, every: 120, for: 1800), expected: []),
        Scenario(rule: "tier_upgrade", severity: .warning, name: "sustained, then 65–75%: no resolve",
                 values: constant(0.85, 301) + alternating(0.65, 0.75, every: 60, for: 1800), expected: [.fired(300)]),
        Scenario(rule: "tier_upgrade", severity: .warning, name: "resolves after 10 minutes under 60%",
                 values: constant(0.85, 301) + constant(0.5, 601), expected: [.fired(300), .resolved(901)]),
        Scenario(rule: "source_stale", severity: .warning, name: "a line every 299 s",
                 values: (0..<1200).map { Double($0 % 299) }, expected: []),
        Scenario(rule: "source_stale", severity: .warning, name: "quiet, then lines again",
                 values: (0..<400).map { Double($0) } + (0..<30).map { Double($0 % 5) }, expected: [.fired(301), .resolved(400)]),
        Scenario(rule: "limit_changed", severity: .warning, name: "one change",
                 values: constant(nil, 5) + (0..<700).map { Double($0) }, expected: [.fired(5), .resolved(606)]),
        Scenario(rule: "spend_cap_reached", severity: .critical, name: "refused, then succeeding",
                 values: constant(0, 5) + constant(1, 10) + constant(0, 5), expected: [.fired(5), .resolved(15)]),
    ]

    @Test(arguments: scenarios)
    func hysteresis(_ scenario: Scenario) throws {
        let rule = try #require(AlertRule.defaults.first { $0.id == scenario.rule && $0.severity == scenario.severity })
        var tracker = AlertTracker()
        var steps: [Step] = []
        for (second, value) in scenario.values.enumerated() {
            if let transition = tracker.step(rule, value: value, at: Double(second)) { steps.append(Step(transition: transition, second: second)) }
        }
        #expect(steps == scenario.expected)
    }

    @Test func everyDefaultRuleHasAHysteresisScenario() {
        let covered = Set(Self.scenarios.map { "\($0.rule)/\($0.severity.rawValue)" })
        for rule in AlertRule.defaults {
            #expect(covered.contains("\(rule.id)/\(rule.severity.rawValue)"), "\(rule.id)/\(rule.severity.rawValue)")
        }
    }
}

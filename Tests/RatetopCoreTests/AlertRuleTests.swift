import Foundation
import RatetopCore
import Testing

/// Every rule's own examples (SwiftLint-style: sequences that must fire and must not fire), run
/// by one generic test; plus hysteresis on values hovering around a threshold.
@Suite struct AlertRuleTests {
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
}

extension AlertRule {
    /// The built-in rules. Values are one per second in the examples.
    public static let defaults: [AlertRule] = [
        AlertRule(
            id: "headroom_low", severity: .warning, metric: .headroom, direction: .below, fire: 0.10, clear: 0.20,
            holdSeconds: 15,
            summary: "{limit_name} headroom {value} on {bucket} (below {threshold})",
            examples: [
                Example("sustained low headroom", [0.5, 0.08, 0.08, 0.07] + repeated(0.06, 15), fires: true),
                Example("a dip shorter than the hold", [0.5] + repeated(0.05, 10) + [0.5], fires: false),
                Example("never below", repeated(0.15, 30), fires: false),
                Example("unknown limits", repeated(nil, 30), fires: false),
            ]),
        AlertRule(
            id: "headroom_low", severity: .critical, metric: .headroom, direction: .below, fire: 0.05, clear: 0.10,
            holdSeconds: 10,
            summary: "{limit_name} headroom {value} on {bucket} (below {threshold}); 429s are imminent",
            examples: [
                Example("nearly empty", [0.3] + repeated(0.02, 12), fires: true),
                Example("low but not critical", repeated(0.07, 30), fires: false),
            ]),
        AlertRule(
            id: "bucket_empty_soon", severity: .critical, metric: .secondsToEmpty, direction: .below, fire: 30, clear: 120,
            holdSeconds: 5,
            summary: "{limit_name} on {bucket} empty in ~{value} at the current rate",
            examples: [
                Example("draining fast", [nil, 200, 60] + repeated(20, 6), fires: true),
                Example("draining slowly", repeated(300, 30), fires: false),
                Example("not draining", repeated(nil, 30), fires: false),
            ]),
        AlertRule(
            id: "rate_429_high", severity: .warning, metric: .rate429, direction: .above, fire: 0.05, clear: 0.02,
            holdSeconds: 60,
            summary: "{value} of attempts on {bucket} throttled (429) over 5 min (above {threshold})",
            examples: [
                Example("a minute of 10% throttling", repeated(0.10, 61), fires: true),
                Example("brief spike", repeated(0.20, 30) + repeated(0.01, 40), fires: false),
                Example("too few attempts to judge", repeated(nil, 90), fires: false),
            ]),
        AlertRule(
            id: "rate_429_storm", severity: .critical, metric: .throttledPerMinute, direction: .above, fire: 30, clear: 5,
            holdSeconds: 0,
            summary: "429 storm on {bucket}: {value} throttled attempts in the last minute",
            examples: [
                Example("a burst of retries", [0, 2, 12, 40], fires: true),
                Example("steady trickle", repeated(10, 60), fires: false),
            ]),
        AlertRule(
            id: "overloaded", severity: .warning, metric: .rate529, direction: .above, fire: 0.05, clear: 0.01,
            holdSeconds: 30,
            summary: "Anthropic overloaded: {value} of attempts on {bucket} got 529 over 5 min (not your limit)",
            examples: [
                Example("an outage", repeated(0.25, 31), fires: true),
                Example("a few 529s", repeated(0.02, 60), fires: false),
            ]),
    ]

    static func repeated(_ value: Double?, _ count: Int) -> [Double?] {
        [Double?](repeating: value, count: count)
    }
}

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
        // The 5-minute hit rate against its own norm: a deploy that moves a timestamp into the
        // system prompt halves the hit rate and doubles counted input long before 429s start.
        AlertRule(
            id: "cache_hit_drop", severity: .warning, metric: .cacheHitRatio, direction: .below, fire: 0.5, clear: 0.8,
            holdSeconds: 60, clearHoldSeconds: 120,
            summary: "cache hit rate on {bucket} fell to {cache_hit_rate} over 5 min from a 30-min norm of {baseline}; prompt cache invalidated? (counted input grows accordingly)",
            examples: [
                Example("hit rate halves for a minute", repeated(1.0, 30) + repeated(0.3, 61), fires: true),
                Example("a short dip", repeated(1.0, 30) + repeated(0.3, 40) + repeated(0.9, 30), fires: false),
                Example("a mild drop", repeated(0.7, 300), fires: false),
                Example("too little input or no norm to judge", repeated(nil, 300), fires: false),
            ]),
        // Sustained use near a limit (or repeated 429s from it) over half an hour.
        AlertRule(
            id: "tier_upgrade", severity: .warning, metric: .limitPressure, direction: .above, fire: 0.8, clear: 0.6,
            holdSeconds: 300, clearHoldSeconds: 600,
            summary: "{bucket} is outgrowing {tier}: {pressure}; {advice}",
            examples: [
                Example("p95 at 90% of a limit for 5 minutes", repeated(0.9, 301), fires: true),
                Example("429s in 3 of the last 30 minutes", repeated(nil, 60) + repeated(1.0, 301), fires: true),
                Example("busy but with room", repeated(0.7, 900), fires: false),
                Example("a burst shorter than the hold", repeated(0.95, 200) + repeated(0.5, 300), fires: false),
            ]),
        // Event-like: the value is the time since the change, so it fires at once and resolves
        // 10 minutes later (a second change in between extends it).
        AlertRule(
            id: "limit_changed", severity: .warning, metric: .secondsSinceLimitChange, direction: .below, fire: 600, clear: 600,
            holdSeconds: 0, clearHoldSeconds: 0,
            summary: "limits of {bucket} changed: {change}{tier_change}",
            examples: [
                Example("a tier change", [nil, nil, 0, 1, 2], fires: true),
                Example("no change", repeated(nil, 60), fires: false),
                Example("a change older than the window", [700, 701, 702], fires: false),
            ]),
        AlertRule(
            id: "spend_cap_reached", severity: .critical, metric: .spendCapped, direction: .above, fire: 0.5, clear: 0.5,
            holdSeconds: 0, clearHoldSeconds: 0,
            summary: "monthly spend cap reached ({bucket} refused with enforced_spend_limit_reached): requests fail until the 1st of next month 00:00 UTC unless the cap is raised in the Console",
            examples: [
                Example("the cap refuses a request", [0, 0, 1, 1], fires: true),
                Example("requests succeed", repeated(0, 60), fires: false),
                Example("no traffic", repeated(nil, 60), fires: false),
            ]),
        // Per source: a log that stopped growing hides the traffic it used to show.
        AlertRule(
            id: "source_stale", severity: .warning, metric: .secondsSinceLastLine, direction: .above, fire: 300, clear: 300,
            holdSeconds: 0, clearHoldSeconds: 0,
            summary: "no lines from {source} for {idle} (it was active before); ratetop under-counts while it is quiet",
            examples: [
                Example("quiet for over 5 minutes", (0..<400).map { Double($0) }, fires: true),
                Example("a line every 4 minutes", (0..<900).map { Double($0 % 240) }, fires: false),
                Example("never active", repeated(nil, 600), fires: false),
            ]),
    ]

    /// The defaults with `source_stale` firing after `seconds` of quiet instead of 300.
    public static func defaults(staleAfter seconds: Double) -> [AlertRule] {
        defaults.map { rule in
            guard rule.id == "source_stale" else { return rule }
            var rule = rule
            rule.fire = seconds
            rule.clear = seconds
            return rule
        }
    }

    static func repeated(_ value: Double?, _ count: Int) -> [Double?] {
        [Double?](repeating: value, count: count)
    }
}

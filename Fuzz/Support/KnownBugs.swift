// Inputs that reach a bug already reported (a reproducer in Fuzz/crashes/<target>/ or a hostile
// seed h-* of issue #14), skipped by the targets so that a campaign goes on finding others. Each
// condition is the bug's trigger as closely as it can be told from outside, and names where it
// traps. Remove an entry when its fix lands (`scripts/fuzz --repro` runs the reproducers and the
// hostile seeds with the skipping off and says which still fail).
import RatetopCore

enum KnownBugs {
    /// 2^63 as a Double: `Int(x)` and `Int64(x)` trap from here on (and below its negative).
    static let intLimit = 9_223_372_036_854_775_808.0

    /// Decoded events that reach a known bug of the engine (pipeline target).
    static func matches(_ streams: [[Exchange]], models: ModelCatalog) -> Bool {
        // E5: every unknown model id is a class of its own (~0.5 MB each under ASan): 20,000 ids
        // run out of memory (-rss_limit_mb). Bounded unknown models is issue #14's fix.
        if models.count > 1_000 { return true }
        var requests = 0, throttled = 0, input = 0, cacheCreation = 0, cacheRead = 0, output = 0
        for stream in streams {
            for event in stream {
                // E3: `Int64(time.rounded(.down))` of the second (ClassTracker.apply,
                // ClassTracker.swift:168) and of the minute (MinuteRing.withMinute,
                // MinuteRing.swift:44) trap for a time at or past ±2^63 seconds (LiteLLM's
                // `endTime 1e30`, `startTime 1001e19` ms).
                for time in [event.end, event.start, event.headersAt] where !(abs(time) < intLimit) { return true }
                let usage = event.usage
                // E1: `countedInputTokens` (Exchange.swift:26) adds input, cache writes and cache
                // reads without overflow checks; `ClassTracker.apply` adds the three again.
                let (partial, o1) = usage.inputTokens.addingReportingOverflow(usage.cacheCreationInputTokens)
                let (_, o2) = partial.addingReportingOverflow(usage.cacheReadInputTokens)
                if o1 || o2 { return true }
                // E2: the totals (ClassTracker.addToTotals, ClassTracker.swift:202-208) add
                // without overflow checks: two lines of 5e18 input tokens pass Int.max. Summed
                // over every class here (a bound, not the exact per-class trigger).
                var overflow = false
                func add(_ total: inout Int, _ value: Int) {
                    let (sum, o) = total.addingReportingOverflow(value)
                    total = sum
                    overflow = overflow || o
                }
                add(&requests, event.requests)
                add(&throttled, max(1, event.requests))
                add(&input, usage.inputTokens)
                add(&cacheCreation, usage.cacheCreationInputTokens)
                add(&cacheRead, usage.cacheReadInputTokens)
                add(&output, usage.outputTokens)
                if overflow { return true }
            }
        }
        return false
    }

    /// Scrape bodies that reach a known bug of the Prometheus mappers (scrape-pipeline target):
    /// a sample whose value is at or past ±2^63 (not NaN or infinite, which the mappers check).
    /// P1-P5: `Int(value.rounded())` without a range check — a LiteLLM token counter
    /// (LiteLLMMetricsMapper.swift:74-75), a ratetop `bucket_limit` (RatetopMetricsMapper.swift:43),
    /// a ratetop `tokens_total` increment (RatetopMetricsMapper.swift:62), then in
    /// ScrapedUsage.exchanges the admitted requests (ScrapedUsage.swift:44), the refused ones
    /// (:50) and the remaining levels (:59, :61).
    static func matches(scrapes: [String]) -> Bool {
        for body in scrapes {
            for sample in PrometheusTextParser.parse(body).samples
            where sample.value.isFinite && abs(sample.value) >= intLimit { return true }
        }
        return false
    }
}

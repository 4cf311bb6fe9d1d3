/// What one response costs under a price rule: the one pricing function, used by the engine's
/// totals and by `ratetop plan`'s scenarios.
extension PriceTable {
    /// USD for `usage` at `rule`: uncached input, 5-minute and 1-hour cache writes, cache reads
    /// and output at their multipliers; past the rule's long-context threshold (uncached + cache
    /// writes + cache reads) the whole request at the long-context rates; Message Batches at the
    /// batch discount; web searches per thousand, undiscounted.
    public func dollars(for usage: Usage, rule: PriceRule, isBatch: Bool) -> Double {
        dollars(for: usage, rates: PriceRates(rule), isBatch: isBatch)
    }

    /// The same, at a rule's rates alone.
    func dollars(for usage: Usage, rates: PriceRates, isBatch: Bool) -> Double {
        var inputRate = rates.inputPerMTok, outputRate = rates.outputPerMTok
        if usage.inputTokens.addingReportingOverflow(usage.cacheCreationInputTokens).partialValue
            .addingReportingOverflow(usage.cacheReadInputTokens).partialValue > rates.longAbove {
            // Past the long-context threshold the whole request is priced at its rates.
            (inputRate, outputRate) = (rates.longInputPerMTok, rates.longOutputPerMTok)
        }
        let oneHour = Double(min(usage.cacheCreation1hInputTokens, usage.cacheCreationInputTokens))
        let fiveMinute = Double(usage.cacheCreationInputTokens) - oneHour
        var dollars = Double(usage.inputTokens) * inputRate
            + fiveMinute * inputRate * cacheWrite5mMultiplier
            + oneHour * inputRate * cacheWrite1hMultiplier
            + Double(usage.cacheReadInputTokens) * inputRate * cacheReadMultiplier
            + Double(usage.outputTokens) * outputRate
        if isBatch { dollars *= 1 - batchDiscount }
        // Searches are billed per use, not per token, and not discounted.
        return dollars / 1_000_000 + Double(usage.webSearchRequests) * webSearchPerThousand / 1000
    }
}

/// A price rule's rates, without its model patterns: plain numbers, what the engine keeps per
/// model (copying the rule — its patterns retained and released — showed on every event).
struct PriceRates {
    var inputPerMTok: Double
    var outputPerMTok: Double
    /// The long-context threshold (`Int.max`: none) and the rates past it.
    var longAbove: Int
    var longInputPerMTok: Double
    var longOutputPerMTok: Double

    init(_ rule: PriceRule) {
        inputPerMTok = rule.inputPerMTok
        outputPerMTok = rule.outputPerMTok
        longAbove = rule.longContext?.above ?? .max
        longInputPerMTok = rule.longContext?.inputPerMTok ?? rule.inputPerMTok
        longOutputPerMTok = rule.longContext?.outputPerMTok ?? rule.outputPerMTok
    }
}

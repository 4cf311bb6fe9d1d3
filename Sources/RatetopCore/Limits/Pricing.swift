/// What one response costs under a price rule: the one pricing function, used by the engine's
/// totals and by `ratetop plan`'s scenarios.
extension PriceTable {
    /// USD for `usage` at `rule`: uncached input, 5-minute and 1-hour cache writes, cache reads
    /// and output at their multipliers; past the rule's long-context threshold (uncached + cache
    /// writes + cache reads) the whole request at the long-context rates; Message Batches at the
    /// batch discount; web searches per thousand, undiscounted.
    public func dollars(for usage: Usage, rule: PriceRule, isBatch: Bool) -> Double {
        var inputRate = rule.inputPerMTok, outputRate = rule.outputPerMTok
        if let long = rule.longContext,
           usage.inputTokens.addingReportingOverflow(usage.cacheCreationInputTokens).partialValue
            .addingReportingOverflow(usage.cacheReadInputTokens).partialValue > long.above {
            // Past the long-context threshold the whole request is priced at its rates.
            (inputRate, outputRate) = (long.inputPerMTok, long.outputPerMTok)
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

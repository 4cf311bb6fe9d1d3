import Histogram

/// Everything the engine keeps for one model class: the three bucket estimates, where their
/// limits came from, the rolling five-minute window, and the replay totals.
final class ClassTracker {
    let info: ModelClassInfo
    private(set) var models: [ModelRef] = []
    private var requests = TokenBucketEstimator()
    private var input = TokenBucketEstimator()
    private var output = TokenBucketEstimator()
    private var sources = PerDimension<LimitsSource>(repeating: .unknown)
    /// Limits configured before any header (file or tier); -1 unknown.
    private let configuredLimits: PerDimension<Int>
    private let configuredSource: LimitsSource
    private let configuredTier: String?
    /// The last limits seen in headers; -1 unknown.
    private var headerLimits = PerDimension<Int>(repeating: -1)
    private var window = RollingWindow()
    private var untracked = UntrackedUsage()
    private var lastRetryAfter: Double?
    /// The last admitted requests' sizes (the admission forecast's typical request).
    private var sizes = RecentRequestSizes()
    /// A slowly decaying maximum of the counted input of admitted requests: an upper bound for
    /// the size of a request an input 429 refused, so for the level at that moment.
    private var largeInputCost: Double = 0
    private var totals = Totals()
    private var minutes = MinuteStatistics()
    /// The last half hour per minute (tier_upgrade, cache_hit_drop).
    private var ring = MinuteRing()
    /// The latest change of a limit seen in headers (limit_changed).
    private var lastLimitChange: LimitChange?
    /// When the spend cap last refused an attempt, and when an attempt last succeeded.
    private var lastSpendCap: Double?
    private var lastSuccess: Double?
    /// The upgrade advice of the current trend (matching walks the table: once per minute).
    private var cachedAdvice: (trend: MinuteTrend, tier: String?, limits: PerDimension<Int>, advice: TierRecommendation?)?
    /// Set when a scraped Prometheus source feeds this class (`litellm`, `ratetop`).
    private var feedSource: LimitsSource?
    /// The combined tokens remaining a LiteLLM proxy last reported.
    private var combinedTokens: Double?
    /// When a LiteLLM aggregate last arrived (its input counter does not split out the cache).
    private var lastLiteLLMAt = -Double.infinity
    /// Per model index: the price rule and the time span it is valid for.
    private var prices: [CachedPrice] = []

    /// Fast-mode traffic of its class: its own limits (only from headers) and its own prices.
    let isFast: Bool

    init(info: ModelClassInfo, table: LimitsTable, tier: (scheme: TierScheme, tier: Tier)?, at time: Double, fast: Bool = false) {
        self.info = info
        isFast = fast
        if let limits = table.organizationLimits[info.id] {
            configuredLimits = limits
            configuredSource = .file
            configuredTier = table.tier(matching: limits, classID: info.id, at: time)?.id ?? "custom"
        } else if let tier, let limits = tier.tier.limits[info.id] {
            configuredLimits = limits
            configuredSource = .tier
            configuredTier = tier.tier.id
        } else {
            configuredLimits = PerDimension(repeating: -1)
            configuredSource = .unknown
            configuredTier = nil
        }
        for dimension in Dimension.allCases where configuredLimits[dimension] > 0 {
            sources[dimension] = configuredSource
            self[bucket: dimension].setCapacity(Double(configuredLimits[dimension]), at: time)
        }
    }

    /// The names of `models`, kept alongside (a state lists them every second).
    private(set) var modelNames: [String] = []

    /// The most model names a class lists (the shared class of unknown ids can gather thousands).
    static let maxModelNames = 16

    func addModel(_ model: ModelRef, name: String) {
        if models.count < Self.maxModelNames, !models.contains(model) {
            models.append(model)
            modelNames.append(name)
        }
    }

    subscript(bucket dimension: Dimension) -> TokenBucketEstimator {
        get {
            switch dimension {
            case .requests: requests
            case .inputTokens: input
            case .outputTokens: output
            }
        }
        _modify {
            switch dimension {
            case .requests: yield &requests
            case .inputTokens: yield &input
            case .outputTokens: yield &output
            }
        }
    }

    // MARK: Applying events

    func apply(_ event: Exchange, now: Double, table: LimitsTable, models catalog: ModelCatalog, countInSummary: Bool) {
        if countInSummary, event.coarseSeconds > totals.coarseSeconds { totals.coarseSeconds = event.coarseSeconds }
        if event.errorKind == .subscriptionLimit {
            // A plan's window, not the per-minute limiter: apart from requests, 429s and buckets.
            if countInSummary { countSubscriptionLimit(event) }
            return
        }
        let usage = event.usage
        let countedInput = Double(usage.countedInputTokens(cacheReadsCount: info.cacheReadsCountTowardITPM))
        let outputTokens = Double(usage.outputTokens)
        let throttled = event.isThrottled
        let overloaded = event.isOverloaded

        switch event.feed {
        case .log: break
        case .litellm:
            if feedSource == nil { feedSource = .litellm }
            lastLiteLLMAt = max(lastLiteLLMAt, event.end)
        case .ratetop: feedSource = .ratetop
        }
        if event.hasHeaders { learnLimits(from: event.headers, at: event.headersAt, feed: event.feed) }

        requests.advance(to: now)
        input.advance(to: now)
        output.advance(to: now)
        // A throttled or overloaded attempt was not admitted: it costs nothing.
        if !throttled && !overloaded {
            // Costs an earlier header already counted explain part of the gap it showed.
            var explained = PerDimension<Double>(repeating: 0)
            explained.requests = requests.consume(Double(event.requests), at: event.start)
            explained.inputTokens = input.consume(countedInput, at: event.start)
            explained.outputTokens = output.consume(outputTokens, from: event.start, to: event.end)
            untracked.explain(explained, since: event.start)
            if event.requests == 1 && event.coarseSeconds == 0 { sizes.record(input: countedInput, output: outputTokens) }
        }
        if event.hasHeaders, event.feed == .ratetop {
            // Another ratetop's estimate: the level is at most that (it saw only its own usage).
            for dimension in Dimension.allCases where event.headers.remaining[dimension] >= 0 {
                self[bucket: dimension].cap(at: Double(event.headers.remaining[dimension]))
            }
        } else if event.hasHeaders {
            let headers = event.headers
            if event.feed == .litellm, headers.tokensRemaining >= 0 { combinedTokens = Double(headers.tokensRemaining) }
            var gap = PerDimension<Double>(repeating: 0)
            if headers.remaining.requests >= 0 {
                gap.requests = requests.observe(remaining: Double(headers.remaining.requests), at: event.headersAt, below: 0, above: 1)
            }
            if headers.remaining.inputTokens >= 0 {
                gap.inputTokens = input.observe(remaining: Double(headers.remaining.inputTokens), at: event.headersAt, below: 500, above: 500)
            }
            if headers.remaining.outputTokens >= 0 {
                gap.outputTokens = output.observe(remaining: Double(headers.remaining.outputTokens), at: event.headersAt, below: 500, above: 500)
            }
            untracked.add(gap, at: event.headersAt)
        } else if event.errorKind == .rateLimited, let dimension = event.limitedDimension {
            // The server said this dimension was short at that moment.
            switch dimension {
            case .requests: break
            case .inputTokens: input.cap(at: largeInputCost)
            case .outputTokens: output.cap(at: 0)
            }
        }
        if !throttled && !overloaded && event.requests > 0 && countedInput > 0 {
            largeInputCost = max(countedInput, largeInputCost * 0.98)
        }
        if throttled, event.retryAfter >= 0 { lastRetryAfter = event.retryAfter }
        if event.errorKind == .spendLimitReached {
            if event.end > lastSpendCap ?? -.infinity { lastSpendCap = event.end }
        } else if !throttled && !overloaded && event.errorKind == .none && event.requests > 0 {
            if event.end > lastSuccess ?? -.infinity { lastSuccess = event.end }
        }
        let limitedByRate = throttled && event.errorKind != .spendLimitReached
        ring.withMinute(event.end) { minute in
            minute.requests += Double(event.requests)
            minute.countedInput += countedInput
            minute.output += outputTokens
            minute.allInput += Double(usage.inputTokens) + Double(usage.cacheReadInputTokens) + Double(usage.cacheCreationInputTokens)
            minute.cacheRead += Double(usage.cacheReadInputTokens)
            if limitedByRate { minute.limited += 1 }
        }

        let second = Int64((event.end).rounded(.down))
        window.withSlot(second: second) { slot in
            slot.requests += Double(event.requests)
            slot.countedInput += countedInput
            slot.output += outputTokens
            slot.uncachedInput += Double(usage.inputTokens)
            slot.cacheRead += Double(usage.cacheReadInputTokens)
            slot.cacheCreation += Double(usage.cacheCreationInputTokens)
            if throttled { slot.throttled += Double(max(1, event.requests)) }
            if overloaded { slot.overloaded += Double(max(1, event.requests)) }
            let settled = untracked.settle(before: now - UntrackedUsage.settleDelay)
            slot.untracked.requests += settled.requests
            slot.untracked.inputTokens += settled.inputTokens
            slot.untracked.outputTokens += settled.outputTokens
        }

        guard countInSummary else { return }
        addToTotals(event, table: table, models: catalog)
        minutes.add(minute: Int64((event.end / 60).rounded(.down)), requests: event.requests,
                    input: Int(saturating: countedInput), output: usage.outputTokens)
    }

    /// What the rules read that an ordinary event leaves alone (compared before and after an
    /// event: `change(since:by:)`).
    struct QuietInputs: Equatable {
        var ring: MinuteRing.Revision
        var limits: PerDimension<Int>
        var limitChangeAt: Double?
        var succeeded: Bool
    }

    var quietInputs: QuietInputs {
        QuietInputs(ring: ring.revision, limits: headerLimits, limitChangeAt: lastLimitChange?.at,
                    succeeded: lastSuccess != nil)
    }

    /// What applying `event` changed, from the quiet inputs before it.
    func change(since before: QuietInputs, by event: Exchange) -> BucketChange {
        var change = BucketChange.usage
        if event.isThrottled { change.insert(.throttles) }
        if ring.revision != before.ring { change.insert(.trend) }
        if headerLimits != before.limits { change.insert(.limits) }
        if lastLimitChange?.at != before.limitChangeAt { change.insert(.limitChange) }
        // The cap's value reads when it last refused and whether a success came after: any
        // event once a refusal is on record (it is never cleared), or the first success, can move it.
        if lastSpendCap != nil || (lastSuccess != nil) != before.succeeded {
            change.insert(.spend)
        }
        return change
    }

    /// A line stamped too long before lines already applied: it counts in the totals, never in
    /// the buckets, windows or per-minute statistics (their past is already written).
    func countLate(_ event: Exchange, table: LimitsTable, models catalog: ModelCatalog, countInSummary: Bool) {
        guard countInSummary else { return }
        if event.errorKind == .subscriptionLimit {
            countSubscriptionLimit(event)
        } else {
            addToTotals(event, table: table, models: catalog)
        }
    }

    private func countSubscriptionLimit(_ event: Exchange) {
        totals.subscriptionLimits.addSaturating(1)
        if event.retryAfter >= 0, event.end + event.retryAfter > totals.subscriptionResetsAt ?? -.infinity {
            totals.subscriptionResetsAt = event.end + event.retryAfter
        }
    }

    private func addToTotals(_ event: Exchange, table: LimitsTable, models catalog: ModelCatalog) {
        let usage = event.usage
        // Saturating: no input can make a total trap (each count is at most 10^12, `Plausible`;
        // a sum past Int.max stays there and the summary says so).
        totals.requests.add(event.requests, &totals.saturated)
        if event.isThrottled { totals.throttled.add(max(1, event.requests), &totals.saturated) }
        if event.isOverloaded { totals.overloaded.add(max(1, event.requests), &totals.saturated) }
        totals.input.add(usage.inputTokens, &totals.saturated)
        totals.cacheCreation.add(usage.cacheCreationInputTokens, &totals.saturated)
        totals.cacheRead.add(usage.cacheReadInputTokens, &totals.saturated)
        totals.output.add(usage.outputTokens, &totals.saturated)
        if let cost = cost(of: event, table: table, models: catalog) {
            totals.cost += cost
        } else if totals.unpriced.count < Self.maxModelNames, !totals.unpriced.contains(event.model) {
            // A few names say it; the cost is unknown either way.
            totals.unpriced.append(event.model)
        }
    }

    private func learnLimits(from headers: RateLimitHeaders, at time: Double, feed: ExchangeFeed) {
        // The usual line repeats the limits already known, from the same kind of source.
        let source: LimitsSource = feed == .ratetop ? .ratetop : .headers
        func known(_ dimension: Dimension) -> Bool {
            headers.limit[dimension] <= 0 || (headers.limit[dimension] == headerLimits[dimension] && sources[dimension] == source)
        }
        if known(.requests) && known(.inputTokens) && known(.outputTokens) { return }
        var changed = false
        var before = headerLimits
        for dimension in Dimension.allCases where headers.limit[dimension] > 0 {
            if headerLimits[dimension] > 0 && headerLimits[dimension] != headers.limit[dimension] { changed = true }
            headerLimits[dimension] = headers.limit[dimension]
            sources[dimension] = source
            self[bucket: dimension].setCapacity(Double(headers.limit[dimension]), at: time)
        }
        guard changed else { return }
        // Dimensions that change on lines a moment apart are one change.
        if let last = lastLimitChange, time - last.at < LimitChange.mergeWindow {
            for dimension in Dimension.allCases where last.old[dimension] > 0 { before[dimension] = last.old[dimension] }
        }
        lastLimitChange = LimitChange(at: time, old: before, new: headerLimits)
    }

    /// The event's cost, nil when its model has no price (at its time).
    private func cost(of event: Exchange, table: LimitsTable, models catalog: ModelCatalog) -> Double? {
        let usage = event.usage
        guard usage.inputTokens | usage.outputTokens | usage.cacheReadInputTokens | usage.cacheCreationInputTokens | usage.webSearchRequests != 0 else { return 0 }
        let index = Int(event.model.index)
        while prices.count <= index { prices.append(CachedPrice()) }
        if !(event.end >= prices[index].validFrom && event.end < prices[index].validUntil) {
            let rule = table.price(for: catalog.name(event.model), at: event.end, fast: isFast)
            prices[index] = CachedPrice(priced: rule != nil, rates: rule.map(PriceRates.init) ?? prices[index].rates,
                                        validFrom: rule?.from ?? -.infinity, validUntil: rule?.until ?? .infinity)
        }
        guard prices[index].priced else { return nil }
        return table.prices.dollars(for: usage, rates: prices[index].rates, isBatch: event.isBatch)
    }

    // MARK: Reading state

    private var currentLimits: PerDimension<Int> {
        var limits = configuredLimits
        for dimension in Dimension.allCases where headerLimits[dimension] > 0 { limits[dimension] = headerLimits[dimension] }
        return limits
    }

    private var limitsSource: LimitsSource {
        if sources.requests == .headers || sources.inputTokens == .headers || sources.outputTokens == .headers { return .headers }
        if sources.requests == .ratetop || sources.inputTokens == .ratetop || sources.outputTokens == .ratetop { return .ratetop }
        return feedSource ?? configuredSource
    }

    /// The last tier matched from header limits (matching walks the whole table: done once per
    /// change of limits, not per state).
    private var matchedTier: (limits: PerDimension<Int>, tier: String)?

    private func tierName(table: LimitsTable, at time: Double) -> String? {
        guard headerLimits != PerDimension(repeating: -1) else { return configuredTier }
        let limits = currentLimits
        if let matchedTier, matchedTier.limits == limits { return matchedTier.tier }
        let tier = table.tier(matching: limits, classID: info.id, at: time)?.id ?? "custom"
        matchedTier = (limits, tier)
        return tier
    }

    /// The estimated level of a dimension at `time` (refilled since the last event, at most
    /// full; below zero while in debt), nil while its limit is unknown.
    @inline(__always)
    func level(_ dimension: Dimension, at time: Double) -> Double? {
        let bucket = self[bucket: dimension]
        guard bucket.isKnown else { return nil }
        let elapsed = max(0, time - bucket.time)
        return min(bucket.capacity, bucket.level + elapsed * bucket.capacity / 60)
    }

    /// Seconds until a bucket at `level` is empty at the consumption of `ratePerMinute`; nil
    /// when it is not draining (consumption above the refill rate by more than 1%, not float noise).
    @inline(__always)
    func secondsToEmpty(_ dimension: Dimension, level: Double, ratePerMinute: Double) -> Double? {
        let capacity = self[bucket: dimension].capacity
        let drain = ratePerMinute / 60 - capacity / 60
        return drain > capacity / 6000 ? max(0, level) / drain : nil
    }

    /// The limit a dimension's headroom is measured against (what `state` reports), or nil.
    func limit(_ dimension: Dimension) -> Int? {
        let limit = currentLimits[dimension]
        return limit > 0 ? limit : nil
    }

    /// The 95th percentile of the last admitted requests' sizes, nil before the first.
    var typicalRequest: RequestSize? { sizes.p95 }

    /// When the sums of the rolling window (`span` 60 or 300 seconds) next change without new
    /// events, as a whole second after `time`.
    func nextWindowChange(after time: Double, span: Int64) -> Double? {
        window.nextChange(after: Int64(time.rounded(.down)), span: span).map(Double.init)
    }

    /// When the half-hour trend next changes without new events.
    func nextTrendChange(after time: Double) -> Double? { ring.nextChange(after: time) }

    func state(at time: Double, table: LimitsTable, models catalog: ModelCatalog) -> BucketState {
        let reading = reading(at: time)
        let limits = currentLimits
        var bucket = BucketState(
            classID: info.id, models: modelNames, tier: tierName(table: table, at: time),
            limits: reading.limits, limitsSource: limitsSource, remaining: reading.remaining,
            ratePerMinute: reading.ratePerMinute, secondsToEmpty: reading.secondsToEmpty,
            cacheHitRate: reading.cacheHitRate, rate429: reading.rate429,
            requests429: reading.requests429, requests529: reading.requests529,
            untrackedPerMinute: reading.untrackedPerMinute, lastRetryAfter: lastRetryAfter,
            uncachedInput5m: reading.uncachedInput5m, cacheRead5m: reading.cacheRead5m,
            cacheCreation5m: reading.cacheCreation5m, cacheReadsCount: info.cacheReadsCountTowardITPM)
        bucket.requests5m = reading.requests5m
        bucket.requests429LastMinute = reading.requests429LastMinute
        bucket.trend = reading.trend
        bucket.upgrade = upgradeAdvice(trend: reading.trend, tier: bucket.tier, limits: limits, table: table, at: time)
        bucket.lastLimitChange = reading.lastLimitChange
        bucket.lastSpendCapAt = reading.lastSpendCapAt
        bucket.lastSuccessAt = reading.lastSuccessAt
        bucket.combinedTokensRemaining = combinedTokens
        bucket.cacheSplitUnknown = reading.cacheSplitUnknown
        return bucket
    }

    /// The numbers of the state at `time` (what the rules read), without its names, tier and
    /// advice: the Monitor reads this at every evaluation, the whole state only to word an alert.
    func reading(at time: Double) -> BucketReading {
        let second = Int64(time.rounded(.down))
        let (lastMinute, lastFive) = window.sums(endingAt: second)
        let limits = currentLimits
        var remaining = PerDimension<Double?>(repeating: nil)
        var toEmpty = PerDimension<Double?>(repeating: nil)
        let rates = PerDimension(requests: lastMinute.requests, inputTokens: lastMinute.countedInput, outputTokens: lastMinute.output)
        for dimension in Dimension.allCases {
            guard let level = level(dimension, at: time) else { continue }
            remaining[dimension] = max(0, level)
            toEmpty[dimension] = secondsToEmpty(dimension, level: level, ratePerMinute: rates[dimension])
        }
        let input = lastFive.uncachedInput + lastFive.cacheRead + lastFive.cacheCreation
        // LiteLLM's input counter lumps cache reads and writes in with the rest: within 5 minutes of
        // its last aggregate the class's hit rate is unknown, not 0 %.
        let cacheSplitUnknown = time - lastLiteLLMAt < 300
        return BucketReading(
            limits: limits.map { $0 > 0 ? $0 : nil }, remaining: remaining, ratePerMinute: rates, secondsToEmpty: toEmpty,
            cacheHitRate: input > 0 && !cacheSplitUnknown ? lastFive.cacheRead / input : nil,
            rate429: lastFive.requests > 0 ? lastFive.throttled / lastFive.requests : nil,
            requests429: Int(saturating: lastFive.throttled), requests529: Int(saturating: lastFive.overloaded),
            requests5m: Int(saturating: lastFive.requests), requests429LastMinute: Int(saturating: lastMinute.throttled),
            untrackedPerMinute: lastMinute.untracked,
            uncachedInput5m: lastFive.uncachedInput, cacheRead5m: lastFive.cacheRead, cacheCreation5m: lastFive.cacheCreation,
            cacheSplitUnknown: cacheSplitUnknown, trend: ring.trend(at: time), lastLimitChange: lastLimitChange,
            lastSpendCapAt: lastSpendCap, lastSuccessAt: lastSuccess)
    }

    /// The tier the last half hour's p95 needs, above the current one (cached until the trend,
    /// the tier or the limits change).
    private func upgradeAdvice(trend: MinuteTrend, tier: String?, limits: PerDimension<Int>, table: LimitsTable,
                               at time: Double) -> TierRecommendation? {
        if let cachedAdvice, cachedAdvice.trend == trend, cachedAdvice.tier == tier, cachedAdvice.limits == limits {
            return cachedAdvice.advice
        }
        // Read the table at the start of the trend's minute, so the advice depends on the trend
        // and not on the second it was first asked for (which the Monitor may skip).
        let minute = (time / 60).rounded(.down) * 60
        let advice = table.recommendedTier(classID: info.id, currentTier: tier, p95: trend.p95PerMinute, at: minute, above: true)
        cachedAdvice = (trend, tier, limits, advice)
        return advice
    }

    func summary(table: LimitsTable, at time: Double, models catalog: ModelCatalog) -> BucketSummary {
        var stats = minutes
        stats.close()
        let allInput = Double(totals.input) + Double(totals.cacheRead) + Double(totals.cacheCreation)
        let tier = tierName(table: table, at: time)
        let recommended = table.recommendedTier(classID: info.id, currentTier: tier, p95: stats.p95.map { Double($0) }, at: time)?.id
        return BucketSummary(
            classID: info.id, models: models.map { catalog.name($0) }, requests: totals.requests, requests429: totals.throttled,
            requests529: totals.overloaded, inputTokens: totals.input, cacheCreationTokens: totals.cacheCreation,
            cacheReadTokens: totals.cacheRead, outputTokens: totals.output,
            cacheHitRate: allInput > 0 ? Double(totals.cacheRead) / allInput : nil,
            peakPerMinute: stats.peak, p95PerMinute: stats.p95, tier: tier, recommendedTier: recommended,
            costUSD: totals.unpriced.isEmpty ? totals.cost : nil, unpricedModels: totals.unpriced.map { catalog.name($0) },
            subscriptionLimits: totals.subscriptionLimits, subscriptionResetsAt: totals.subscriptionResetsAt,
            resolutionSeconds: Int(totals.coarseSeconds), saturated: totals.saturated || stats.saturated)
    }

    private struct Totals {
        var requests = 0, throttled = 0, overloaded = 0
        var input = 0, cacheCreation = 0, cacheRead = 0, output = 0
        var cost = 0.0
        /// The widest aggregate counted (a usage report's `1h` or `1d` bucket), 0 for exact events.
        var coarseSeconds: Int32 = 0
        /// Subscription-window limits met (Claude Code on a plan), and the latest reset they named.
        var subscriptionLimits = 0
        var subscriptionResetsAt: Double?
        /// Models whose usage has no price (the cost is then unknown).
        var unpriced: [ModelRef] = []
        /// A total reached Int.max and stopped there.
        var saturated = false
    }

    /// A model's rates (when it has a price) and the span they hold for; the empty span (the
    /// start) holds nothing.
    private struct CachedPrice {
        var priced = false
        var rates = PriceRates(PriceRule(modelPatterns: [], inputPerMTok: 0, outputPerMTok: 0))
        var validFrom = Double.infinity
        var validUntil = -Double.infinity
    }
}

/// Per-minute usage of one class: the peak and the distribution of active minutes.
///
/// Minutes are calendar minutes (UTC) with at least one attempt; idle minutes are not part of
/// the distribution, so p95 describes the busy part of the day. Memory is fixed (histograms).
struct MinuteStatistics {
    private var minute: Int64 = .min
    private var current = PerDimension<Int>(repeating: 0)
    private(set) var peak = PerDimension<Int>(repeating: 0)
    /// Made when the first minute closes: a class seen on one line costs no histogram.
    private var histograms: PerDimension<Histogram<UInt32>>?
    /// A minute's sum reached Int.max and stopped there.
    private(set) var saturated = false

    static func makeHistogram() -> Histogram<UInt32> {
        var histogram = Histogram<UInt32>(highestTrackableValue: 1 << 20, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        return histogram
    }

    mutating func add(minute: Int64, requests: Int, input: Int, output: Int) {
        if minute != self.minute {
            if minute < self.minute {
                // A late line for a minute already closed: count it in the open minute.
            } else {
                close()
                self.minute = minute
            }
        }
        current.requests.add(requests, &saturated)
        current.inputTokens.add(input, &saturated)
        current.outputTokens.add(output, &saturated)
    }

    /// Closes the open minute into the distribution.
    mutating func close() {
        guard minute != .min, current.requests > 0 || current.inputTokens > 0 || current.outputTokens > 0 else { return }
        // Taken out and put back: reached through the optional, each record copied all three.
        var recorded = histograms.take() ?? PerDimension(repeating: MinuteStatistics.makeHistogram())
        for dimension in Dimension.allCases {
            let value = current[dimension]
            peak[dimension] = max(peak[dimension], value)
            _ = recorded[dimension].record(UInt64(max(0, value)))
        }
        histograms = recorded
        current = PerDimension(repeating: 0)
    }

    var p95: PerDimension<Int> {
        guard let histograms else { return PerDimension(repeating: 0) }
        return histograms.map { $0.totalCount == 0 ? 0 : Int(clamping: $0.valueAtPercentile(95)) }
    }
}

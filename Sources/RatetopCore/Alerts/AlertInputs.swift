/// The numbers the bucket rules read: what `AlertMetric.value(of:)` needs from a bucket.
///
/// Both a full `BucketState` (the stepped evaluator, the `state` line) and a `BucketReading`
/// (the Monitor's scheduled path: numbers only, no names, tier or advice) provide them, so the
/// metrics are written once and read the same way on both paths.
protocol AlertInputs {
    var limits: PerDimension<Int?> { get }
    var remaining: PerDimension<Double?> { get }
    var ratePerMinute: PerDimension<Double> { get }
    var secondsToEmpty: PerDimension<Double?> { get }
    var rate429: Double? { get }
    var requests429: Int { get }
    var requests529: Int { get }
    var requests5m: Int { get }
    var requests429LastMinute: Int { get }
    var uncachedInput5m: Double { get }
    var cacheRead5m: Double { get }
    var cacheCreation5m: Double { get }
    var trend: MinuteTrend { get }
    var lastLimitChange: LimitChange? { get }
    var lastSpendCapAt: Double? { get }
    var lastSuccessAt: Double? { get }
}

extension BucketState: AlertInputs {}

/// One class's numbers at one second, as `ClassTracker.reading(at:)` computes them: everything
/// a `BucketState` holds except its names, tier and advice, which cost strings and table walks
/// and which the rules need only to word an alert. `ClassTracker.state(at:)` is built from it.
struct BucketReading: AlertInputs {
    var limits: PerDimension<Int?>
    var remaining: PerDimension<Double?>
    var ratePerMinute: PerDimension<Double>
    var secondsToEmpty: PerDimension<Double?>
    var cacheHitRate: Double?
    var rate429: Double?
    var requests429: Int
    var requests529: Int
    var requests5m: Int
    var requests429LastMinute: Int
    var untrackedPerMinute: PerDimension<Double>
    var uncachedInput5m: Double
    var cacheRead5m: Double
    var cacheCreation5m: Double
    var cacheSplitUnknown: Bool
    var trend: MinuteTrend
    var lastLimitChange: LimitChange?
    var lastSpendCapAt: Double?
    var lastSuccessAt: Double?
}

/// "A request of N input / M output tokens sent now would wait about S seconds": the live
/// counterpart of `ratetop plan`, for the dashboard and for clients that pace themselves
/// (`GET /v1/admission`).
///
/// The model is the limiter's (rate-limits.md §1): a request is admitted when the requests
/// bucket holds one request, the input bucket its counted input, and the output bucket is not
/// empty (output tokens count as they are generated, so `M` does not gate admission; it is what
/// the output bucket loses afterwards). Each bucket refills at limit/60 per second; the rest of
/// the traffic is assumed to go on consuming what it consumed over the last minute, so the
/// level climbs at (refill − consumption) per second. The wait is the longest of the three, and
/// the dimension that sets it is the binding one.
public struct AdmissionForecast: Sendable, Equatable {
    /// How far the forecast can be trusted.
    public enum Confidence: String, Sendable {
        /// Limits and levels the server reported (headers), and no usage the logs miss.
        case high
        /// Limits from a table (`--tier`, `--limits`, config) or levels estimated from logs only.
        case medium
        /// Limits unknown for a dimension, or the server reports usage the logs do not explain
        /// (another consumer): the levels are guesses.
        case low
    }

    /// Seconds until the request would be admitted, 0 when it would be now; nil when it would
    /// not be while the current load lasts (consumption at or above the refill rate), or never
    /// (it needs more than the bucket holds), or when no limit is known.
    public var waitSeconds: Double?
    /// The wait if every other consumer stopped now: the refill alone (a lower bound).
    public var waitIfAloneSeconds: Double?
    /// The dimension that sets the wait; nil when nothing binds (admitted now).
    public var binding: Dimension?
    public var confidence: Confidence
    /// Why there is no finite wait, in a few words ("needs more than the ITPM limit").
    public var note: String?

    public init(waitSeconds: Double?, waitIfAloneSeconds: Double?, binding: Dimension?, confidence: Confidence, note: String? = nil) {
        self.waitSeconds = waitSeconds
        self.waitIfAloneSeconds = waitIfAloneSeconds
        self.binding = binding
        self.confidence = confidence
        self.note = note
    }

    /// Usage the logs do not explain above this share of a limit makes the forecast `low`.
    static let untrackedShareForLow = 0.10

    /// The forecast for `request` sent at the time of `bucket` (a `state` of its class).
    public static func forecast(for request: RequestSize, in bucket: BucketState) -> AdmissionForecast {
        var wait = 0.0, alone = 0.0
        var binding: Dimension?
        var unbounded: (dimension: Dimension, note: String)?
        var unknownLimit = false
        for dimension in Dimension.allCases {
            guard let limit = bucket.limits[dimension], limit > 0, let level = bucket.remaining[dimension] else {
                unknownLimit = true
                continue
            }
            let capacity = Double(limit)
            let need: Double = switch dimension {
            case .requests: 1
            case .inputTokens: Double(max(0, request.inputTokens))
            case .outputTokens: 1  // admitted while the output bucket is not empty
            }
            guard need <= capacity else {
                unbounded = unbounded ?? (dimension, "needs more than the \(dimension.limitName) limit (\(limit)): never admitted")
                continue
            }
            guard level < need else { continue }
            let refill = capacity / 60
            let net = refill - bucket.ratePerMinute[dimension] / 60
            let dimensionAlone = (need - level) / refill
            alone = max(alone, dimensionAlone)
            if net > refill / 1000 {
                let dimensionWait = (need - level) / net
                if dimensionWait > wait {
                    wait = dimensionWait
                    if unbounded == nil { binding = dimension }
                }
            } else {
                unbounded = unbounded ?? (dimension, "\(dimension.limitName) is consumed as fast as it refills: no wait is enough while this load lasts")
            }
        }
        let confidence = Self.confidence(of: bucket, unknownLimit: unknownLimit)
        if let unbounded {
            let never = unbounded.note.hasSuffix("never admitted")
            return AdmissionForecast(waitSeconds: nil, waitIfAloneSeconds: never ? nil : alone, binding: unbounded.dimension,
                                     confidence: confidence, note: unbounded.note)
        }
        if unknownLimit && bucket.limits.requests == nil && bucket.limits.inputTokens == nil && bucket.limits.outputTokens == nil {
            return AdmissionForecast(waitSeconds: nil, waitIfAloneSeconds: nil, binding: nil, confidence: .low,
                                     note: "limits unknown (no headers; give --tier or --limits)")
        }
        return AdmissionForecast(waitSeconds: wait, waitIfAloneSeconds: alone, binding: wait > 0 ? binding : nil, confidence: confidence)
    }

    private static func confidence(of bucket: BucketState, unknownLimit: Bool) -> Confidence {
        if unknownLimit { return .low }
        for dimension in Dimension.allCases {
            if let limit = bucket.limits[dimension], bucket.untrackedPerMinute[dimension] > Double(limit) * untrackedShareForLow {
                return .low
            }
        }
        return bucket.limitsSource == .headers ? .high : .medium
    }
}

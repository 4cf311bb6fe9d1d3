import RatetopCore

/// One API attempt the simulation produced: what a client wrapper would log.
public struct SimulatedAttempt: Sendable, Equatable {
    /// Epoch seconds the request was sent and the response completed.
    public var start: Double
    public var end: Double
    public var model: String
    public var classID: String
    /// 200, 429 or 529.
    public var status: Int
    /// The usage object of a 200; zero otherwise.
    public var usage: Usage
    /// The rate-limit headers at `end`; nil on a 529 (an Anthropic-wide refusal, not the
    /// organization's limiter).
    public var headers: RateLimitSnapshot?
    /// On a 429: the limit the error message names.
    public var limitedDimension: Dimension?
    /// On a 429: the `retry-after` header, whole seconds.
    public var retryAfter: Int?
    /// The logical call this attempt belongs to, and its retry number (0 = first attempt).
    public var callID: Int
    public var retryNumber: Int
    /// The traffic stream that made the call.
    public var stream: String

    public init(start: Double, end: Double, model: String, classID: String, status: Int, usage: Usage,
                headers: RateLimitSnapshot?, limitedDimension: Dimension? = nil, retryAfter: Int? = nil,
                callID: Int = 0, retryNumber: Int = 0, stream: String = "") {
        self.start = start
        self.end = end
        self.model = model
        self.classID = classID
        self.status = status
        self.usage = usage
        self.headers = headers
        self.limitedDimension = limitedDimension
        self.retryAfter = retryAfter
        self.callID = callID
        self.retryNumber = retryNumber
        self.stream = stream
    }

    /// The attempt as ratetop's engine sees it, with or without its rate-limit headers.
    public func exchange(models: ModelCatalog, includeHeaders: Bool = true) -> Exchange {
        let errorKind: ExchangeErrorKind = switch status {
        case 200..<300: .none
        case 429: .rateLimited
        case 529: .overloaded
        default: .other
        }
        return Exchange(
            end: end, start: start, model: models.intern(model), status: status, requests: 1, usage: usage,
            headers: includeHeaders ? headers?.rateLimitHeaders : nil, errorKind: errorKind,
            limitedDimension: limitedDimension, retryAfter: includeHeaders ? Double(retryAfter ?? -1) : -1)
    }
}

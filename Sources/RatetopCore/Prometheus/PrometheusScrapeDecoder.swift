/// Turns successive scrapes of one Prometheus endpoint into the engine's events: parses the text,
/// recognises what is talking (a LiteLLM proxy or another ratetop), tracks its counters across
/// scrapes (resets included) and maps the series onto classes. Pure: the caller fetches the text
/// and says when it arrived.
public final class PrometheusScrapeDecoder {
    /// What the endpoint turned out to be.
    public enum Kind: String, Sendable {
        case litellm
        case ratetop
        /// Claude Code's OpenTelemetry Prometheus exporter (`claude_code_token_usage_tokens_total`).
        case claudeCode
    }

    /// What one scrape gave.
    public struct Result {
        public var events: [Exchange]
        /// Lines of the response that could not be read, and the first few reasons.
        public var malformedLines: Int
        public var problems: [PrometheusProblem]
        /// Nil while the endpoint shows no series ratetop reads (a LiteLLM proxy before its first
        /// request, or not a LiteLLM/ratetop endpoint).
        public var kind: Kind?
    }

    public let host: String
    private let litellm: LiteLLMMetricsMapper
    private let claudeCode: ClaudeCodeMetricsMapper
    private var counters = CounterTracker()
    private var lastScrapeAt: Double?
    public private(set) var kind: Kind?
    /// Shared by every ratetop endpoint of one watch, so their buckets merge into one organization.
    private let organization: OrganizationBox?

    /// `host` names the endpoint in the organization view; `organization` is shared among all
    /// the ratetop endpoints of one watch (nil: this endpoint alone).
    public init(host: String, table: LimitsTable, organization: OrganizationBox? = nil) {
        self.host = host
        self.litellm = LiteLLMMetricsMapper(table: table)
        self.claudeCode = ClaudeCodeMetricsMapper(table: table)
        self.organization = organization
    }

    /// Counter resets seen so far (exporter restarts).
    public var counterResets: Int { counters.resets }

    /// Decodes one scrape's body, received at `time`. The first scrape is the counters' baseline
    /// and yields only levels; later ones yield the usage since the previous successful scrape.
    public func decode(_ text: String, at time: Double, models: ModelCatalog, origin: LineOrigin) -> Result {
        var exposition = PrometheusTextParser.parse(text)
        Self.dropImplausible(&exposition)
        var usages: [ScrapedUsage]
        var feed = ExchangeFeed.litellm
        if RatetopMetricsMapper.recognises(exposition) {
            kind = .ratetop
            feed = .ratetop
            usages = RatetopMetricsMapper.map(exposition, counters: &counters)
            if let organization { usages = organization.merge(host: host, usages, at: time) }
        } else if LiteLLMMetricsMapper.recognises(exposition) {
            kind = .litellm
            usages = litellm.map(exposition, counters: &counters)
        } else if ClaudeCodeMetricsMapper.recognises(exposition) {
            kind = .claudeCode
            feed = .log
            usages = claudeCode.map(exposition, counters: &counters)
        } else {
            usages = []
        }
        let from = lastScrapeAt ?? time
        counters.finishScrape()
        lastScrapeAt = time
        var events: [Exchange] = []
        var malformed = exposition.malformedLines
        var problems = exposition.problems
        for usage in usages {
            for event in usage.exchanges(from: from, to: time, models: models, origin: origin, feed: feed) {
                // What a scrape adds up to obeys the same ranges as a logged line (`Plausible`).
                do {
                    try Plausible.check(event)
                    events.append(event)
                } catch {
                    malformed += 1
                    if problems.count < 10 { problems.append(PrometheusProblem(line: 0, reason: "\(usage.model): \(error.reason)")) }
                }
            }
        }
        return Result(events: events, malformedLines: malformed, problems: problems, kind: kind)
    }

    /// The largest sample value read (a counter of tokens over years is far below it).
    static let maxSample = 1e15

    /// Drops samples no counter or gauge ratetop reads can hold: not finite (`+Inf` is legal in
    /// the format, and ratetop's own `seconds_to_empty` writes it, so these go silently), or
    /// beyond ±10^15 (counted: a proxy, a peer or anything answering on the URL cannot make
    /// ratetop trap on a conversion or overflow a sum).
    static func dropImplausible(_ exposition: inout PrometheusExposition) {
        var kept: [PrometheusSample] = []
        kept.reserveCapacity(exposition.samples.count)
        for sample in exposition.samples {
            guard sample.value.isFinite else { continue }
            guard abs(sample.value) <= maxSample else {
                exposition.malformedLines += 1
                if exposition.problems.count < 10 {
                    exposition.problems.append(PrometheusProblem(line: 0, reason: "\(sample.name): \(Plausible.describe(sample.value)) is out of range"))
                }
                continue
            }
            kept.append(sample)
        }
        exposition.samples = kept
    }
}

/// A `RatetopOrganization` shared by several decoders (all on the caller's thread).
public final class OrganizationBox {
    public private(set) var organization: RatetopOrganization

    public init(_ organization: RatetopOrganization = RatetopOrganization()) {
        self.organization = organization
    }

    func merge(host: String, _ usages: [ScrapedUsage], at time: Double) -> [ScrapedUsage] {
        organization.merge(host: host, usages, at: time)
    }
}

/// A model class: the models that share one limiter.
public struct ModelClassInfo: Sendable, Equatable {
    /// Lower-case family id, e.g. `sonnet-4.x`.
    public var id: String
    public var name: String
    /// Glob patterns (`*` matches any run) over lower-cased model ids.
    public var modelPatterns: [String]
    /// True for the classes whose ITPM also counts cache reads (Haiku 3.5 and the Claude 3 era).
    public var cacheReadsCountTowardITPM: Bool

    public init(id: String, name: String, modelPatterns: [String], cacheReadsCountTowardITPM: Bool = false) {
        self.id = id
        self.name = name
        self.modelPatterns = modelPatterns
        self.cacheReadsCountTowardITPM = cacheReadsCountTowardITPM
    }
}

/// One tier of a scheme, with its per-class limits.
public struct Tier: Sendable, Equatable {
    /// Lower-case id used on the command line: `tier1`, `start`, ...
    public var id: String
    public var name: String
    /// How an organization gets there, for upgrade advice.
    public var reachedBy: String
    public var creditThresholdUSD: Double?
    public var monthlySpendCapUSD: Double?
    /// Per class id: RPM, ITPM, OTPM.
    public var limits: [String: PerDimension<Int>]
}

/// A family of tiers that applied over a period (Tier 1–4, then Start/Build/Scale).
public struct TierScheme: Sendable, Equatable {
    public var id: String
    public var name: String
    /// Epoch seconds of the first day in force, or nil.
    public var inForceFrom: Double?
    /// Epoch seconds of the end of the last day in force, or nil while current.
    public var inForceUntil: Double?
    /// Tiers from smallest to largest.
    public var tiers: [Tier]

    public func isInForce(at time: Double) -> Bool {
        (inForceFrom.map { time >= $0 } ?? true) && (inForceUntil.map { time < $0 } ?? true)
    }
}

/// A price rule: USD per million tokens for the models it matches, optionally bounded in time.
public struct PriceRule: Sendable, Equatable {
    public var modelPatterns: [String]
    public var inputPerMTok: Double
    public var outputPerMTok: Double
    public var from: Double?
    public var until: Double?
    /// A fast-mode price (`speed: fast`): only fast-mode traffic, which no other rule prices.
    public var isFast = false
    /// Long-context pricing: a request whose input (uncached, cache writes and cache reads)
    /// passes `above` tokens is priced at these rates instead, all of it.
    public var longContext: (above: Int, inputPerMTok: Double, outputPerMTok: Double)?

    public static func == (a: PriceRule, b: PriceRule) -> Bool {
        a.modelPatterns == b.modelPatterns && a.inputPerMTok == b.inputPerMTok && a.outputPerMTok == b.outputPerMTok
            && a.from == b.from && a.until == b.until && a.isFast == b.isFast
            && a.longContext?.above == b.longContext?.above && a.longContext?.inputPerMTok == b.longContext?.inputPerMTok
            && a.longContext?.outputPerMTok == b.longContext?.outputPerMTok
    }
}

/// Prices and the multipliers for cache writes, cache reads and batches.
public struct PriceTable: Sendable, Equatable {
    public var cacheWrite5mMultiplier: Double = 1.25
    public var cacheWrite1hMultiplier: Double = 2.0
    public var cacheReadMultiplier: Double = 0.1
    public var batchDiscount: Double = 0.5
    /// Web search: USD per thousand searches.
    public var webSearchPerThousand: Double = 10
    public var rules: [PriceRule] = []
}

/// Where the limits of a bucket came from, as reported in `limits_source`.
public enum LimitsSource: String, Sendable {
    case headers
    case file
    case tier
    case config
    case unknown
    /// A LiteLLM proxy's `/metrics`: requests remaining is observed (its gauge), input and output
    /// are estimated from its token counters (LiteLLM reports only the combined tokens remaining);
    /// the limits themselves come from `--tier` or `--limits`, which LiteLLM does not export.
    case litellm
    /// Another ratetop's `/metrics`: its limits, its estimates as upper bounds of the level, and
    /// the usage of every scraped host summed into one organization bucket.
    case ratetop
}

/// One non-model group of an organization's limits: its kind and its limiter values as named.
public struct SurfaceLimits: Sendable, Equatable {
    /// `batch`, `files`, `token_count`, `web_search`, `skills`, or what a later API adds.
    public var kind: String
    public var values: [(type: String, value: Int)]

    public init(kind: String, values: [(type: String, value: Int)]) {
        self.kind = kind
        self.values = values
    }

    public static func == (lhs: SurfaceLimits, rhs: SurfaceLimits) -> Bool {
        lhs.kind == rhs.kind && lhs.values.elementsEqual(rhs.values) { $0.type == $1.type && $0.value == $1.value }
    }
}

/// The limits table: model classes, tier schemes, prices, and optionally the organization's
/// actual limits (from a user table or a saved Admin API `rate_limits` response).
public struct LimitsTable: Sendable, Equatable {
    public var version: String
    public var classes: [ModelClassInfo]
    public var schemes: [TierScheme]
    public var prices: PriceTable
    /// The organization's own limits per class id, when a limits file gave them.
    public var organizationLimits: [String: PerDimension<Int>]
    /// The groups of an Admin API `rate_limits` response that are not model groups (the
    /// Message Batches API, files, token counting, web search, skills): shown by `ratetop
    /// limits` as what they are; no bucket draws from them.
    public var otherLimits: [SurfaceLimits] = []

    public init(version: String, classes: [ModelClassInfo], schemes: [TierScheme], prices: PriceTable,
                organizationLimits: [String: PerDimension<Int>] = [:]) {
        self.version = version
        self.classes = classes
        self.schemes = schemes
        self.prices = prices
        self.organizationLimits = organizationLimits
    }

    /// The class a model id belongs to, or nil when no pattern matches.
    public func modelClass(for modelID: String) -> ModelClassInfo? {
        let lowered = Self.normalized(modelID)
        return classes.first { info in info.modelPatterns.contains { Glob.matches(pattern: $0, lowered) } }
    }

    /// A model id as patterns see it: lower-cased, a dot between digits spelled as a dash
    /// (`anthropic/claude-3.5-sonnet` and `claude-sonnet-4.5` as `claude-3-5-sonnet` and
    /// `claude-sonnet-4-5`: the platforms' spellings of one model).
    public static func normalized(_ modelID: String) -> String {
        var bytes = Array(modelID.lowercased().utf8)
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        if bytes.count > 2 {
            for index in 1..<(bytes.count - 1)
            where bytes[index] == UInt8(ascii: ".") && digits.contains(bytes[index - 1]) && digits.contains(bytes[index + 1]) {
                bytes[index] = UInt8(ascii: "-")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The class with this id.
    public func modelClass(id: String) -> ModelClassInfo? {
        classes.first { $0.id == id }
    }

    /// The class a name stands for: a model id's, else the class whose id it is (another
    /// ratetop's metrics and the admission endpoint name classes, not models).
    public func modelClass(named name: String) -> ModelClassInfo? {
        modelClass(for: name) ?? modelClass(id: name.lowercased())
    }

    /// Finds a tier by its id or name, case-insensitively.
    public func tier(named name: String) -> (scheme: TierScheme, tier: Tier)? {
        let wanted = name.lowercased().filter { $0 != " " }
        for scheme in schemes {
            for tier in scheme.tiers
            where tier.id.lowercased() == wanted || tier.name.lowercased().filter { $0 != " " } == wanted {
                return (scheme, tier)
            }
        }
        return nil
    }

    /// All tier ids, in table order.
    public var tierIDs: [String] { schemes.flatMap { $0.tiers.map(\.id) } }

    /// The scheme in force at a time, or the latest scheme when none is.
    public func scheme(at time: Double) -> TierScheme? {
        schemes.last { $0.isInForce(at: time) } ?? schemes.last
    }

    /// The scheme a tier belongs to.
    public func scheme(containing tierID: String) -> TierScheme? {
        schemes.first { $0.tiers.contains { $0.id == tierID } }
    }

    /// The tier whose limits for `classID` equal `limits` on every known dimension, preferring
    /// the scheme in force at `time`; nil when none matches (a custom arrangement).
    public func tier(matching limits: PerDimension<Int>, classID: String, at time: Double) -> Tier? {
        let ordered = schemes.filter { $0.isInForce(at: time) } + schemes.filter { !$0.isInForce(at: time) }
        for scheme in ordered {
            for tier in scheme.tiers {
                guard let table = tier.limits[classID] else { continue }
                var known = 0
                var equal = true
                for dimension in Dimension.allCases where limits[dimension] >= 0 {
                    known += 1
                    if table[dimension] != limits[dimension] { equal = false }
                }
                if equal && known > 0 { return tier }
            }
        }
        return nil
    }

    /// The smallest tier of `scheme` whose limits for `classID` are at least `demand` on every
    /// dimension; nil when no tier has limits for the class or none is large enough.
    public func smallestTier(in scheme: TierScheme, classID: String, fitting demand: PerDimension<Double>) -> Tier? {
        scheme.tiers.first { tier in
            guard let limits = tier.limits[classID] else { return false }
            return Dimension.allCases.allSatisfy { Double(limits[$0]) >= demand[$0] }
        }
    }

    /// The price rule for a model at a time.
    public func price(for modelID: String, at time: Double, fast: Bool = false) -> PriceRule? {
        let lowered = Self.normalized(modelID)
        return prices.rules.first { rule in
            rule.isFast == fast && (rule.from.map { time >= $0 } ?? true) && (rule.until.map { time < $0 } ?? true)
                && rule.modelPatterns.contains { Glob.matches(pattern: $0, lowered) }
        }
    }
}

/// Matches `*` globs (any run of characters, including none); every other character is literal.
public enum Glob {
    public static func matches(pattern: String, _ text: String) -> Bool {
        matches(Array(pattern.utf8)[...], Array(text.utf8)[...])
    }

    private static func matches(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var p = pattern.startIndex, t = text.startIndex
        var star = -1, mark = 0
        while t < text.endIndex {
            if p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") {
                star = p
                mark = t
                p += 1
            } else if p < pattern.endIndex, pattern[p] == text[t] {
                p += 1
                t += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }
}

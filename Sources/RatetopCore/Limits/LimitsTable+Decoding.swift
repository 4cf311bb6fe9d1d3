import Yams

/// Why a limits table could not be read.
public struct LimitsTableError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension LimitsTable {
    /// Decodes a limits table from YAML (or JSON) text.
    ///
    /// Accepts ratetop's table format, where every top-level key is optional and replaces the
    /// one in `base` when present, or a saved Admin API `GET /v1/organizations/rate_limits`
    /// response, whose groups become the organization's limits.
    public static func decode(_ text: String, base: LimitsTable? = nil) throws(LimitsTableError) -> LimitsTable {
        let file: TableFile
        do {
            file = try YAMLDecoder().decode(TableFile.self, from: text)
        } catch let error as DecodingError {
            throw LimitsTableError(Self.describe(error))
        } catch {
            throw LimitsTableError("not a valid YAML or JSON document (\(Self.firstLine(of: "\(error)")))")
        }
        var table = base ?? LimitsTable(version: file.version ?? "custom", classes: [], schemes: [], prices: PriceTable())
        if let version = file.version { table.version = version }
        if let classes = file.classes {
            table.classes = classes.map {
                ModelClassInfo(id: $0.id.lowercased(), name: $0.name ?? $0.id, modelPatterns: $0.models.map { $0.lowercased() },
                               cacheReadsCountTowardITPM: $0.cache_reads_count_toward_itpm ?? false)
            }
        }
        if let schemes = file.schemes {
            table.schemes = try schemes.map { scheme throws(LimitsTableError) in
                TierScheme(
                    id: scheme.id, name: scheme.name ?? scheme.id,
                    inForceFrom: try date(scheme.in_force?.from, key: "schemes.\(scheme.id).in_force.from"),
                    inForceUntil: try date(scheme.in_force?.until, key: "schemes.\(scheme.id).in_force.until").map { $0 + 86_400 },
                    tiers: try scheme.tiers.map { tier throws(LimitsTableError) in
                        Tier(id: tier.id.lowercased(), name: tier.name ?? tier.id, reachedBy: tier.reached_by ?? "",
                             creditThresholdUSD: tier.credit_threshold_usd, monthlySpendCapUSD: tier.monthly_spend_cap_usd,
                             limits: try limitsMap(tier.limits ?? [:], key: "schemes.\(scheme.id).tiers.\(tier.id).limits"))
                    })
            }
        }
        if let prices = file.prices {
            var table2 = PriceTable()
            table2.cacheWrite5mMultiplier = prices.cache_write_5m_multiplier ?? table2.cacheWrite5mMultiplier
            table2.cacheWrite1hMultiplier = prices.cache_write_1h_multiplier ?? table2.cacheWrite1hMultiplier
            table2.cacheReadMultiplier = prices.cache_read_multiplier ?? table2.cacheReadMultiplier
            table2.batchDiscount = prices.batch_discount ?? table2.batchDiscount
            table2.webSearchPerThousand = prices.web_search_per_1000 ?? table2.webSearchPerThousand
            table2.rules = try (prices.models ?? []).enumerated().map { index, rule throws(LimitsTableError) in
                PriceRule(modelPatterns: rule.models.map { $0.lowercased() }, inputPerMTok: rule.input, outputPerMTok: rule.output,
                          from: try date(rule.from, key: "prices.models[\(index)].from"),
                          until: try date(rule.until, key: "prices.models[\(index)].until").map { $0 + 86_400 },
                          isFast: try speed(rule.speed, key: "prices.models[\(index)].speed"),
                          longContext: rule.long_context.map { ($0.above, $0.input, $0.output) })
            }
            table.prices = table2
        }
        if let limits = file.limits {
            table.organizationLimits = try limitsMap(limits, key: "limits")
        }
        if let groups = file.data {
            var organization: [String: PerDimension<Int>] = [:]
            for (index, group) in groups.enumerated() {
                guard group.type == nil || group.type == "rate_limit" else { continue }
                // `group.type` (current) or `group_type` (deprecated, still sent); absent in older saves.
                let kind = group.group?.type ?? group.group_type ?? "model_group"
                let models = group.models ?? []
                guard kind == "model_group", !models.isEmpty else {
                    // The Message Batches API, files, token counting, web search: limits of their
                    // own that no per-minute bucket draws from. Kept for `ratetop limits`.
                    table.otherLimits.append(SurfaceLimits(kind: kind, values: (group.limits ?? []).map { ($0.type, $0.value) }))
                    continue
                }
                var limits = PerDimension(repeating: -1)
                for limit in group.limits ?? [] {
                    switch limit.type {
                    case "requests_per_minute": limits.requests = limit.value
                    case "input_tokens_per_minute": limits.inputTokens = limit.value
                    case "output_tokens_per_minute": limits.outputTokens = limit.value
                    default: continue
                    }
                }
                guard let classID = models.lazy.compactMap({ table.modelClass(for: $0)?.id }).first
                        ?? models.first.map({ $0.lowercased() }) else {
                    throw LimitsTableError("data[\(index)]: a rate_limit group without models cannot be matched to a model class")
                }
                if table.modelClass(id: classID) == nil {
                    table.classes.append(ModelClassInfo(id: classID, name: classID, modelPatterns: models.map { $0.lowercased() }))
                }
                organization[classID] = limits
            }
            table.organizationLimits = organization
        }
        try table.validateClassReferences()
        if file.data == nil && file.limits == nil && file.classes == nil && file.schemes == nil && file.prices == nil {
            throw LimitsTableError("no limits found: expected `limits:`, `schemes:` or an Admin API `data:` list")
        }
        return table
    }

    /// Every class id the limits name must be a class of the table (a typo would silently
    /// leave a class without limits).
    func validateClassReferences() throws(LimitsTableError) {
        let known = Set(classes.map(\.id))
        func check(_ limits: [String: PerDimension<Int>], key: String) throws(LimitsTableError) {
            for classID in limits.keys.sorted() where !known.contains(classID) {
                throw LimitsTableError("\(key).\(classID): unknown model class (known: \(classes.map(\.id).joined(separator: ", ")))")
            }
        }
        try check(organizationLimits, key: "limits")
        for scheme in schemes {
            for tier in scheme.tiers {
                try check(tier.limits, key: "schemes.\(scheme.id).tiers.\(tier.id).limits")
            }
        }
    }

    private static func limitsMap(_ raw: [String: [Int]], key: String) throws(LimitsTableError) -> [String: PerDimension<Int>] {
        var out: [String: PerDimension<Int>] = [:]
        for (classID, values) in raw {
            guard values.count == 3, values.allSatisfy({ $0 > 0 }) else {
                throw LimitsTableError("\(key).\(classID): expected [requests, input_tokens, output_tokens] per minute, all positive")
            }
            out[classID.lowercased()] = PerDimension(requests: values[0], inputTokens: values[1], outputTokens: values[2])
        }
        return out
    }

    /// `speed: fast` marks a fast-mode price; `standard` or nothing, the usual one.
    private static func speed(_ text: String?, key: String) throws(LimitsTableError) -> Bool {
        switch text?.lowercased() {
        case nil, "standard": return false
        case "fast": return true
        case let other?: throw LimitsTableError("\(key): '\(other)' is not a speed (expected standard or fast)")
        }
    }

    private static func date(_ text: String?, key: String) throws(LimitsTableError) -> Double? {
        guard let text else { return nil }
        guard let seconds = RFC3339.parse(text) else {
            throw LimitsTableError("\(key): '\(text)' is not a date (expected YYYY-MM-DD)")
        }
        return seconds
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let parts = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return parts.hasPrefix(".") ? String(parts.dropFirst()) : parts
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context.codingPath)
            return "\(at.isEmpty ? "" : at + ": ")missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let at = path(context.codingPath)
            return "\(at.isEmpty ? "document" : at): \(firstLine(of: context.debugDescription))"
        @unknown default:
            return firstLine(of: "\(error)")
        }
    }

    static func firstLine(of text: String) -> String {
        String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? "")
    }
}

/// The on-disk shape of a limits table (snake_case keys, every section optional).
private struct TableFile: Decodable {
    struct ClassEntry: Decodable {
        var id: String
        var name: String?
        var models: [String]
        var cache_reads_count_toward_itpm: Bool?
    }
    struct InForce: Decodable {
        var from: String?
        var until: String?
    }
    struct TierEntry: Decodable {
        var id: String
        var name: String?
        var reached_by: String?
        var credit_threshold_usd: Double?
        var monthly_spend_cap_usd: Double?
        var limits: [String: [Int]]?
    }
    struct SchemeEntry: Decodable {
        var id: String
        var name: String?
        var in_force: InForce?
        var tiers: [TierEntry]
    }
    struct PriceEntry: Decodable {
        var models: [String]
        var input: Double
        var output: Double
        var from: String?
        var until: String?
        var speed: String?
        var long_context: LongContext?
    }
    struct LongContext: Decodable {
        var above: Int
        var input: Double
        var output: Double
    }
    struct Prices: Decodable {
        var cache_write_5m_multiplier: Double?
        var cache_write_1h_multiplier: Double?
        var cache_read_multiplier: Double?
        var batch_discount: Double?
        var web_search_per_1000: Double?
        var models: [PriceEntry]?
    }
    /// One group of an Admin API `rate_limits` response.
    struct AdminGroup: Decodable {
        struct Limit: Decodable {
            var type: String
            var value: Int
        }
        struct Group: Decodable {
            var type: String?
        }
        var type: String?
        var group: Group?
        var group_type: String?
        var models: [String]?
        var limits: [Limit]?
    }

    var version: String?
    var classes: [ClassEntry]?
    var schemes: [SchemeEntry]?
    var prices: Prices?
    var limits: [String: [Int]]?
    var data: [AdminGroup]?
}

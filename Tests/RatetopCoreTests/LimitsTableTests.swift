import Foundation
import Testing
@testable import RatetopCore
import RatetopIO
import RatetopTestSupport

/// The bundled table, loaded once for the suite.
let bundledTable: LimitsTable? = try? BundledLimitsTable.load()

@Suite(.tags(.unit)) struct LimitsTableTests {
    static func table() throws -> LimitsTable { try #require(bundledTable, "the bundled limits table did not load") }

    @Test func bundledTableLoadsWithBothSchemes() throws {
        let loaded = try BundledLimitsTable.load()
        #expect(loaded.schemes.map(\.id) == ["credit-tiers", "usage-plans"])
        #expect(loaded.tierIDs == ["tier1", "tier2", "tier3", "tier4", "start", "build", "scale"])
        let credit = try #require(loaded.schemes.first)
        let plans = try #require(loaded.schemes.last)
        #expect(credit.inForceFrom == epoch("2025-01-01"))
        #expect(credit.inForceUntil == epoch("2026-04-26"))  // the end of the last day in force
        #expect(plans.inForceFrom == epoch("2026-04-26"))
        #expect(plans.inForceUntil == nil)
        #expect(credit.tiers.first?.limits["sonnet-4.x"] == PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000))
        #expect(plans.tiers.last?.limits["haiku-3.5"] == PerDimension(requests: 4000, inputTokens: 400_000, outputTokens: 80000))
        #expect(loaded.organizationLimits.isEmpty)
        #expect(!loaded.prices.rules.isEmpty)
    }

    /// Every platform's spelling of a model lands in its class, retired ones included.
    @Test(arguments: [
        ("claude-sonnet-4-5-20250929", "sonnet-4.x"), ("anthropic.claude-sonnet-4-5-20250929-v1:0", "sonnet-4.x"),
        ("claude-sonnet-4-5@20250929", "sonnet-4.x"), ("anthropic/claude-sonnet-4.5", "sonnet-4.x"),
        ("claude-3-5-sonnet-20240620", "sonnet-3.5"), ("claude-3-5-sonnet-v2@20241022", "sonnet-3.5"),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "sonnet-3.5"), ("anthropic/claude-3.5-sonnet", "sonnet-3.5"),
        ("claude-3-5-sonnet-latest", "sonnet-3.5"), ("claude-3.7-sonnet", "sonnet-3.7"), ("claude-3-7-sonnet-latest", "sonnet-3.7"),
        ("claude-3-sonnet-20240229", "sonnet-3"), ("claude-2.1", "claude-2"), ("claude-2.0", "claude-2"),
        ("claude-instant-1.2", "instant-1"), ("Claude-3-Haiku-20240307", "haiku-3"), ("anthropic/claude-haiku-4.5", "haiku-4.5"),
    ])
    func everySpellingLandsInItsClass(_ model: String, _ classID: String) throws {
        let table = try Self.table()
        #expect(table.modelClass(for: model)?.id == classID)
        #expect(table.price(for: model, at: epoch("2026-11-20")) != nil)
    }

    @Test func aModelTheTableDoesNotKnowHasNoClassAndNoPrice() throws {
        let table = try Self.table()
        #expect(table.modelClass(for: "claude-mythos-5-2") == nil)
        #expect(table.price(for: "claude-mythos-5-2", at: epoch("2026-11-20")) == nil)
        #expect(LimitsTable.normalized("Anthropic/Claude-3.5-Sonnet.v2") == "anthropic/claude-3-5-sonnet.v2")
    }

    @Test func schemeInForceAtATime() throws {
        let table = try Self.table()
        #expect(table.scheme(at: epoch("2026-04-25T23:59:59Z"))?.id == "credit-tiers")
        #expect(table.scheme(at: epoch("2026-04-26T00:00:00Z"))?.id == "usage-plans")
        #expect(table.scheme(at: epoch("2024-06-01"))?.id == "usage-plans")  // none in force: the latest
        #expect(table.scheme(containing: "tier3")?.id == "credit-tiers")
        #expect(table.scheme(containing: "build")?.id == "usage-plans")
    }

    static let modelClasses: [(String, String?, Bool)] = [
        ("claude-sonnet-4-5-20250929", "sonnet-4.x", false),
        ("claude-sonnet-4-6", "sonnet-4.x", false),
        ("claude-sonnet-4-20250514", "sonnet-4.x", false),
        ("claude-opus-4-1-20250805", "opus-4.x", false),
        ("claude-opus-4-6", "opus-4.x", false),
        ("claude-haiku-4-5-20251001", "haiku-4.5", false),
        ("claude-3-5-haiku-20241022", "haiku-3.5", true),
        ("claude-3-haiku-20240307", "haiku-3", true),
        ("claude-3-7-sonnet-20250219", "sonnet-3.7", false),
        ("anthropic/claude-sonnet-4-5", "sonnet-4.x", false),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "sonnet-4.x", false),
        ("Claude-Sonnet-4-5", "sonnet-4.x", false),
        ("claude-sonnet-5", "sonnet-5", false),
        ("claude-opus-5", "opus-5", false),
        ("claude-fable-5", "fable-5", false),
        ("gpt-4o", nil, false),
        ("", nil, false),
    ]

    @Test(arguments: modelClasses)
    func modelClass(model: String, classID: String?, cacheReadsCount: Bool) throws {
        let info = try Self.table().modelClass(for: model)
        #expect(info?.id == classID)
        if classID != nil { #expect(info?.cacheReadsCountTowardITPM == cacheReadsCount) }
    }

    static let tierNames: [(String, String?, String?)] = [
        ("tier1", "tier1", "credit-tiers"), ("TIER2", "tier2", "credit-tiers"), ("Tier 3", "tier3", "credit-tiers"),
        ("tier 4", "tier4", "credit-tiers"), ("start", "start", "usage-plans"), ("Build", "build", "usage-plans"),
        ("SCALE", "scale", "usage-plans"), ("tier5", nil, nil), ("", nil, nil), ("custom", nil, nil),
    ]

    @Test(arguments: tierNames)
    func tierNamed(name: String, tierID: String?, schemeID: String?) throws {
        let found = try Self.table().tier(named: name)
        #expect(found?.tier.id == tierID)
        #expect(found?.scheme.id == schemeID)
    }

    static let matching: [(PerDimension<Int>, String, String, String?)] = [
        (PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000), "sonnet-4.x", "2026-01-15", "tier1"),
        (PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000), "sonnet-4.x", "2026-11-20", "tier1"),
        (PerDimension(requests: 1000, inputTokens: 450_000, outputTokens: 90000), "sonnet-4.x", "2026-01-15", "tier2"),
        (PerDimension(requests: 1000, inputTokens: 2_000_000, outputTokens: 400_000), "sonnet-4.x", "2026-11-20", "start"),
        // Only the requests limit known: the scheme in force decides between tier2 and start.
        (PerDimension(requests: 1000, inputTokens: -1, outputTokens: -1), "sonnet-4.x", "2026-01-15", "tier2"),
        (PerDimension(requests: 1000, inputTokens: -1, outputTokens: -1), "sonnet-4.x", "2026-11-20", "start"),
        (PerDimension(requests: 50, inputTokens: 50000, outputTokens: 10000), "haiku-4.5", "2026-01-15", "tier1"),
        (PerDimension(requests: 51, inputTokens: 30000, outputTokens: 8000), "sonnet-4.x", "2026-01-15", nil),
        (PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000), "sonnet-5", "2026-11-20", nil),
        (PerDimension(requests: -1, inputTokens: -1, outputTokens: -1), "sonnet-4.x", "2026-01-15", nil),
    ]

    @Test(arguments: matching)
    func tierMatchingLimits(limits: PerDimension<Int>, classID: String, date: String, tierID: String?) throws {
        #expect(try Self.table().tier(matching: limits, classID: classID, at: epoch(date))?.id == tierID)
    }

    static let fitting: [(String, String, PerDimension<Double>, String?)] = [
        ("credit-tiers", "sonnet-4.x", PerDimension(requests: 40, inputTokens: 20000, outputTokens: 5000), "tier1"),
        ("credit-tiers", "sonnet-4.x", PerDimension(requests: 50, inputTokens: 30000, outputTokens: 8000), "tier1"),
        ("credit-tiers", "sonnet-4.x", PerDimension(requests: 61 * 1.25, inputTokens: 1000, outputTokens: 100), "tier2"),
        ("credit-tiers", "sonnet-4.x", PerDimension(requests: 10, inputTokens: 30001, outputTokens: 10), "tier2"),
        ("credit-tiers", "sonnet-4.x", PerDimension(requests: 10, inputTokens: 10, outputTokens: 100_000), "tier3"),
        ("credit-tiers", "sonnet-4.x", PerDimension(requests: 3000, inputTokens: 10, outputTokens: 10), "tier4"),
        ("credit-tiers", "sonnet-4.x", PerDimension(requests: 4001, inputTokens: 10, outputTokens: 10), nil),
        ("usage-plans", "sonnet-4.x", PerDimension(requests: 61 * 1.25, inputTokens: 1000, outputTokens: 100), "start"),
        ("usage-plans", "fable-5", PerDimension(requests: 1500, inputTokens: 1000, outputTokens: 100), "build"),
        ("usage-plans", "sonnet-3.7", PerDimension(requests: 1, inputTokens: 1, outputTokens: 1), nil),
    ]

    @Test(arguments: fitting)
    func smallestFittingTier(schemeID: String, classID: String, demand: PerDimension<Double>, tierID: String?) throws {
        let table = try Self.table()
        let scheme = try #require(table.schemes.first { $0.id == schemeID })
        #expect(table.smallestTier(in: scheme, classID: classID, fitting: demand)?.id == tierID)
    }

    static let prices: [(String, String, Double?, Double?)] = [
        ("claude-sonnet-4-5-20250929", "2026-11-20", 3, 15),
        ("claude-sonnet-4-6", "2026-11-20", 3, 15),
        ("claude-opus-4-1-20250805", "2026-11-20", 15, 75),
        ("claude-opus-4-20250514", "2026-11-20", 15, 75),
        ("claude-opus-4-5-20251101", "2026-11-20", 5, 25),
        ("claude-opus-5", "2026-11-20", 5, 25),
        ("claude-haiku-4-5-20251001", "2026-11-20", 1, 5),
        ("claude-3-5-haiku-20241022", "2026-11-20", 0.8, 4),
        ("claude-3-haiku-20240307", "2026-11-20", 0.25, 1.25),
        ("claude-fable-5", "2026-11-20", 10, 50),
        ("claude-sonnet-5", "2026-06-01", 2, 10),
        ("claude-sonnet-5", "2026-08-31T23:59:59Z", 2, 10),
        ("claude-sonnet-5", "2026-09-01T00:00:00Z", 3, 15),
        ("claude-sonnet-5-20260901", "2026-12-01", 3, 15),
        ("gpt-4o", "2026-11-20", nil, nil),
    ]

    @Test(arguments: prices)
    func priceRules(model: String, date: String, input: Double?, output: Double?) throws {
        let rule = try Self.table().price(for: model, at: epoch(date))
        #expect(rule?.inputPerMTok == input)
        #expect(rule?.outputPerMTok == output)
    }

    @Test func priceMultipliers() throws {
        let prices = try Self.table().prices
        #expect(prices.cacheWrite5mMultiplier == 1.25)
        #expect(prices.cacheWrite1hMultiplier == 2)
        #expect(prices.cacheReadMultiplier == 0.1)
        #expect(prices.batchDiscount == 0.5)
    }

    @Test func userTableOverridingOnlyLimitsKeepsTheRest() throws {
        let base = try Self.table()
        let table = try LimitsTable.decode("""
        # our negotiated limits
        limits:
          sonnet-4.x: [2000, 900000, 180000]
          Haiku-4.5: [100, 60000, 12000]
        """, base: base)
        #expect(table.organizationLimits == [
            "sonnet-4.x": PerDimension(requests: 2000, inputTokens: 900_000, outputTokens: 180_000),
            "haiku-4.5": PerDimension(requests: 100, inputTokens: 60000, outputTokens: 12000),
        ])
        #expect(table.classes == base.classes)
        #expect(table.schemes == base.schemes)
        #expect(table.prices == base.prices)
        #expect(table.version == base.version)
    }

    @Test func userTableFileThroughBundledLoader() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-limits-\(UUID().uuidString).yaml").path
        try "limits:\n  sonnet-4.x: [1000, 450000, 90000]\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try BundledLimitsTable.load(userFile: path)
        #expect(table.organizationLimits["sonnet-4.x"] == PerDimension(requests: 1000, inputTokens: 450_000, outputTokens: 90000))
        #expect(table.schemes.count == 2)
        #expect(throws: LimitsTableError.self) { try BundledLimitsTable.load(userFile: path + ".missing") }
    }

    @Test func savedAdminAPIRateLimitsResponse() throws {
        let table = try LimitsTable.decode("""
        {"data":[
          {"type":"rate_limit","group_type":"model_group","models":["claude-sonnet-4-5-20250929","claude-sonnet-4-20250514"],
           "limits":[{"type":"requests_per_minute","value":4000},{"type":"input_tokens_per_minute","value":2000000},{"type":"output_tokens_per_minute","value":400000}]},
          {"type":"rate_limit","group_type":"model_group","models":["claude-haiku-4-5-20251001"],
           "limits":[{"type":"requests_per_minute","value":50},{"type":"input_tokens_per_minute","value":50000},{"type":"output_tokens_per_minute","value":10000},{"type":"batch_requests_per_minute","value":7}]},
          {"type":"rate_limit","group_type":"model_group","models":["claude-mystery-1"],
           "limits":[{"type":"requests_per_minute","value":10}]},
          {"type":"something_else","models":["claude-opus-4-6"],"limits":[{"type":"requests_per_minute","value":1}]}
        ],"has_more":false,"next_page":null}
        """, base: try Self.table())
        #expect(table.organizationLimits["sonnet-4.x"] == PerDimension(requests: 4000, inputTokens: 2_000_000, outputTokens: 400_000))
        #expect(table.organizationLimits["haiku-4.5"] == PerDimension(requests: 50, inputTokens: 50000, outputTokens: 10000))
        #expect(table.organizationLimits["claude-mystery-1"] == PerDimension(requests: 10, inputTokens: -1, outputTokens: -1))
        #expect(table.organizationLimits["opus-4.x"] == nil)
        #expect(table.organizationLimits.count == 3)
        #expect(table.modelClass(for: "claude-mystery-1")?.id == "claude-mystery-1")
        #expect(table.schemes == (try Self.table()).schemes)
    }

    /// The response as the API sends it now: every group, model groups and API-surface groups
    /// (`models: null`), with `group.type` and the deprecated `group_type`.
    @Test func adminAPIGroupsThatAreNotModelGroupsAreKeptApartNotRefused() throws {
        let table = try LimitsTable.decode("""
        {"data":[
          {"type":"rate_limit","id":"rl_1","group":{"type":"model_group"},"group_type":"model_group",
           "models":["claude-sonnet-4-5-20250929","claude-sonnet-4-5"],
           "limits":[{"type":"requests_per_minute","value":4000},{"type":"input_tokens_per_minute","value":2000000},{"type":"output_tokens_per_minute","value":400000}]},
          {"type":"rate_limit","id":"rl_2","group":{"type":"batch"},"group_type":"batch","models":null,
           "limits":[{"type":"requests_per_minute","value":4000},{"type":"batch_requests_in_queue","value":500000}]},
          {"type":"rate_limit","id":"rl_3","group":{"type":"files"},"models":null,"limits":[{"type":"requests_per_minute","value":100}]},
          {"type":"rate_limit","id":"rl_4","group":{"type":"token_count"},"models":null,"limits":[{"type":"requests_per_minute","value":2000}]},
          {"type":"rate_limit","id":"rl_5","group_type":"web_search","models":null,"limits":[{"type":"requests_per_second","value":30}]},
          {"type":"rate_limit","id":"rl_6","group":{"type":"skills"},"models":null,"limits":[]}
        ],"next_page":null}
        """, base: try Self.table())
        #expect(table.organizationLimits == ["sonnet-4.x": PerDimension(requests: 4000, inputTokens: 2_000_000, outputTokens: 400_000)])
        #expect(table.otherLimits.map(\.kind) == ["batch", "files", "token_count", "web_search", "skills"])
        #expect(table.otherLimits.first?.values.map(\.type) == ["requests_per_minute", "batch_requests_in_queue"])
        let report = LimitsReport.render(table: table, tier: nil, source: "rate_limits.json")
        #expect(report.contains("Other limits of the organization"))
        let rows = report.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(rows.contains("batch requests per minute 4k, batch requests in queue 500k"), "\(report)")
        #expect(rows.contains("web_search requests per second 30"), "\(report)")
        #expect(rows.contains("skills none given"), "\(report)")
    }

    static let badTables: [(String, String)] = [
        ("limits:\n  sonnet-4.x: [50, 30000]\n", "limits.sonnet-4.x"),
        ("limits:\n  sonnet-4.x: [50, 0, 8000]\n", "limits.sonnet-4.x"),
        ("limits:\n  sonnet-4.x: fast\n", "limits.sonnet-4.x"),
        ("limits: 12\n", "limits"),
        ("classes:\n  - name: Claude X\n    models: [\"x*\"]\n", "classes[0]: missing key 'id'"),
        ("schemes:\n  - id: mine\n    in_force: {from: soon}\n    tiers: []\n", "schemes.mine.in_force.from"),
        ("schemes:\n  - id: mine\n    tiers:\n      - id: t1\n        limits: {sonnet-4.x: [1, 2, -3]}\n", "schemes.mine.tiers.t1.limits.sonnet-4.x"),
        ("prices:\n  models:\n    - {models: [\"x*\"], input: 1, output: 2, until: \"later\"}\n", "prices.models[0].until"),
        ("prices:\n  models:\n    - {models: [\"x*\"], output: 2}\n", "missing key 'input'"),
        ("{\"data\":[{\"type\":\"rate_limit\",\"models\":[\"claude-sonnet-4-5\"],\"limits\":[{\"type\":\"requests_per_minute\",\"value\":\"many\"}]}]}", "data[0].limits[0].value"),
        ("version: \"x\"\n", "no limits found"),
        ("tier: tier1\n", "no limits found"),
        ("limits: [\n", "not valid YAML"),
        ("", "document"),
    ]

    @Test(arguments: badTables)
    func badTablesGiveOneLineErrorsNamingTheKey(text: String, mentions: String) throws {
        let base = try Self.table()
        do throws(LimitsTableError) {
            let table = try LimitsTable.decode(text, base: base)
            Issue.record("decoded without an error: \(table.organizationLimits)")
        } catch {
            #expect(error.description.contains(mentions), "\(error.description)")
            #expect(!error.description.contains("\n"), "\(error.description)")
            #expect(!error.description.isEmpty)
        }
    }

    @Test func globMatching() {
        #expect(Glob.matches(pattern: "*claude-sonnet-4*", "claude-sonnet-4-5"))
        #expect(Glob.matches(pattern: "*claude-sonnet-4*", "anthropic/claude-sonnet-4"))
        #expect(!Glob.matches(pattern: "*claude-sonnet-4*", "claude-sonnet-5"))
        #expect(Glob.matches(pattern: "a*b*c", "aXXbYYc"))
        #expect(!Glob.matches(pattern: "a*b*c", "aXXbYY"))
        #expect(Glob.matches(pattern: "exact", "exact"))
        #expect(!Glob.matches(pattern: "exact", "exactly"))
        #expect(Glob.matches(pattern: "*", ""))
        #expect(Glob.matches(pattern: "**a**", "bab"))
    }

    /// A user table whose `limits:` names a class the table does not have (a typo) configures
    /// nothing: it should be a one-line error naming the key, not silently ignored.
    @Test func limitsForAnUnknownClassAreAnError() throws {
        let base = try Self.table()
        var outcome = "decoded"
        do throws(LimitsTableError) {
            let table = try LimitsTable.decode("limits:\n  sonet-4.x: [1000, 450000, 90000]\n", base: base)
            #expect(table.modelClass(id: "sonet-4.x") == nil)
        } catch {
            outcome = error.description
        }
        #expect(outcome.contains("limits.sonet-4.x"), "\(outcome)")
    }
}

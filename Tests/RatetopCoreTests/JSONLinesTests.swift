import Foundation
import Testing
@testable import RatetopCore
import RatetopTestSupport

/// The JSON types the contract fields must have.
enum JSONType: Sendable {
    case string, number, integer, array, object, null
    case stringOrNull, numberOrNull

    func matches(_ value: Any?) -> Bool {
        guard let value else { return false }
        let isNull = value is NSNull
        let number = value is Bool && !(value is NSNumber) ? nil : value as? NSNumber
        switch self {
        case .string: return value is String
        case .number: return number != nil && !(value is String)
        case .integer: return number.map { $0.doubleValue == $0.doubleValue.rounded() } == true && !(value is String)
        case .array: return value is [Any]
        case .object: return value is [String: Any]
        case .null: return isNull
        case .stringOrNull: return isNull || value is String
        case .numberOrNull: return isNull || (number != nil && !(value is String))
        }
    }
}

/// Parses one JSON line into a dictionary (recording an issue when it is not one).
func parseObject(_ line: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any]? {
    guard let data = line.data(using: .utf8),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        Issue.record("not a JSON object: \(line)", sourceLocation: sourceLocation)
        return nil
    }
    return object
}

/// Checks that `object` has every field of `schema` with the right type.
func expectFields(_ object: [String: Any], _ schema: [String: JSONType], in context: String,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    for (key, type) in schema.sorted(by: { $0.key < $1.key }) {
        #expect(type.matches(object[key]), "\(context).\(key): \(String(describing: object[key])) is not \(type)",
                sourceLocation: sourceLocation)
    }
}

let perDimensionKeys = ["requests", "input_tokens", "output_tokens"]

let stateSchema: [String: JSONType] = [
    "type": .string, "at": .string, "malformed_lines": .integer, "late_lines": .integer, "buckets": .array,
]
let stateBucketSchema: [String: JSONType] = [
    "bucket": .string, "models": .array, "tier": .stringOrNull, "limits": .object, "limits_source": .string,
    "remaining": .object, "rate_per_min": .object, "seconds_to_empty": .object, "cache_hit_rate": .numberOrNull,
    "rate_429": .numberOrNull, "requests_429": .integer,
]
let summarySchema: [String: JSONType] = [
    "type": .string, "from": .stringOrNull, "to": .stringOrNull, "lines": .integer, "malformed_lines": .integer,
    "late_lines": .integer, "duplicates_skipped": .integer, "skipped_lines": .object, "buckets": .array,
]
let summaryBucketSchema: [String: JSONType] = [
    "bucket": .string, "models": .array, "requests": .integer, "requests_429": .integer, "requests_529": .integer,
    "rate_429": .number, "tokens": .object, "cache_hit_rate": .number, "peak_per_min": .object, "p95_per_min": .object,
    "tier": .stringOrNull, "recommended_tier": .stringOrNull, "cost_usd": .numberOrNull,
]

@Suite(.tags(.unit)) struct JSONLinesTests {
    static func table() throws -> LimitsTable { try #require(bundledTable, "the bundled limits table did not load") }

    /// A tier1 sonnet team draining its input bucket, with a 429, cache reads and a haiku call.
    static func busyEngine() throws -> EngineHarness {
        let h = EngineHarness(table: try table(), tier: "tier1")
        h.ingest(stride(from: 0.0, through: 45, by: 15).map {
            h.event(creditEra + $0, input: 9000, output: 100, cacheRead: 3000, cacheCreation: 500, latency: 2)
        })
        h.ingest([
            h.event(creditEra + 46, status: 429, limited: .inputTokens, retryAfter: 5),
            h.event(creditEra + 47, model: "claude-haiku-4-5", input: 10, output: 1),
        ])
        return h
    }

    @Test func stateObjectCarriesEveryContractField() throws {
        let h = try Self.busyEngine()
        let line = JSONLines.state(h.engine.state(at: creditEra + 47), malformedLines: 3, lateLines: 2)
        #expect(!line.contains("\n"))
        let object = try #require(parseObject(line))
        expectFields(object, stateSchema, in: "state")
        #expect(object["type"] as? String == "state")
        #expect(object["at"] as? String == "2026-01-15T10:00:47Z")
        #expect((object["malformed_lines"] as? NSNumber)?.intValue == 3)
        #expect((object["late_lines"] as? NSNumber)?.intValue == 2)
        let buckets = try #require(object["buckets"] as? [[String: Any]])
        #expect(buckets.count == 2)
        for bucket in buckets {
            expectFields(bucket, stateBucketSchema, in: "state.buckets")
            for key in ["limits", "remaining", "rate_per_min", "seconds_to_empty"] {
                let inner = try #require(bucket[key] as? [String: Any], "\(key)")
                #expect(Set(inner.keys).isSuperset(of: perDimensionKeys), "\(key): \(inner.keys)")
                for dimension in perDimensionKeys {
                    #expect(JSONType.numberOrNull.matches(inner[dimension]), "\(key).\(dimension)")
                }
            }
        }
        let sonnetBucket = try #require(buckets.first { $0["bucket"] as? String == "sonnet-4.x" })
        #expect(sonnetBucket["models"] as? [String] == [sonnet])
        #expect(sonnetBucket["tier"] as? String == "tier1")
        #expect(sonnetBucket["limits_source"] as? String == "tier")
        let limits = try #require(sonnetBucket["limits"] as? [String: Any])
        #expect((limits["requests"] as? NSNumber)?.intValue == 50)
        #expect((limits["input_tokens"] as? NSNumber)?.intValue == 30000)
        #expect((limits["output_tokens"] as? NSNumber)?.intValue == 8000)
        let toEmpty = try #require(sonnetBucket["seconds_to_empty"] as? [String: Any])
        #expect(toEmpty["requests"] is NSNull)   // 5 attempts a minute against 50: not draining
        #expect(toEmpty["output_tokens"] is NSNull)
        #expect(toEmpty["input_tokens"] is NSNumber)  // 36,000 a minute against 30,000
        let rates = try #require(sonnetBucket["rate_per_min"] as? [String: Any])
        #expect((rates["requests"] as? NSNumber)?.doubleValue == 5)
        #expect((rates["input_tokens"] as? NSNumber)?.doubleValue == 38000)
        #expect((sonnetBucket["requests_429"] as? NSNumber)?.intValue == 1)
        #expect((sonnetBucket["rate_429"] as? NSNumber)?.doubleValue == 0.2)
        // 12,000 read of 12,000 + 2,000 + 36,000.
        #expect((sonnetBucket["cache_hit_rate"] as? NSNumber)?.doubleValue == 0.24)
    }

    @Test func stateWithUnknownLimitsHasNulls() throws {
        let h = EngineHarness(table: try Self.table())
        h.ingest([h.event(creditEra + 0.25, status: 529)])
        let line = JSONLines.state(h.engine.state(at: creditEra + 0.5), malformedLines: 0, lateLines: 0)
        let object = try #require(parseObject(line))
        #expect(object["at"] as? String == "2026-01-15T10:00:00.500Z")
        let bucket = try #require((object["buckets"] as? [[String: Any]])?.first)
        expectFields(bucket, stateBucketSchema, in: "state.buckets")
        #expect(bucket["tier"] is NSNull)
        #expect(bucket["limits_source"] as? String == "unknown")
        for key in ["limits", "remaining", "seconds_to_empty"] {
            let inner = try #require(bucket[key] as? [String: Any])
            for dimension in perDimensionKeys { #expect(inner[dimension] is NSNull, "\(key).\(dimension)") }
        }
        #expect(bucket["cache_hit_rate"] is NSNull)
        #expect((bucket["rate_429"] as? NSNumber)?.doubleValue == 0)
    }

    @Test func emptyStateIsValid() throws {
        let h = EngineHarness(table: try Self.table())
        let object = try #require(parseObject(JSONLines.state(h.engine.state(at: creditEra), malformedLines: 0, lateLines: 0)))
        expectFields(object, stateSchema, in: "state")
        #expect((object["buckets"] as? [Any])?.isEmpty == true)
    }

    @Test func summaryObjectCarriesEveryContractField() throws {
        let h = try Self.busyEngine()
        let line = JSONLines.summary(h.engine.summary(from: creditEra, to: creditEra + 47), from: creditEra, to: creditEra + 47,
                                     counts: JSONLines.InputCounts(lines: 9, malformedLines: 2, duplicatesSkipped: 1),
                                     alerts: (fired: 0, byRule: [:]))
        #expect(!line.contains("\n"))
        let object = try #require(parseObject(line))
        expectFields(object, summarySchema, in: "summary")
        #expect(object["type"] as? String == "summary")
        #expect(object["from"] as? String == "2026-01-15T10:00:00Z")
        #expect(object["to"] as? String == "2026-01-15T10:00:47Z")
        #expect((object["lines"] as? NSNumber)?.intValue == 9)
        #expect((object["malformed_lines"] as? NSNumber)?.intValue == 2)
        #expect((object["duplicates_skipped"] as? NSNumber)?.intValue == 1)
        let buckets = try #require(object["buckets"] as? [[String: Any]])
        #expect(buckets.map { $0["bucket"] as? String } == ["sonnet-4.x", "haiku-4.5"])
        for bucket in buckets {
            expectFields(bucket, summaryBucketSchema, in: "summary.buckets")
            let tokens = try #require(bucket["tokens"] as? [String: Any])
            for key in ["input", "cache_creation", "cache_read", "output"] {
                #expect(JSONType.integer.matches(tokens[key]), "tokens.\(key)")
            }
            for key in ["peak_per_min", "p95_per_min"] {
                let inner = try #require(bucket[key] as? [String: Any])
                for dimension in perDimensionKeys { #expect(JSONType.integer.matches(inner[dimension]), "\(key).\(dimension)") }
            }
        }
        let s = buckets[0]
        #expect((s["requests"] as? NSNumber)?.intValue == 5)
        #expect((s["requests_429"] as? NSNumber)?.intValue == 1)
        #expect((s["requests_529"] as? NSNumber)?.intValue == 0)
        #expect((s["rate_429"] as? NSNumber)?.doubleValue == 0.2)
        let tokens = try #require(s["tokens"] as? [String: Any])
        #expect((tokens["input"] as? NSNumber)?.intValue == 36000)
        #expect((tokens["cache_creation"] as? NSNumber)?.intValue == 2000)
        #expect((tokens["cache_read"] as? NSNumber)?.intValue == 12000)
        #expect((tokens["output"] as? NSNumber)?.intValue == 400)
        #expect((s["cache_hit_rate"] as? NSNumber)?.doubleValue == 0.24)
        #expect(s["tier"] as? String == "tier1")
        #expect(s["recommended_tier"] as? String == "tier2")
        // 36,000 × 3 + 2,000 × 3.75 + 12,000 × 0.3 + 400 × 15 = 125,100 µ$
        #expect((s["cost_usd"] as? NSNumber)?.doubleValue == 0.1251)
    }

    @Test func summaryOfNothingIsValid() throws {
        let line = JSONLines.summary([], from: nil, to: nil, counts: JSONLines.InputCounts(lines: 0, malformedLines: 0, duplicatesSkipped: 0),
                                     alerts: (fired: 0, byRule: [:]))
        let object = try #require(parseObject(line))
        expectFields(object, summarySchema, in: "summary")
        #expect(object["from"] is NSNull)
        #expect((object["buckets"] as? [Any])?.isEmpty == true)
    }

    @Test func summaryCarriesTheAlertsObject() throws {
        let line = JSONLines.summary([], from: nil, to: nil, counts: JSONLines.InputCounts(lines: 0, malformedLines: 0, duplicatesSkipped: 0),
                                     alerts: (fired: 3, byRule: ["rate_429_high": 1, "headroom_low": 2]))
        let object = try #require(parseObject(line))
        let alerts = try #require(object["alerts"] as? [String: Any])
        #expect(JSONType.integer.matches(alerts["fired"]))
        #expect((alerts["fired"] as? NSNumber)?.intValue == 3)
        let byRule = try #require(alerts["by_rule"] as? [String: Any])
        #expect((byRule["headroom_low"] as? NSNumber)?.intValue == 2)
        #expect((byRule["rate_429_high"] as? NSNumber)?.intValue == 1)
    }

    @Test func alertObjectsCarryTheContractFields() throws {
        let event = AlertEvent(at: 1_795_165_391, rule: "headroom_low", state: .firing, severity: .critical, bucket: "sonnet-4.x",
                               dimension: .inputTokens, value: 0.04, threshold: 0.05, summary: "ITPM headroom 4% on sonnet-4.x")
        let object = try #require(parseObject(JSONLines.alert(event)))
        #expect(object["type"] as? String == "alert")
        #expect(object["at"] as? String == "2026-11-20T09:03:11Z")
        #expect(object["rule"] as? String == "headroom_low")
        #expect(object["state"] as? String == "firing")
        #expect(object["severity"] as? String == "critical")
        #expect(object["bucket"] as? String == "sonnet-4.x")
        #expect(object["dimension"] as? String == "input_tokens")
        #expect((object["value"] as? NSNumber)?.doubleValue == 0.04)
        #expect((object["threshold"] as? NSNumber)?.doubleValue == 0.05)
        #expect(object["summary"] as? String == "ITPM headroom 4% on sonnet-4.x")
    }

    @Test func stringsAreEscaped() throws {
        let h = EngineHarness(table: try Self.table())
        let odd = "model \"quoted\" \\ back\nslash\t\u{01} é"
        h.ingest([h.event(creditEra, model: odd, input: 1)])
        let object = try #require(parseObject(JSONLines.state(h.engine.state(at: creditEra), malformedLines: 0, lateLines: 0)))
        let bucket = try #require((object["buckets"] as? [[String: Any]])?.first)
        #expect(bucket["models"] as? [String] == [odd])
        let summary = try #require(parseObject(JSONLines.summary(h.engine.summary(from: nil, to: nil), from: nil, to: nil,
                                                                 counts: .init(lines: 1, malformedLines: 0, duplicatesSkipped: 0),
                                                                 alerts: (fired: 0, byRule: [:]))))
        #expect((summary["buckets"] as? [[String: Any]])?.first?["models"] as? [String] == [odd])
    }

    static let numbers: [(Double, Int, String)] = [
        (41.25, 1, "41.3"), (12000.4, 0, "12000"), (3, 1, "3"), (0.80999, 4, "0.81"), (-2.5, 1, "-2.5"),
        (.nan, 2, "null"), (.infinity, 1, "null"), (1e20, 0, "1e+20"),
    ]

    @Test(arguments: numbers)
    func numberFormatting(value: Double, decimals: Int, expected: String) {
        let text = JSONObjectWriter.format(value, decimals: decimals)
        #expect(text == expected)
        #expect((try? JSONSerialization.jsonObject(with: Data("[\(text)]".utf8))) != nil)
    }
}

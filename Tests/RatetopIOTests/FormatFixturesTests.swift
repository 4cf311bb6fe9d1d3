import Foundation
import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopIO

/// Every variant of issue 11 as a small file under `Tests/Fixtures/formats/`, with what a replay
/// of it must report written beside it (`<name>.expect.json`: the variant, where its shape comes
/// from, and the expected summary and bucket fields, computed by hand). One test over all.
@Suite(.tags(.unit)) struct FormatFixturesTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/formats")

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".expect.json") }.map { String($0.dropLast(".expect.json".count)) }.sorted()
    }

    @Test func theCorpusHasEveryVariant() {
        #expect(Self.names.count >= 12, "\(Self.names)")
    }

    @Test(arguments: names)
    func fixtureReplaysToItsExpectedTotals(_ name: String) throws {
        let expectPath = Self.directory.appendingPathComponent(name + ".expect.json").path
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: expectPath))) as? [String: Any])
        #expect(expected["shape_from"] is String, "\(name): say where its shape comes from")
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasPrefix(name + ".") && !$0.hasSuffix(".expect.json") }
        let input = try #require(files.first.map { Self.directory.appendingPathComponent($0).path }, "\(name): no input file")
        if expected["kind"] as? String == "limits" {
            try checkLimits(input, expected)
            return
        }
        let tier = (expected["args"] as? [String: Any])?["tier"] as? String
        let output = try replay([input], tier: tier ?? "tier2")
        let summary = try #require(output.summary, "\(name): no summary")
        // Every line not used is explained: skipped_lines has every reason, zero or not.
        let skipped = try #require(summary["skipped_lines"] as? [String: Any])
        #expect(Set(skipped.keys) == Set(SkipReason.allCases.map(\.key)))
        for (key, value) in expected["summary"] as? [String: Any] ?? [:] {
            if key == "skipped_lines", let reasons = value as? [String: Any] {
                for reason in SkipReason.allCases {
                    #expect(int(skipped[reason.key]) == int(reasons[reason.key]) ?? 0, "\(name): skipped_lines.\(reason.key)")
                }
            } else {
                Self.match(summary[key], value, "\(name): \(key)")
            }
        }
        let buckets = try #require(expected["buckets"] as? [String: Any])
        #expect(Set(output.summaryBuckets.compactMap { $0["bucket"] as? String }) == Set(buckets.keys), "\(name): buckets")
        for (id, fields) in buckets {
            guard let actual = output.summaryBucket(id), let fields = fields as? [String: Any] else { continue }
            for (key, value) in fields { Self.match(actual[key], value, "\(name): \(id).\(key)") }
        }
    }

    func checkLimits(_ path: String, _ expected: [String: Any]) throws {
        let table = try BundledLimitsTable.load(userFile: path)
        for (classID, values) in expected["organization_limits"] as? [String: [Int]] ?? [:] {
            #expect(table.organizationLimits[classID] == PerDimension(requests: values[0], inputTokens: values[1], outputTokens: values[2]))
        }
        #expect(table.organizationLimits.count == (expected["organization_limits"] as? [String: Any])?.count)
        #expect(table.otherLimits.map(\.kind) == expected["other_limits"] as? [String])
    }

    /// Numbers within 1e-4 (the summary rounds costs to 4 places), objects field by field,
    /// null as null.
    static func match(_ actual: Any?, _ expected: Any, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        switch expected {
        case is NSNull:
            #expect(actual == nil || actual is NSNull, "\(what): \(String(describing: actual)) is not null", sourceLocation: sourceLocation)
        case let object as [String: Any]:
            guard let actualObject = actual as? [String: Any] else {
                Issue.record("\(what): \(String(describing: actual)) is not an object", sourceLocation: sourceLocation)
                return
            }
            for (key, value) in object { match(actualObject[key], value, "\(what).\(key)", sourceLocation: sourceLocation) }
        case let number as NSNumber where !(expected is String):
            guard let value = double(actual) else {
                Issue.record("\(what): \(String(describing: actual)) is not \(number)", sourceLocation: sourceLocation)
                return
            }
            #expect(abs(value - number.doubleValue) < 1e-4, "\(what): \(value) is not \(number)", sourceLocation: sourceLocation)
        case let array as [Any]:
            #expect((actual as? [Any]).map { "\($0)" } == "\(array)", "\(what)", sourceLocation: sourceLocation)
        default:
            #expect(actual.map { "\($0)" } == "\(expected)", "\(what): \(String(describing: actual)) is not \(expected)",
                    sourceLocation: sourceLocation)
        }
    }
}

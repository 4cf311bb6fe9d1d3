import Foundation
import RatetopCore
import Testing
@testable import RatetopIO
import RatetopTestSupport

/// A saved usage report as `curl ... | jq .` leaves it: one JSON document over many lines.
@Suite(.tags(.unit)) struct UsageReportDocumentTests {
    static let document = """
    {
      "data": [
        {
          "starting_at": "2026-11-20T09:00:00Z",
          "ending_at": "2026-11-20T09:01:00Z",
          "results": [
            {"uncached_input_tokens": 1200, "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 0},
             "cache_read_input_tokens": 5000, "output_tokens": 90, "model": "claude-sonnet-4-5-20250929"}
          ]
        },
        {
          "starting_at": "2026-11-20T09:01:00Z",
          "ending_at": "2026-11-20T09:02:00Z",
          "results": [
            {"uncached_input_tokens": 800, "cache_creation": null, "cache_read_input_tokens": 0, "output_tokens": 40,
             "model": "claude-haiku-4-5-20251001"}
          ]
        }
      ],
      "has_more": false,
      "next_page": null
    }
    """

    @Test func aPrettyPrintedReportIsReadAsOneDocument() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("report.json", Self.document + "\n")
        let output = try replay([path], tier: "tier2")
        #expect(output.diagnostics.malformedLines == 0, "\(output.diagnostics.messages)")
        let sonnet = try #require(output.summaryBucket("sonnet-4.x"))
        let tokens = try #require(sonnet["tokens"] as? [String: Any])
        #expect(int(tokens["input"]) == 1200)
        #expect(int(tokens["cache_creation"]) == 300)
        #expect(int(tokens["cache_read"]) == 5000)
        #expect(int(tokens["output"]) == 90)
        #expect(int(sonnet["requests"]) == 0, "a usage report has no request counts")
        #expect(int((output.summaryBucket("haiku-4.5")?["tokens"] as? [String: Any])?["output"]) == 40)
    }

    @Test func aBrokenDocumentIsReportedNotSilentlyDropped() throws {
        let directory = TemporaryDirectory()
        let cut = String(Self.document.prefix(Self.document.count / 2))
        let path = directory.write("cut.json", cut + "\n")
        let output = try replay([path], tier: "tier2")
        #expect(output.diagnostics.malformedLines == 1)
        #expect(output.diagnostics.messages.first?.hasPrefix("\(path):1: usage report document:") == true,
                "\(output.diagnostics.messages)")
    }
}

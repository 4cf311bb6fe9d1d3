import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct UsageReportDecoderTests {
    static func decoder(_ models: ModelCatalog) -> UsageReportDecoder { UsageReportDecoder(models: models) }

    @Test func pagePerLineGivesOneEventPerBucketAndResultSortedByEnd() {
        // The second bucket is listed first, and its results come before its times.
        let result = run("""
        {"data":[{"results":[{"uncached_input_tokens":50,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"cache_read_input_tokens":0,"output_tokens":5,"model":"claude-haiku-4-5","service_tier":"batch"}],"starting_at":"2026-11-20T09:01:00Z","ending_at":"2026-11-20T09:02:00Z"},{"starting_at":"2026-11-20T09:00:00Z","ending_at":"2026-11-20T09:01:00Z","results":[{"uncached_input_tokens":1622,"cache_creation":{"ephemeral_1h_input_tokens":100,"ephemeral_5m_input_tokens":200},"cache_read_input_tokens":12000,"output_tokens":102,"server_tool_use":{"web_search_requests":0},"model":"claude-sonnet-4-5-20250929","workspace_id":null,"api_key_id":null,"context_window":"0-200k"},{"uncached_input_tokens":10,"cache_creation":null,"cache_read_input_tokens":null,"output_tokens":1,"model":"claude-opus-4-7"}]}],"has_more":true,"next_page":"page_2"}
        {"data":[],"has_more":false,"next_page":null}
        """, Self.decoder)
        #expect(result.outcomes == [.decoded, .ignored])
        #expect(result.events.count == 3)
        #expect(result.totalRequests == 0)
        #expect(result.events.allSatisfy { $0.requests == 0 && $0.status == 200 && !$0.hasHeaders })
        #expect(result.events.map(\.end) == [epoch("2026-11-20T09:01:00Z"), epoch("2026-11-20T09:01:00Z"),
                                             epoch("2026-11-20T09:02:00Z")])
        #expect(result.events.last?.start == epoch("2026-11-20T09:01:00Z"))
        #expect(result.events.last?.isBatch == true)
        #expect(result.events.last.map(result.model) == "claude-haiku-4-5")
        #expect(result.totalUsage == Usage(inputTokens: 1682, cacheCreationInputTokens: 300, cacheCreation1hInputTokens: 100,
                                           cacheReadInputTokens: 12000, outputTokens: 108))
    }

    @Test func reportNotGroupedByModelIsMalformedOncePerLine() {
        let result = run("""
        {"data":[{"starting_at":"2026-11-20T09:00:00Z","ending_at":"2026-11-20T09:01:00Z","results":[{"uncached_input_tokens":5,"output_tokens":1,"model":null},{"uncached_input_tokens":6,"output_tokens":1}]}],"has_more":false}
        """, Self.decoder)
        #expect(result.events.isEmpty)
        #expect(result.malformed == ["usage report not grouped by model (add group_by[]=model)"])
    }

    static let brokenLines: [(String, String)] = [
        (#"{"data":[{"starting_at":"2026-11-20T09:00:00Z","#, "truncated"),
        (#"{"type":"error","error":{"type":"authentication_error"}}"#, "no data array"),
        (#"{"data":[{"starting_at":"soon","ending_at":"2026-11-20T09:01:00Z","results":[]}]}"#, "starting_at: not an RFC 3339"),
        (#"{"data":[{"results":[{"model":"m","output_tokens":1}]}]}"#, "without starting_at"),
        (#"{"data":[{"starting_at":"2026-11-20T09:00:00Z","ending_at":"2026-11-20T09:01:00Z","results":[{"model":"m","output_tokens":-1}]}]}"#, "negative"),
        (#"{"#, "truncated"),
    ]

    @Test(arguments: brokenLines)
    func brokenLinesAreMalformedWithAReason(_ line: String, _ reason: String) {
        let result = run(line, Self.decoder)
        #expect(result.events.isEmpty)
        #expect(result.malformed.first?.contains(reason) == true, "\(result.malformed)")
    }

    static func document(_ text: String) -> ([Exchange], LineOutcome, ModelCatalog) {
        let models = ModelCatalog()
        var bytes = Array(text.utf8)
        let (events, outcome) = bytes.withUnsafeMutableBytes {
            UsageReportDecoder.decodeDocument(UnsafeRawBufferPointer($0), origin: LineOrigin(source: 2, line: 1), models: models)
        }
        return (events, outcome, models)
    }

    static let prettyPage = """
    {
      "data": [
        {
          "starting_at": "2026-11-20T09:01:00Z",
          "ending_at": "2026-11-20T09:02:00Z",
          "results": [
            {
              "uncached_input_tokens": 700,
              "cache_creation": { "ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 40 },
              "cache_read_input_tokens": 9000,
              "output_tokens": 80,
              "model": "claude-sonnet-4-5-20250929"
            }
          ]
        },
        {
          "starting_at": "2026-11-20T09:00:00Z",
          "ending_at": "2026-11-20T09:01:00Z",
          "results": [
            { "uncached_input_tokens": 300, "cache_read_input_tokens": 1000, "output_tokens": 20, "model": "claude-sonnet-4-5-20250929" }
          ]
        }
      ],
      "has_more": false,
      "next_page": null
    }
    """

    @Test func prettyPrintedDocument() {
        let (events, outcome, models) = Self.document(Self.prettyPage)
        #expect(outcome == .decoded)
        #expect(events.count == 2)
        #expect(events.map(\.end) == [epoch("2026-11-20T09:01:00Z"), epoch("2026-11-20T09:02:00Z")])
        #expect(events.map(\.usage.inputTokens) == [300, 700])
        #expect(events.map(\.usage.cacheCreationInputTokens) == [0, 40])
        #expect(events.allSatisfy { $0.requests == 0 && models.name($0.model) == "claude-sonnet-4-5-20250929" })
        #expect(events.first?.origin == LineOrigin(source: 2, line: 1))
    }

    @Test func concatenatedAndArrayDocuments() {
        let two = Self.document(Self.prettyPage + "\n" + Self.prettyPage)
        #expect(two.1 == .decoded)
        #expect(two.0.count == 4)
        #expect(two.0.map(\.end) == two.0.map(\.end).sorted())
        let array = Self.document("[" + Self.prettyPage + ",\n" + Self.prettyPage + "]")
        #expect(array.1 == .decoded)
        #expect(array.0.count == 4)
        let empty = Self.document(#"{"data":[],"has_more":false}"#)
        #expect(empty.1 == .ignored)
    }

    @Test func aTruncatedLastPageKeepsTheEarlierPages() {
        let text = Self.prettyPage + "\n" + Self.prettyPage.prefix(200)
        let (events, outcome, _) = Self.document(String(text))
        #expect(events.count == 2)
        guard case .malformed(let reason) = outcome else {
            Issue.record("expected malformed, got \(outcome)")
            return
        }
        #expect(reason.hasPrefix("page 2: truncated"))
    }
}

import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct LogFormatDetectorTests {
    static func detect(_ text: String) -> LogFormat? {
        LogFormatDetector.detect(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.utf8) })
    }

    static let samples: [(String, LogFormat?)] = [
        ("""
        {"ts":"2026-11-20T09:00:02.422Z","latency_ms":2099,"model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":1622,"output_tokens":102}}
        {"ts":"2026-11-20T09:00:03.000Z","model":"claude-sonnet-4-5-20250929","status":429,"error":{"type":"rate_limit_error","message":"x"}}
        """, .exchange),
        ("""
        {"type":"summary","summary":"Build fixes","leafUuid":"c1"}
        {"parentUuid":null,"isSidechain":false,"type":"user","message":{"role":"user","content":"hi"},"uuid":"u1","timestamp":"2026-09-03T07:39:00Z","sessionId":"s1"}
        {"type":"assistant","timestamp":"2026-09-03T07:39:02.837Z","requestId":"req_1","sessionId":"s1","message":{"id":"msg_1","model":"claude-sonnet-4-6","usage":{"input_tokens":3,"output_tokens":1}},"uuid":"u2"}
        """, .claudeCode),
        ("""
        {"id":"c1","call_type":"acompletion","status":"success","model":"anthropic/claude-sonnet-4-5","model_group":"sonnet","startTime":1763629200.1,"endTime":1763629202.4,"prompt_tokens":10,"completion_tokens":2,"metadata":{}}
        {"request_id":"r2","startTime":"2026-11-20T09:00:00Z","endTime":"2026-11-20T09:00:01Z","model":"claude-haiku-4-5","spend":0.1,"prompt_tokens":5,"completion_tokens":1,"status":"success"}
        """, .litellm),
        ("""
        {"data":[{"starting_at":"2026-11-20T09:00:00Z","ending_at":"2026-11-20T09:01:00Z","results":[{"uncached_input_tokens":1,"output_tokens":1,"model":"m"}]}],"has_more":true,"next_page":"p2"}
        {"data":[],"has_more":false,"next_page":null}
        """, .usageReport),
        ("""
        {
          "data": [
            {
              "starting_at": "2026-11-20T09:00:00Z",
              "ending_at": "2026-11-20T09:01:00Z",
              "results": [
        """, .usageReport),
        // Majority vote: one stray exchange line among transcript lines.
        ("""
        {"ts":"2026-11-20T09:00:02Z","status":200,"model":"m"}
        {"type":"user","message":{"role":"user","content":"a"},"sessionId":"s"}
        {"type":"assistant","message":{"id":"m","model":"claude-sonnet-4-6"},"sessionId":"s"}

        {"type":"assistant","message":{"id":"m","model":"claude-sonnet-4-6"},"sessionId":"s
        """, .claudeCode),
        ("""
        GET /v1/messages 200
        not json
        {"hello":"world"}
        [1,2,3]
        """, nil),
        ("", nil),
        ("\n\n   \n", nil),
    ]

    @Test(arguments: samples)
    func detectsEachFormat(_ text: String, _ expected: LogFormat?) {
        #expect(Self.detect(text) == expected)
    }

    @Test func decidesOnTheFirstTwentyLinesThatCanDecideUpToTwoHundred() {
        let unknown = #"{"event":"tick"}"#
        let transcript = #"{"type":"assistant","timestamp":"2026-11-20T09:00:00Z","message":{"id":"m","model":"claude-sonnet-4-6"}}"#
        let exchange = #"{"ts":"2026-11-20T09:00:02Z","status":200,"model":"m"}"#
        // 150 lines that decide nothing, 20 transcript lines, then 100 exchange lines: the
        // transcript lines decide (the exchange lines come after the decision).
        let text = (Array(repeating: unknown, count: 150) + Array(repeating: transcript, count: 20)
                    + Array(repeating: exchange, count: 100)).joined(separator: "\n")
        #expect(Self.detect(text) == .claudeCode)
        // Past 200 lines nothing is looked at.
        #expect(Self.detect((Array(repeating: unknown, count: 200) + [transcript]).joined(separator: "\n")) == nil)
    }

    @Test(arguments: [
        #"{"type":"queue-operation","operation":"enqueue","timestamp":"2026-11-20T09:00:00Z","sessionId":"s1"}"#,
        #"{"type":"file-history-snapshot","messageId":"m1","snapshot":{},"isSnapshotUpdate":false}"#,
        #"{"type":"progress","data":{"type":"hook_progress"},"toolUseID":"t1"}"#,
        #"{"timestamp":"2026-11-20T09:00:00Z","message":{"id":"m","model":"claude-sonnet-4-6","usage":{"input_tokens":1}}}"#,
    ])
    func claudeCodesOwnLineTypesAndLinesWithoutTypeAreTranscriptLines(_ line: String) {
        #expect(Self.detect(line) == .claudeCode)
    }

    @Test func aTypeOfAnotherProducerDecidesNothing() {
        #expect(Self.detect(#"{"type":"state","at":"2026-11-20T09:00:00Z","buckets":[]}"#) == nil)
    }

    @Test func looksAtTheFirstTwentyNonEmptyLinesOnly() {
        let exchange = #"{"ts":"2026-11-20T09:00:02Z","status":200,"model":"m"}"#
        let litellm = #"{"startTime":1,"endTime":2,"model":"m","prompt_tokens":1}"#
        let text = Array(repeating: exchange, count: 20).joined(separator: "\n\n") + "\n"
            + Array(repeating: litellm, count: 30).joined(separator: "\n")
        #expect(Self.detect(text) == .exchange)
    }

    @Test func classifiesACutShortLineByTheKeysBeforeTheCut() {
        var bytes = Array(#"{"ts":"2026-11-20T09:00:02Z","status":200,"usage":{"input_tok"#.utf8)
        let format = bytes.withUnsafeMutableBytes { LogFormatDetector.classify(UnsafeRawBufferPointer($0)) }
        #expect(format == .exchange)
    }
}

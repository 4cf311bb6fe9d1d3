import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct ClaudeCodeTranscriptDecoderTests {
    static func decoder(_ models: ModelCatalog) -> ClaudeCodeTranscriptDecoder {
        ClaudeCodeTranscriptDecoder(models: models)
    }

    @Test func streamedMessageKeepsTheFinalSnapshotOnce() {
        let result = run("""
        {"type":"user","timestamp":"2026-09-03T07:39:00.000Z","sessionId":"s1","uuid":"u0","message":{"role":"user","content":"hi"}}
        {"type":"assistant","timestamp":"2026-09-03T07:39:01.000Z","requestId":"req_A","sessionId":"s1","message":{"id":"msg_A","model":"claude-sonnet-4-6","usage":{"input_tokens":3,"cache_creation_input_tokens":1200,"cache_read_input_tokens":15000,"output_tokens":1}},"costUSD":0.01}
        {"type":"assistant","timestamp":"2026-09-03T07:39:02.000Z","requestId":"req_A","sessionId":"s1","message":{"id":"msg_A","model":"claude-sonnet-4-6","usage":{"input_tokens":3,"cache_creation_input_tokens":1200,"cache_read_input_tokens":15000,"output_tokens":1}}}
        {"type":"assistant","timestamp":"2026-09-03T07:39:09.500Z","requestId":"req_A","sessionId":"s1","message":{"id":"msg_A","model":"claude-sonnet-4-6","usage":{"input_tokens":3,"cache_creation_input_tokens":1200,"cache_read_input_tokens":15000,"output_tokens":412}}}
        """, Self.decoder)
        #expect(result.outcomes == [.ignored, .decoded, .duplicate, .duplicate])
        #expect(result.events.count == 1)
        #expect(result.totalRequests == 1)
        #expect(result.totalUsage == Usage(inputTokens: 3, cacheCreationInputTokens: 1200, cacheReadInputTokens: 15000,
                                           outputTokens: 412))
        let event = result.events.first
        #expect(event?.end == epoch("2026-09-03T07:39:09.500Z"))
        #expect(event?.start == event?.end)
        #expect(event?.status == 200)
        #expect(event?.hasHeaders == false)
        #expect(event.map(result.model) == "claude-sonnet-4-6")
        #expect(event?.origin.line == 4)
    }

    @Test func tiesKeepTheLatestSnapshotAndSmallerLaterSnapshotsLose() {
        let result = run("""
        {"type":"assistant","timestamp":"2026-09-03T07:39:01Z","requestId":"r1","message":{"id":"m1","model":"claude-opus-4-7","usage":{"input_tokens":10,"output_tokens":50}}}
        {"type":"assistant","timestamp":"2026-09-03T07:39:02Z","requestId":"r1","message":{"id":"m1","model":"claude-opus-4-7","usage":{"input_tokens":10,"output_tokens":50}}}
        {"type":"assistant","timestamp":"2026-09-03T07:39:03Z","requestId":"r1","message":{"id":"m1","model":"claude-opus-4-7","usage":{"input_tokens":10,"output_tokens":7}}}
        """, Self.decoder)
        #expect(result.events.count == 1)
        #expect(result.events.first?.usage.outputTokens == 50)
        #expect(result.events.first?.end == epoch("2026-09-03T07:39:02Z"))
    }

    @Test func exactTotalsOverSeveralMessagesAndASidechainThatRepeatsAMessageUnderAnotherRequest() {
        let result = run("""
        {"type":"assistant","timestamp":"2026-09-03T07:00:00Z","requestId":"r1","sessionId":"s","message":{"id":"m1","model":"claude-sonnet-4-6","usage":{"input_tokens":100,"cache_creation_input_tokens":20,"cache_read_input_tokens":300,"output_tokens":40,"cache_creation":{"ephemeral_1h_input_tokens":20,"ephemeral_5m_input_tokens":0}}}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:01Z","requestId":"r1","sessionId":"s","message":{"id":"m1","model":"claude-sonnet-4-6","usage":{"input_tokens":100,"cache_creation_input_tokens":20,"cache_read_input_tokens":300,"output_tokens":40,"cache_creation":{"ephemeral_1h_input_tokens":20,"ephemeral_5m_input_tokens":0}}}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:30Z","requestId":"r2","sessionId":"s","message":{"id":"m2","model":"claude-haiku-4-5","usage":{"input_tokens":7,"output_tokens":9,"service_tier":"standard"}}}
        {"type":"assistant","timestamp":"2026-09-03T07:01:00Z","requestId":"r3","sessionId":"s","message":{"id":"m2","model":"claude-haiku-4-5","usage":{"input_tokens":1,"output_tokens":2}}}
        {"type":"summary","summary":"Fixing the build","leafUuid":"abc"}
        """, Self.decoder)
        // m2 under r3 is m2 again (one message id, one response): its final snapshot, the larger, counts.
        #expect(result.outcomes == [.decoded, .duplicate, .decoded, .duplicate, .ignored])
        #expect(result.totalRequests == 2)
        #expect(result.totalUsage == Usage(inputTokens: 107, cacheCreationInputTokens: 20, cacheCreation1hInputTokens: 20,
                                           cacheReadInputTokens: 300, outputTokens: 49))
        #expect(result.events.map(\.end) == result.events.map(\.end).sorted())
    }

    @Test func syntheticRateLimitIsAttributedToTheSessionsLastModel() {
        let result = run("""
        {"type":"assistant","timestamp":"2026-09-03T07:00:00Z","requestId":"r1","sessionId":"s1","message":{"id":"m1","model":"claude-opus-4-7","usage":{"input_tokens":5,"output_tokens":5}}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:01Z","requestId":"r2","sessionId":"s2","message":{"id":"m2","model":"claude-haiku-4-5","usage":{"input_tokens":5,"output_tokens":5}}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:02Z","sessionId":"s1","uuid":"e1","isApiErrorMessage":true,"apiErrorStatus":429,"message":{"id":"x","model":"<synthetic>","usage":{"input_tokens":0,"output_tokens":0},"content":[{"type":"text","text":"API Error: 429 rate limit"}]}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:03Z","sessionId":"s1","uuid":"e2","isApiErrorMessage":true,"message":{"model":"<synthetic>","content":[{"type":"text","text":"API Error: Repeated 529 Overloaded errors"}]}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:04Z","sessionId":"s9","uuid":"e3","isApiErrorMessage":true,"error":"rate_limit","message":{"model":"<synthetic>","content":[]}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:05Z","sessionId":"s1","uuid":"e1","isApiErrorMessage":true,"apiErrorStatus":429,"message":{"model":"<synthetic>"}}
        """, Self.decoder)
        #expect(result.outcomes == [.decoded, .decoded, .decoded, .decoded, .decoded, .duplicate])
        let errors = result.events.filter { $0.status >= 400 }
        #expect(errors.count == 3)
        #expect(errors.map(result.model) == ["claude-opus-4-7", "claude-opus-4-7", "claude-haiku-4-5"])
        #expect(errors.map(\.status) == [429, 529, 429])
        #expect(errors.map(\.errorKind) == [.rateLimited, .overloaded, .rateLimited])
        #expect(errors.allSatisfy { $0.usage == .zero && $0.requests == 1 })
        #expect(errors.first?.isThrottled == true)
    }

    /// A used-up plan window is a subscription limit, not an API 429: apart from requests and
    /// the 429s, with the reset the older line carries (its epoch would otherwise read as "429").
    @Test func subscriptionLimitsAreNotAPIThrottling() {
        let result = run("""
        {"type":"assistant","timestamp":"2026-09-03T07:00:00Z","requestId":"r1","sessionId":"s1","message":{"id":"m1","model":"claude-opus-4-7","usage":{"input_tokens":5,"output_tokens":5}}}
        {"type":"assistant","timestamp":"2026-09-03T07:10:00Z","sessionId":"s1","uuid":"e1","isApiErrorMessage":true,"apiErrorStatus":429,"message":{"id":"x1","model":"<synthetic>","content":[{"type":"text","text":"You've hit your session limit · resets 3pm (Europe/Berlin)"}],"usage":{"input_tokens":0,"output_tokens":0}}}
        {"type":"assistant","timestamp":"2026-09-03T07:20:00Z","sessionId":"s1","uuid":"e2","message":{"id":"x2","model":"<synthetic>","content":[{"type":"text","text":"Claude AI usage limit reached|1788429600"}],"usage":{"input_tokens":0,"output_tokens":0}}}
        {"type":"assistant","timestamp":"2026-09-03T07:30:00Z","sessionId":"s1","uuid":"e3","isApiErrorMessage":true,"apiErrorStatus":429,"message":{"id":"x3","model":"<synthetic>","content":[{"type":"text","text":"API Error: 429 rate_limit_error"}]}}
        """, Self.decoder)
        #expect(result.outcomes == [.decoded, .decoded, .decoded, .decoded])
        let limits = result.events.filter { $0.errorKind == .subscriptionLimit }
        #expect(limits.count == 2)
        #expect(limits.allSatisfy { !$0.isThrottled && $0.requests == 0 && result.model($0) == "claude-opus-4-7" })
        #expect(limits.map(\.retryAfter) == [-1, 1_788_429_600 - epoch("2026-09-03T07:20:00Z")])
        let throttled = result.events.filter(\.isThrottled)
        #expect(throttled.count == 1)
        #expect(throttled.first?.errorKind == .rateLimited)
    }

    @Test func apiErrorBeforeAnyModelOrWithoutStatus() {
        let result = run("""
        {"type":"assistant","timestamp":"2026-09-03T07:00:00Z","sessionId":"s1","isApiErrorMessage":true,"apiErrorStatus":429,"message":{"model":"<synthetic>"}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:01Z","sessionId":"s1","isApiErrorMessage":true,"message":{"model":"<synthetic>","content":[{"type":"text","text":"API Error: Request timed out."}]}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:02Z","sessionId":"s1","message":{"model":"<synthetic>","usage":{"input_tokens":0,"output_tokens":0},"content":[{"type":"text","text":"No response requested."}]}}
        """, Self.decoder)
        #expect(result.events.isEmpty)
        #expect(result.outcomes.count == 3)
        // Kept until a line of the session names a model; none did: said at the end, on its line.
        #expect(result.outcomes[0] == .decoded && result.malformed.isEmpty)
        #expect(result.problems.map(\.line) == [1])
        #expect(result.problems.first?.reason.contains("before any model") == true)
        #expect(result.outcomes[1] == .ignored)
        #expect(result.outcomes[2] == .ignored)
    }

    /// A session whose first call is refused: the 429 comes before any line names a model, and
    /// belongs to the model its retry names (another session's errors wait for their own).
    @Test func aSessionsFirstCallRefusedIsItsModelsOnceARetryNamesIt() {
        let result = run("""
        {"type":"user","timestamp":"2026-09-03T07:00:00Z","sessionId":"s1","uuid":"u1","message":{"role":"user","content":"go"}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:01Z","sessionId":"s1","uuid":"e1","isApiErrorMessage":true,"apiErrorStatus":429,"error":"rate_limit","message":{"model":"<synthetic>"}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:02Z","sessionId":"s2","uuid":"e2","isApiErrorMessage":true,"apiErrorStatus":529,"message":{"model":"<synthetic>"}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:05Z","sessionId":"s1","uuid":"e3","isApiErrorMessage":true,"apiErrorStatus":429,"error":"rate_limit","message":{"model":"<synthetic>"}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:06Z","sessionId":"s4","uuid":"e4","isApiErrorMessage":true,"apiErrorStatus":429,"error":"rate_limit","message":{"model":"<synthetic>"}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:07Z","sessionId":"s4","uuid":"e5","isApiErrorMessage":true,"apiErrorStatus":429,"error":"rate_limit","message":{"model":"claude-sonnet-4-5-20250929"}}
        {"type":"assistant","timestamp":"2026-09-03T07:00:09Z","sessionId":"s1","uuid":"a1","message":{"id":"m1","model":"claude-haiku-4-5-20251001","usage":{"input_tokens":10,"output_tokens":5}}}
        {"type":"assistant","timestamp":"2026-09-03T07:01:00Z","sessionId":"s3","uuid":"a2","message":{"id":"m2","model":"claude-opus-4-1-20250805","usage":{"input_tokens":10,"output_tokens":5}}}
        """, Self.decoder)
        #expect(result.malformed.isEmpty && result.problems.isEmpty)
        let throttled = result.events.filter(\.isThrottled)
        // s4's first 429 is the model its next error line names (an error line naming a model counts too).
        #expect(throttled.map { result.model($0) } == ["claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001",
                                                       "claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"])
        #expect(throttled.map(\.end) == throttled.map(\.end).sorted())
        // s2 never named a model: at the end it is the last model seen.
        let overloaded = result.events.filter(\.isOverloaded)
        #expect(overloaded.map { result.model($0) } == ["claude-opus-4-1-20250805"])
        #expect(result.events.count == 7)
    }

    static let otherLines: [String] = [
        #"{"type":"user","timestamp":"2026-09-03T07:00:00Z","message":{"role":"user","content":"hello"}}"#,
        #"{"type":"summary","summary":"x","leafUuid":"y"}"#,
        #"{"type":"system","timestamp":"2026-09-03T07:00:00Z","content":"compacted","level":"info"}"#,
        #"{"type":"file-history-snapshot","messageId":"m","snapshot":{}}"#,
        #"{"type":null,"message":null}"#,
        #"{"type":"assistant","timestamp":"2026-09-03T07:00:00Z","message":{"id":"m","model":"claude-sonnet-4-6","usage":null}}"#,
        #"{"type":"assistant","timestamp":"2026-09-03T07:00:00Z","message":null}"#,
        #"{}"#,
    ]

    @Test(arguments: otherLines)
    func linesWithoutUsageAreIgnored(_ line: String) {
        let result = run(line, Self.decoder)
        #expect(result.outcomes == [.ignored])
        #expect(result.events.isEmpty)
    }

    static let brokenLines: [(String, String)] = [
        (#"{"type":"assistant","timestamp":"2026-09-03T07:00:00Z","message":{"id":"m","model":"claude-sonn"#, "truncated"),
        (#"not json at all"#, "not a JSON object"),
        (#"{"type":"assistant" "message":{}}"#, "expected ','"),
        (#"{"type" "assistant"}"#, "expected ':'"),
        (#"{"type":"assistant","message":{"id":"m","model":"claude-sonnet-4-6","usage":{"output_tokens":3}}}"#, "without a timestamp"),
        (#"{"type":"assistant","timestamp":"yesterday","message":{"id":"m","model":"claude-sonnet-4-6","usage":{"output_tokens":3}}}"#, "RFC 3339"),
        (#"{"type":"assistant","timestamp":"2026-09-03T07:00:00Z","message":{"id":"m","model":"claude-sonnet-4-6","usage":{"output_tokens":-3}}}"#, "negative"),
        (#"{"type":"user"} trailing"#, "after the closing brace"),
        (#"{"type":"assistant","message":{"id":"m","model":"claude-sonnet-4-6","usage":{"output_tokens":3}},"session_id":"s1","parent_tool_use_id":null}"#,
         "a `claude -p` output line carries no time"),
    ]

    @Test(arguments: brokenLines)
    func brokenLinesAreMalformedWithAReason(_ line: String, _ reason: String) {
        let result = run(line, Self.decoder)
        #expect(result.events.isEmpty)
        #expect(result.malformed.count == 1)
        #expect(result.malformed.first?.contains(reason) == true, "\(result.malformed)")
    }

    @Test func sharedMemorySkipsMessagesRewrittenByAResumedSession() {
        let models = ModelCatalog()
        let memory = TranscriptDedupMemory(capacity: 16)
        let original = lines("""
        {"type":"assistant","timestamp":"2026-09-03T07:00:00Z","requestId":"r1","sessionId":"a","message":{"id":"m1","model":"claude-sonnet-4-6","usage":{"input_tokens":10,"output_tokens":20}}}
        """)
        let resumed = lines("""
        {"type":"assistant","timestamp":"2026-09-03T07:00:00Z","requestId":"r1","sessionId":"b","message":{"id":"m1","model":"claude-sonnet-4-6","usage":{"input_tokens":10,"output_tokens":20}}}
        {"type":"assistant","timestamp":"2026-09-03T08:00:00Z","requestId":"r2","sessionId":"b","message":{"id":"m2","model":"claude-sonnet-4-6","usage":{"input_tokens":1,"output_tokens":2}}}
        """)
        var first = ClaudeCodeTranscriptDecoder(models: models, memory: memory)
        var second = ClaudeCodeTranscriptDecoder(models: models, memory: memory)
        let a = run(&first, original, models: models)
        let b = run(&second, resumed, models: models, source: 1)
        #expect(a.events.count == 1)
        #expect(b.outcomes == [.duplicate, .decoded])
        #expect(b.events.map(\.usage.outputTokens) == [2])
        #expect(memory.count == 2)
    }

    @Test func dedupMemoryForgetsKeysOlderThanItsWindowBehindTheNewest() {
        let memory = TranscriptDedupMemory(window: 3600)
        memory.insert(1, at: 0)
        memory.insert(2, at: 1800)
        #expect(memory.contains(1) && memory.contains(2))
        memory.insert(3, at: 3601)
        #expect(!memory.contains(1), "an hour and a second behind the newest: forgotten")
        #expect(memory.contains(2) && memory.contains(3))
        #expect(memory.count == 2)
        // A copy decoded within the window of its original is still a duplicate.
        #expect(memory.insert(2, at: 1800) == false)
    }

    @Test func dedupMemoryForgetsTheOldestWhenFull() {
        let memory = TranscriptDedupMemory(capacity: 3)
        for key: UInt64 in 1...4 { memory.insert(key) }
        #expect(memory.count == 3)
        #expect(!memory.contains(1))
        #expect(memory.contains(2) && memory.contains(4))
        #expect(memory.insert(4) == false)
    }

    @Test func pendingMessagesAreReleasedByLogTimeAndBounded() {
        let models = ModelCatalog()
        var decoder = ClaudeCodeTranscriptDecoder(models: models, holdSeconds: 5, maxPending: 2)
        var events: [Exchange] = []
        func feed(_ line: String, _ number: Int) {
            var bytes = Array(line.utf8)
            _ = bytes.withUnsafeMutableBytes {
                decoder.decode(line: UnsafeRawBufferPointer($0), origin: LineOrigin(source: 0, line: number), into: &events)
            }
            decoder.flush(into: &events, final: false)
        }
        func assistant(_ id: String, _ time: String, _ output: Int) -> String {
            #"{"type":"assistant","timestamp":"2026-09-03T07:00:\#(time)Z","requestId":"r\#(id)","message":{"id":"m\#(id)","model":"claude-sonnet-4-6","usage":{"input_tokens":1,"output_tokens":\#(output)}}}"#
        }
        feed(assistant("1", "00", 1), 1)
        #expect(events.isEmpty && decoder.pendingCount == 1)
        feed(assistant("1", "02", 30), 2)  // same key: still held
        #expect(events.isEmpty)
        feed(#"{"type":"user","timestamp":"2026-09-03T07:00:04Z"}"#, 3)  // newer line, but only 2 s later
        #expect(events.isEmpty)
        feed(#"{"type":"user","timestamp":"2026-09-03T07:00:07Z"}"#, 4)  // 5 s after the last snapshot
        #expect(events.map(\.usage.outputTokens) == [30])
        // Bounded: a third pending message pushes the oldest out even without time passing.
        feed(assistant("2", "10", 1), 5)
        feed(assistant("3", "10", 1), 6)
        feed(assistant("4", "10", 1), 7)
        #expect(events.count == 2)
        #expect(decoder.pendingCount == 2)
        decoder.flush(into: &events, final: true)
        #expect(events.count == 4)
        #expect(decoder.pendingCount == 0)
    }
}

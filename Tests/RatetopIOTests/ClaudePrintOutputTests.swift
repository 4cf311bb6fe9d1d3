import Foundation
import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopIO

/// `claude -p` output carries no time: a followed file's lines are placed when they arrive, what
/// it held at start at its modification time; a replay places a file's at its modification time.
@Suite(.tags(.unit)) struct ClaudePrintOutputTests {
    static func assistant(_ id: String, output: Int) -> String {
        #"{"type":"assistant","message":{"id":"\#(id)","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":5,"output_tokens":\#(output)}},"parent_tool_use_id":null,"session_id":"s-1"}"#
    }

    static let result = #"{"type":"result","subtype":"success","is_error":false,"duration_api_ms":4000,"num_turns":3,"session_id":"s-2","modelUsage":{"claude-haiku-4-5-20251001":{"inputTokens":900,"outputTokens":70,"cacheReadInputTokens":0,"cacheCreationInputTokens":0}}}"#

    @Test func aFollowedFileStampsLinesWhenTheyArrive() throws {
        let directory = TemporaryDirectory()
        let modified = 1_795_165_000.0
        let path = directory.write("run.jsonl", Self.assistant("m1", output: 40) + "\n")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: modified)], ofItemAtPath: path)
        let diagnostics = Diagnostics()
        let live = try LiveSources(arguments: [path], format: nil, models: ModelCatalog(), diagnostics: diagnostics)
        var events: [Exchange] = []
        let now = modified + 600
        live.poll(now: now, into: &events)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data((Self.assistant("m2", output: 60) + "\n" + Self.result + "\n").utf8))
        try handle.close()
        live.poll(now: now + 30, into: &events)
        live.poll(now: now + 60, into: &events)  // idle: the decoder gives up what it holds
        #expect(diagnostics.malformedLines == 0)
        // The history at the file's modification time, the new lines when they were read; the
        // result of another session (no assistant lines read for it) is its own run.
        #expect(events.map { $0.end - modified }.sorted() == [0, 630, 630], "\(events.map(\.end))")
        #expect(events.map(\.usage.outputTokens).sorted() == [40, 60, 70])
        let run = try #require(events.first { $0.usage.outputTokens == 70 })
        #expect(run.requests == 3 && run.end - run.start == 4)
        #expect(diagnostics.messages.contains { $0.contains("claude -p") }, "\(diagnostics.messages)")
    }

    @Test func aResultAfterItsAssistantLinesCountsOnce() {
        var decoder = ClaudeCodeTranscriptDecoder(models: ModelCatalog())
        decoder.untimedLineTime = 1_800_000_000
        var events: [Exchange] = []
        var outcomes: [LineOutcome] = []
        let lines = [Self.assistant("m1", output: 40),
                     #"{"type":"result","duration_api_ms":900,"num_turns":1,"session_id":"s-1","modelUsage":{"claude-sonnet-4-5-20250929":{"inputTokens":5,"outputTokens":40}}}"#]
        for line in lines {
            var bytes = Array(line.utf8)
            outcomes.append(bytes.withUnsafeMutableBytes {
                decoder.decode(line: UnsafeRawBufferPointer($0), origin: LineOrigin(source: 0, line: 1), into: &events)
            })
        }
        decoder.flush(into: &events, final: true)
        #expect(outcomes == [.decoded, .duplicate])
        #expect(events.count == 1 && events.first?.end == 1_800_000_000)
        #expect(decoder.placedUntimedLines == 2)
    }
}

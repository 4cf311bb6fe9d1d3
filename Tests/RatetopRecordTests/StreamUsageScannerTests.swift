import Foundation
import RatetopFakeUpstream
import Testing
@testable import RatetopRecord
import RatetopTestSupport

@Suite(.tags(.unit)) struct StreamUsageScannerTests {
    static func scan(_ text: String, pieces size: Int) -> StreamUsageScanner {
        var scanner = StreamUsageScanner()
        feedInPieces(text, size: size) { scanner.feed($0) }
        scanner.finish()
        return scanner
    }

    static func text(_ usage: UsageObject) -> String {
        var out: [UInt8] = []
        usage.append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static let stream = """
    event: message_start
    data: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5-20250929","content":[],"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":1}}}

    event: content_block_delta
    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"usage: {\\"output_tokens\\": 999}"}}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":7}}

    event: message_delta
    data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15,"cache_read_input_tokens":null}}

    event: message_stop
    data: {"type":"message_stop"}


    """

    @Test(arguments: [1, 2, 13, 100, 100_000])
    func lastCumulativeDeltaWinsOverMessageStart(size: Int) {
        let scanner = Self.scan(Self.stream, pieces: size)
        #expect(scanner.model == "claude-sonnet-4-5-20250929")
        // output_tokens is the last delta's (15, never 1 + 7 + 15); a null does not erase.
        #expect(Self.text(scanner.usage) == #"{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":15}"#)
        #expect(scanner.sawMessageStart)
        #expect(scanner.sawMessageStop)
        #expect(scanner.error == nil)
        #expect(scanner.skippedEvents == 0)
    }

    @Test func crlfLinesAndAMissingFinalBlankLine() {
        let text = Self.stream.replacingOccurrences(of: "\n", with: "\r\n").trimmingSuffixNewlines()
        let scanner = Self.scan(text, pieces: 5)
        #expect(Self.text(scanner.usage).contains(#""output_tokens":15"#))
        #expect(scanner.sawMessageStop)
    }

    @Test func errorEventMidStream() {
        let scanner = Self.scan(FakeAnthropicAPI.streamErrorChunks(model: "claude-haiku-4-5").joined(), pieces: 11)
        #expect(scanner.error.map { String(decoding: $0, as: UTF8.self) } == #"{"type":"overloaded_error","message":"Overloaded"}"#)
        #expect(!scanner.sawMessageStop)
        #expect(scanner.model == "claude-haiku-4-5")
    }

    @Test func brokenAndOversizedEventsAreSkipped() {
        var scanner = StreamUsageScanner(eventLimit: 64)
        let text = "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":\n\n"
            + "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":3}}\n\n"
            + "data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"\(String(repeating: "y", count: 200))\"}}\n\n"
            + "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":4}}\n\n"
        Array(text.utf8).withUnsafeBytes { scanner.feed($0) }
        scanner.finish()
        #expect(scanner.skippedEvents == 2)
        #expect(Self.text(scanner.usage) == #"{"output_tokens":4}"#)
    }
}

/// Found by the `sse-scanner` fuzz target: where the network cuts a stream must not change what
/// the scanner reads. A long non-data line (an `event:` or comment line past the cap) used to
/// make its event skipped when it arrived in pieces and read when it arrived whole; a data line
/// just under the cap, skipped in pieces (the line with its `data: ` passed the cap) and read
/// whole.
@Suite(.tags(.unit)) struct StreamUsageScannerChunkingTests {
    static func scan(_ text: String, limit: Int, pieces size: Int) -> StreamUsageScanner {
        var scanner = StreamUsageScanner(eventLimit: limit)
        feedInPieces(text, size: size) { scanner.feed($0) }
        scanner.finish()
        return scanner
    }

    static let longEventLine = ": " + String(repeating: "x", count: 200) + "\n"
        + "event: message_delta" + String(repeating: "-", count: 100) + "\n"
        + #"data: {"type":"message_delta","usage":{"output_tokens":7}}"# + "\n\n"

    /// A data line whose payload is exactly at the cap (64 bytes) with `data: ` and a CR around it.
    static let payloadAtTheCap: String = {
        let payload = #"{"type":"message_delta","usage":{"output_tokens":8}}"#
        let padded = payload.dropLast(2) + String(repeating: " ", count: 64 - payload.utf8.count) + "}}"
        return "data: " + padded + "\r\n\r\n"
    }()

    @Test(arguments: [1, 3, 17, 64, 100_000])
    func whereTheStreamIsCutChangesNothing(size: Int) {
        let long = Self.scan(Self.longEventLine, limit: 64, pieces: size)
        #expect(long.skippedEvents == 0)
        #expect(StreamUsageScannerTests.text(long.usage) == #"{"output_tokens":7}"#)
        let atCap = Self.scan(Self.payloadAtTheCap, limit: 64, pieces: size)
        #expect(atCap.skippedEvents == 0)
        #expect(StreamUsageScannerTests.text(atCap.usage) == #"{"output_tokens":8}"#)
    }
}

extension String {
    func trimmingSuffixNewlines() -> String {
        var text = self
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}

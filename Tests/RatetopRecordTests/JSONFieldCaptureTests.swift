import Testing
@testable import RatetopRecord
import RatetopTestSupport

@Suite(.tags(.unit)) struct JSONFieldCaptureTests {
    /// Feeds `text` cut after every `size` bytes.
    static func capture(_ text: String, keys: [String], pieces size: Int, limit: Int = 1024) -> JSONFieldCapture {
        var capture = JSONFieldCapture(keys: keys, valueLimit: limit)
        feedInPieces(text, size: size) { capture.feed($0) }
        return capture
    }

    static let request = #"""
    {"max_tokens": 1024, "messages": [{"role": "user", "content": "say \"model\": no\\"}],
     "metadata": {"model": "not this one"}, "model" : "claude-sonnet-4-5", "stream": true}
    """#

    @Test(arguments: [1, 2, 3, 7, 64, 10_000])
    func readsTopLevelMembersWhateverTheChunking(size: Int) {
        let capture = Self.capture(Self.request, keys: ["model", "stream", "max_tokens"], pieces: size)
        #expect(capture.values["model"].map { String(decoding: $0, as: UTF8.self) } == #""claude-sonnet-4-5""#)
        #expect(capture.values["stream"].map { String(decoding: $0, as: UTF8.self) } == "true")
        #expect(capture.values["max_tokens"].map { String(decoding: $0, as: UTF8.self) } == "1024")
        #expect(capture.isFinished)
        #expect(capture.hasAll)
    }

    @Test(arguments: [1, 5, 1000])
    func capturesNestedValuesCompactly(size: Int) {
        let body = """
        {"id":"msg_1","content":[{"type":"text","text":"a } ] \\" {"}],
         "usage": {"input_tokens": 12, "cache_creation": {"ephemeral_5m_input_tokens": 0},
                   "output_tokens": 3}}
        """
        let capture = Self.capture(body, keys: ["usage", "error"], pieces: size)
        #expect(capture.values["usage"].map { String(decoding: $0, as: UTF8.self) }
                == #"{"input_tokens":12,"cache_creation":{"ephemeral_5m_input_tokens":0},"output_tokens":3}"#)
        #expect(capture.values["error"] == nil)
        #expect(capture.isFinished)
    }

    @Test func oversizedValuesAndNonObjectsAreDropped() {
        let long = Self.capture(#"{"model":"\#(String(repeating: "x", count: 100))"}"#, keys: ["model"], pieces: 9, limit: 50)
        #expect(long.values["model"] == nil)
        let array = Self.capture(#"[{"model":"a"}]"#, keys: ["model"], pieces: 3)
        #expect(array.isNotAnObject)
        #expect(array.values.isEmpty)
        let html = Self.capture("<html>502 Bad Gateway</html>", keys: ["error"], pieces: 4)
        #expect(html.isNotAnObject)
    }

    @Test func stringValueResolvesSimpleEscapes() {
        #expect(JSONBytes.stringValue(Array(#""claude-sonnet-4-5""#.utf8)) == "claude-sonnet-4-5")
        #expect(JSONBytes.stringValue(Array(#""a\/b\"c""#.utf8)) == #"a/b"c"#)
        #expect(JSONBytes.stringValue(Array("12".utf8)) == nil)
    }
}

import Testing
@testable import RatetopCore
import RatetopTestSupport

/// Walks a whole JSON value with the cursor's public API and renders what it read, so a test
/// can compare the cursor's view of a line with a literal.
///
/// Objects render as `{k:v,...}`, arrays as `[v,...]`, strings as `"decoded"`, numbers through
/// `readNumber`, booleans as `true`/`false`, null as `null`.
private func walk(_ cursor: inout JSONCursor) throws(JSONScanError) -> String {
    switch cursor.peek() {
    case UInt8(ascii: "{"):
        try cursor.openObject()
        var parts: [String] = []
        var first = true
        while let key = try cursor.nextKey(&first) {
            parts.append(key.string + ":" + (try walk(&cursor)))
        }
        return "{" + parts.joined(separator: ",") + "}"
    case UInt8(ascii: "["):
        try cursor.openArray()
        var parts: [String] = []
        var first = true
        while try cursor.nextElement(&first) {
            parts.append(try walk(&cursor))
        }
        return "[" + parts.joined(separator: ",") + "]"
    case UInt8(ascii: "\""):
        return "\"" + (try cursor.readString().string) + "\""
    case UInt8(ascii: "t"), UInt8(ascii: "f"):
        guard let value = try cursor.readBool() else { throw JSONScanError("not a boolean") }
        return value ? "true" : "false"
    case UInt8(ascii: "n"):
        guard cursor.consumeNull() else { throw JSONScanError("not null") }
        return "null"
    default:
        guard let number = try cursor.readNumber() else { return "null" }
        return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// The rendering of a whole line, or the scan error's reason. Text after the value is an error.
private func scan(_ text: String) -> String {
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { buffer -> String in
        var cursor = JSONCursor(UnsafeRawBufferPointer(buffer))
        do throws(JSONScanError) {
            if cursor.peek() != UInt8(ascii: "{") { try cursor.openObject() }
            let rendered = try walk(&cursor)
            guard cursor.atEnd() else { return "error: malformed JSON (text after the closing brace)" }
            return rendered
        } catch {
            return "error: " + error.reason
        }
    }
}

/// Runs `body` on a cursor over `text`; the bytes live as long as the call.
private func withCursor<T>(_ text: String, _ body: (inout JSONCursor) throws(JSONScanError) -> T) -> Result<T, JSONScanError> {
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { buffer in
        var cursor = JSONCursor(UnsafeRawBufferPointer(buffer))
        do throws(JSONScanError) {
            return .success(try body(&cursor))
        } catch {
            return .failure(error)
        }
    }
}

@Suite(.tags(.unit)) struct JSONCursorTests {
    static let documents: [(String, String)] = [
        (#"{}"#, "{}"),
        (#"  { "a" : 1 , "b":"x" }  "#, #"{a:1,b:"x"}"#),
        (#"{"a":[1,2,[3]],"b":{"c":{"d":null}},"e":true,"f":false}"#, #"{a:[1,2,[3]],b:{c:{d:null}},e:true,f:false}"#),
        (#"{"empty":"","arr":[],"obj":{}}"#, #"{empty:"",arr:[],obj:{}}"#),
        (#"{"s":"tab\there \"q\" back\\slash \/ nl\n"}"#, "{s:\"tab\there \"q\" back\\slash / nl\n\"}"),
        (#"{"u":"caf\u00e9 \u00E9 \ud83d\ude00 €"}"#, "{u:\"café é 😀 €\"}"),
        (#"{"k\"ey":1}"#, #"{k"ey:1}"#),
        ("{\"a\":\n1,\r\n\t\"b\":2}", "{a:1,b:2}"),
    ]

    @Test(arguments: documents)
    func keysAndValues(input: String, expected: String) {
        #expect(scan(input) == expected)
    }

    static let broken: [(String, String)] = [
        (#"{"a":1"#, "truncated JSON (line ends inside a value)"),
        (#"{"a":"abc"#, "truncated JSON (line ends inside a value)"),
        (#"{"a":"abc\"#, "truncated JSON (line ends inside a value)"),
        (#"{"a":"abc\""#, "truncated JSON (line ends inside a value)"),
        (#"{"a""#, "truncated JSON (line ends inside a value)"),
        (#"{"a":"#, "truncated JSON (line ends inside a value)"),
        (#"{"#, "truncated JSON (line ends inside a value)"),
        (#"{"a":1 "b":2}"#, "malformed JSON (expected ',' or '}')"),
        (#"{"a":[1 2]}"#, "malformed JSON (expected ',' or '}')"),
        (#"{"a" 1}"#, "malformed JSON (expected ':' after a key)"),
        (#"{a:1}"#, "malformed JSON (expected a quoted key)"),
        (#"{"a":1}x"#, "malformed JSON (text after the closing brace)"),
        (#"{"a":1}{"b":2}"#, "malformed JSON (text after the closing brace)"),
        (#"{"a":12abc}"#, "malformed JSON (expected a number)"),
        (#"{"a":-}"#, "malformed JSON (expected a number)"),
        (#"{"a":1e}"#, "malformed JSON (expected a number)"),
    ]

    @Test(arguments: broken)
    func brokenLinesAreErrors(input: String, reason: String) {
        #expect(scan(input) == "error: " + reason)
    }

    @Test func aLineThatIsNotAnObjectIsRejected() {
        #expect(scan("[1,2]") == "error: not a JSON object")
        #expect(scan("\u{01}\u{02}PK\u{03}") == "error: not a JSON object")
        #expect(scan("   ") == "error: truncated JSON (line ends inside a value)")
    }

    static let numbers: [(String, Double?)] = [
        ("0", 0), ("42", 42), ("-7", -7), ("2.5", 2.5), ("-0.25", -0.25), ("1e3", 1000), ("1E3", 1000),
        ("1.5e-2", 0.015), ("-2.5E+2", -250), ("12345678901234567890", 12345678901234567890), ("null", nil),
        ("0.1", 0.1), ("3.14159", 3.14159), ("1e-7", 1e-7),
    ]

    @Test(arguments: numbers)
    func readNumber(text: String, expected: Double?) {
        let result = withCursor("{\"n\":\(text)}") { cursor throws(JSONScanError) -> Double? in
            try cursor.openObject()
            var first = true
            _ = try cursor.nextKey(&first)
            let value = try cursor.readNumber()
            let after = try cursor.nextKey(&first)
            #expect(after == nil)
            return value
        }
        guard case .success(let value) = result else {
            Issue.record("\(text): \(result)")
            return
        }
        if let expected {
            #expect(value.map { abs($0 - expected) <= abs(expected) * 1e-12 } == true, "\(text) read as \(String(describing: value))")
        } else {
            #expect(value == nil)
        }
    }

    static let integers: [(String, Int?)] = [
        ("0", 0), ("1622", 1622), ("-7", -7), ("3.9", 3), ("1e3", 1000), ("null", nil), ("1622.0", 1622), (" 12 ", 12),
    ]

    @Test(arguments: integers)
    func readInt(text: String, expected: Int?) {
        let result = withCursor("{\"n\":\(text)}") { cursor throws(JSONScanError) -> Int? in
            try cursor.openObject()
            var first = true
            _ = try cursor.nextKey(&first)
            let value = try cursor.readInt()
            let after = try cursor.nextKey(&first)
            #expect(after == nil)
            return value
        }
        #expect(result == .success(expected))
    }

    /// A number no 64-bit integer holds is an error naming it, never nil or zero.
    @Test(arguments: ["99999999999999999999", "9223372036854775808", "1e400", "-1e19", "9e18"])
    func readIntRefusesWhatItCannotHold(text: String) {
        let result = withCursor("{\"n\":\(text)}") { cursor throws(JSONScanError) -> Int? in
            try cursor.openObject()
            var first = true
            _ = try cursor.nextKey(&first)
            return try cursor.readInt()
        }
        #expect(result == .failure(JSONScanError("number \(text) is out of range")))
    }

    @Test func skipsNestedValuesWithBracesAndQuotesInsideStrings() {
        let line = #"{"skip":{"a":[1,{"b":"}]\"{["}],"c":"\\"},"arr":[[],[{}],"]"],"t":true,"n":null,"x":-1.5e3,"keep":5}"#
        let result = withCursor(line) { cursor throws(JSONScanError) -> [String] in
            try cursor.openObject()
            var first = true
            var seen: [String] = []
            while let key = try cursor.nextKey(&first) {
                if key.equals("keep") {
                    seen.append("keep=\(try cursor.readInt() ?? -1)")
                } else {
                    seen.append(key.string)
                    try cursor.skipValue()
                }
            }
            let atEnd = cursor.atEnd()
            #expect(atEnd)
            return seen
        }
        #expect(result == .success(["skip", "arr", "t", "n", "x", "keep=5"]))
    }

    @Test func skippingAnUnclosedNestedValueIsTruncated() {
        let result = withCursor(#"{"skip":{"a":[1,2}"#) { cursor throws(JSONScanError) -> Int in
            try cursor.openObject()
            var first = true
            _ = try cursor.nextKey(&first)
            try cursor.skipValue()
            return 1
        }
        #expect(result == .failure(JSONScanError("truncated JSON (line ends inside a value)")))
    }

    @Test func readOptionalStringSkipsOtherValues() {
        let result = withCursor(#"{"a":null,"b":12,"c":{"x":1},"d":"yes"}"#) { cursor throws(JSONScanError) -> [String?] in
            try cursor.openObject()
            var first = true
            var values: [String?] = []
            while try cursor.nextKey(&first) != nil { values.append(try cursor.readOptionalString()?.string) }
            return values
        }
        #expect(result == .success([nil, nil, nil, "yes"]))
    }

    @Test func integerValueOfHeaderStrings() {
        let cases: [(String, Int?)] = [("47", 47), (" 47 ", 47), ("12.0", 12), ("", nil), ("abc", nil), ("4x", nil),
                                       ("-5", nil), ("1234567890123456789012", nil)]
        for (text, expected) in cases {
            let result = withCursor("\"\(text)\"") { cursor throws(JSONScanError) in try cursor.readString().integerValue }
            #expect(result == .success(expected), "\(text)")
        }
    }

    // MARK: SWAR boundaries: quotes and backslashes at every offset of the 8-byte words

    /// `prefix` filler bytes, then `special`, then `suffix` filler: the raw string body.
    static let offsets = Array(0...16)

    @Test(arguments: offsets)
    func closingQuoteAtEveryOffset(offset: Int) {
        for filler in ["x", "é", "¢", "܀"] {  // ¢ = C2 A2 and ܀ = DC 80 carry 0x22|0x80 and 0x5C|0x80
            let body = String(repeating: filler, count: offset)
            let line = "{\"k\":\"\(body)\",\"next\":\"\(body)\"}"
            #expect(scan(line) == "{k:\"\(body)\",next:\"\(body)\"}", "filler \(filler) offset \(offset)")
            let result = withCursor(line) { cursor throws(JSONScanError) -> (Int, Bool) in
                try cursor.openObject()
                var first = true
                _ = try cursor.nextKey(&first)
                let string = try cursor.readString()
                return (string.count, string.hasEscapes)
            }
            guard case .success(let (count, escaped)) = result else {
                Issue.record("offset \(offset): \(result)")
                continue
            }
            #expect(count == body.utf8.count)
            #expect(!escaped)
        }
    }

    @Test(arguments: offsets)
    func escapedQuoteAtEveryOffset(offset: Int) {
        for tail in [0, 1, 7, 8, 9, 20] {
            let head = String(repeating: "a", count: offset)
            let rest = String(repeating: "b", count: tail)
            let line = "{\"k\":\"\(head)\\\"\(rest)\",\"z\":1}"
            #expect(scan(line) == "{k:\"\(head)\"\(rest)\",z:1}", "offset \(offset) tail \(tail)")
        }
    }

    @Test(arguments: offsets)
    func escapedBackslashAtEveryOffset(offset: Int) {
        for tail in [0, 1, 6, 7, 8, 15] {
            let head = String(repeating: "a", count: offset)
            let rest = String(repeating: "b", count: tail)
            // A backslash pair followed by the closing quote must not read as an escaped quote.
            let line = "{\"k\":\"\(head)\\\\\(rest)\",\"z\":\"\(rest)\\\\\"}"
            #expect(scan(line) == "{k:\"\(head)\\\(rest)\",z:\"\(rest)\\\"}", "offset \(offset) tail \(tail)")
        }
    }

    @Test(arguments: offsets)
    func unterminatedLongStringAtEveryOffset(offset: Int) {
        let head = String(repeating: "a", count: offset)
        #expect(scan("{\"k\":\"\(head)") == "error: truncated JSON (line ends inside a value)")
        #expect(scan("{\"k\":\"\(head)\\") == "error: truncated JSON (line ends inside a value)")
        #expect(scan("{\"k\":\"\(head)\\\"") == "error: truncated JSON (line ends inside a value)")
    }

    @Test(arguments: offsets)
    func skipValueOverStringsWithQuotesAtEveryOffset(offset: Int) {
        let head = String(repeating: "q", count: offset)
        let line = "{\"skip\":[\"\(head)\\\"}]\",{\"\(head)\":\"\(head)\\\\\"}],\"keep\":\"\(head)\"}"
        let result = withCursor(line) { cursor throws(JSONScanError) -> String in
            try cursor.openObject()
            var first = true
            _ = try cursor.nextKey(&first)
            try cursor.skipValue()
            guard let key = try cursor.nextKey(&first), key.equals("keep") else { return "no keep" }
            let value = try cursor.readString().string
            let after = try cursor.nextKey(&first)
            #expect(after == nil)
            return value
        }
        #expect(result == .success(head))
    }

    /// A skipped member's value must still be a JSON value: `nope` and `fals` are not literals.
    @Test(arguments: [#"{"a":nope,"b":1}"#, #"{"a":fals,"b":1}"#, #"{"a":nulx,"b":1}"#])
    func skippedLiteralsMustBeTrueFalseOrNull(line: String) {
        let result = withCursor(line) { cursor throws(JSONScanError) -> Int in
            try cursor.openObject()
            var first = true
            _ = try cursor.nextKey(&first)
            try cursor.skipValue()
            return 1
        }
        #expect(result == .failure(JSONScanError("malformed JSON (unexpected character)")))
    }
}

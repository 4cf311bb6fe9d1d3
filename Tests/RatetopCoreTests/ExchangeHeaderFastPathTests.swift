import Foundation
import Testing
@testable import RatetopCore
import RatetopTestSupport

/// `readHeaders` reads a compact `,"anthropic-ratelimit-…":"<digits>"` member in place, and
/// its value's digits without a loop when they are short. A member the fast path does not
/// take (a space after the comma, here) goes the general way; both must agree on every value,
/// whatever follows it, and on a line cut anywhere.
@Suite(.tags(.unit)) struct ExchangeHeaderFastPathTests {
    static let head = #"{"ts":"2026-11-20T09:00:00Z","model":"claude-haiku-4-5","status":200,"usage":{"input_tokens":5,"output_tokens":1},"headers":{"date":"Fri, 20 Nov 2026 09:00:00 GMT""#

    /// The decoded headers (or the reason the line was refused) of one line.
    static func decode(_ line: String) -> String {
        let result = run(line, { ExchangeLogDecoder(models: $0) })
        if let reason = result.malformed.first { return "malformed: \(reason)" }
        guard let event = result.events.first else { return "no event" }
        return "\(event.hasHeaders) \(event.headers) \(event.retryAfter)"
    }

    static let values = ["0", "7", "47", "5000", "0000001", "1234567", "12345678", "123456789", "999999999999",
                         "1000000000001", "12345678901234567890", "", " 5", "5 ", "5.0", "-1", "1e3", "12a", "١٢",
                         #"5\"x"#, #"\u0035"#]

    @Test(arguments: values)
    func compactAndSpacedMembersAgree(value: String) {
        for name in ["requests-limit", "requests-remaining", "input-tokens-remaining", "output-tokens-limit", "tokens-remaining"] {
            for tail in [#"}}"#, #","via":"1.1 google"}}"#, #","anthropic-ratelimit-tokens-reset":"2026-11-20T09:00:30Z"}}"#] {
                let member = #""anthropic-ratelimit-\#(name)":"\#(value)""#
                let compact = Self.decode(Self.head + "," + member + tail)
                let spaced = Self.decode(Self.head + ", " + member + tail)
                #expect(compact == spaced, "\(name) = \(value) before \(tail)")
            }
        }
    }

    @Test("the eight-byte digit reader agrees with a byte loop on every word of digits, near-digits and quotes")
    func shortNumberAgreesWithALoop() {
        // Bytes around the digits' range (/ 0 9 :), a quote, and a few others, in every position.
        let alphabet: [UInt8] = [0x2F, 0x30, 0x31, 0x35, 0x39, 0x3A, 0x22, 0x20, 0x41, 0xFF, 0x00]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200_000 {
            var bytes = [UInt8](repeating: 0, count: 8)
            for index in 0..<8 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes[index] = alphabet[Int(state >> 33) % alphabet.count]
            }
            var count = 0
            var value = 0
            while count < 8, bytes[count] >= 0x30, bytes[count] <= 0x39 {
                value = value * 10 + Int(bytes[count] - 0x30)
                count += 1
            }
            let expected: (value: Int, count: Int)? = count > 0 && count < 8 && bytes[count] == 0x22 ? (value, count) : nil
            let got = bytes.withUnsafeBufferPointer { ExchangeLogDecoder.shortNumber($0.baseAddress!) }
            #expect(got?.value == expected?.value && got?.count == expected?.count, "\(bytes)")
            if got?.value != expected?.value || got?.count != expected?.count { return }
        }
    }

    @Test func shortValuesAreReadExactly() throws {
        for value in ["0", "9", "10", "4999", "5000000", "9999999", "1000000"] {
            let line = Self.head + #","anthropic-ratelimit-input-tokens-limit":"\#(value)"}}"#
            let result = run(line, { ExchangeLogDecoder(models: $0) })
            let event = try #require(result.events.first)
            #expect(event.headers.limit.inputTokens == Int(value))
        }
    }

    /// A line cut at every byte of the headers: the same outcome as the general path's.
    @Test func aLineCutAnywhereGivesTheSameOutcome() {
        let members = #","anthropic-ratelimit-requests-limit":"5000","anthropic-ratelimit-requests-remaining":"4999","x-id":"a\"b\\","anthropic-ratelimit-input-tokens-limit":"5000000"}}"#
        let spacedMembers = members.replacingOccurrences(of: #","a"#, with: #", "a"#)
        let full = Self.head + members
        let spaced = Self.head + spacedMembers
        #expect(Self.decode(full) == Self.decode(spaced))
        #expect(!Self.decode(full).hasPrefix("malformed"))
        let bytes = Array(full.utf8)
        for cut in Self.head.utf8.count..<bytes.count {
            let prefix = String(decoding: bytes[..<cut], as: UTF8.self)
            #expect(Self.decode(prefix) == "malformed: truncated JSON (line ends inside a value)", "cut at \(cut)")
        }
    }

    /// Escaped quotes and backslashes inside a skipped header value, and in a skipped key.
    @Test func escapesInsideSkippedHeadersAreSkipped() throws {
        for skipped in [#""date":"a\"b""#, #""date":"\\""#, #""date":"\"""#, #""x\"y":"1""#, #""server":"\\\"\\""#] {
            let line = Self.head + "," + skipped + #","anthropic-ratelimit-requests-remaining":"47"}}"#
            let result = run(line, { ExchangeLogDecoder(models: $0) })
            let event = try #require(result.events.first, "\(skipped)")
            #expect(event.headers.remaining.requests == 47)
        }
        // An escape that swallows the closing quote: the line is cut inside the value.
        #expect(Self.decode(Self.head + #","date":"a\"}}"#) == "malformed: truncated JSON (line ends inside a value)")
    }
}

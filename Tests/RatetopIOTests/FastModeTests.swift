import Foundation
import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopIO

/// Fast mode (`usage.speed: "fast"`) has its own rate limits (`anthropic-fast-*` headers) and
/// its own price: its own bucket beside the class's standard one.
@Suite(.tags(.unit)) struct FastModeTests {
    static func line(_ seconds: Int, fast: Bool, input: Int, output: Int, headers: String) -> String {
        let stamp = RFC3339.format(1_795_165_200 + Double(seconds))
        let speed = fast ? #","speed":"fast""# : ""
        return #"{"ts":"\#(stamp)","model":"claude-opus-4-6","status":200,"usage":{"input_tokens":\#(input),"output_tokens":\#(output)\#(speed)},"headers":{\#(headers)}}"#
    }

    @Test func fastTrafficHasItsOwnBucketLimitsAndPrice() throws {
        let directory = TemporaryDirectory()
        let standardHeaders = #""anthropic-ratelimit-input-tokens-limit":"450000","anthropic-ratelimit-input-tokens-remaining":"440000","anthropic-ratelimit-output-tokens-limit":"90000","anthropic-ratelimit-output-tokens-remaining":"89000""#
        let fastHeaders = standardHeaders + #","anthropic-fast-input-tokens-limit":"100000","anthropic-fast-input-tokens-remaining":"60000","anthropic-fast-output-tokens-limit":"20000","anthropic-fast-output-tokens-remaining":"15000""#
        let path = directory.write("fast.jsonl", [
            Self.line(0, fast: false, input: 100_000, output: 0, headers: standardHeaders),
            Self.line(5, fast: true, input: 1_000_000, output: 100_000, headers: fastHeaders),
        ].joined(separator: "\n") + "\n")
        let output = try replay([path], tier: "tier2", state: true)
        let standard = try #require(output.summaryBucket("opus-4.x"))
        let fast = try #require(output.summaryBucket("opus-4.x-fast"))
        #expect(int(standard["requests"]) == 1)
        #expect(int(fast["requests"]) == 1)
        // Standard Opus 4.6: $5 per million input; fast: $30 in, $150 out, whatever the context.
        #expect(abs((double(standard["cost_usd"]) ?? 0) - 0.5) < 1e-6)
        #expect(abs((double(fast["cost_usd"]) ?? 0) - 45) < 1e-6)
        let state = try #require(output.states.last?["buckets"] as? [[String: Any]])
        let fastState = try #require(state.first { $0["bucket"] as? String == "opus-4.x-fast" })
        let limits = try #require(fastState["limits"] as? [String: Any])
        #expect(int(limits["input_tokens"]) == 100_000)
        #expect(int(limits["output_tokens"]) == 20_000)
        #expect(fastState["limits_source"] as? String == "headers")
        let standardState = try #require(state.first { $0["bucket"] as? String == "opus-4.x" })
        #expect(int((standardState["limits"] as? [String: Any])?["input_tokens"]) == 450_000)
    }

    @Test func fastModeOfAModelWithoutAFastPriceHasAnUnknownCost() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("fast.jsonl",
                                   #"{"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":10,"output_tokens":1,"speed":"fast"}}"# + "\n")
        let output = try replay([path])
        let fast = try #require(output.summaryBucket("sonnet-4.x-fast"))
        #expect(fast["cost_usd"] is NSNull)
        #expect(output.diagnostics.messages.contains { $0.contains("claude-sonnet-4-5-20250929 in fast mode: no price") })
    }
}

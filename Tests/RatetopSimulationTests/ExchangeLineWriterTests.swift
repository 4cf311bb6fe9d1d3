import Foundation
import RatetopCore
import RatetopSimulation
import Testing
import RatetopTestSupport

@Suite("ExchangeLineWriter", .tags(.unit))
struct ExchangeLineWriterTests {
    static let attempts = TrafficSimulation.run(TrafficModel.sampleDay(from: 10.25, until: 11), seed: 5)

    /// A few attempts of each status.
    static var variety: [SimulatedAttempt] {
        Array(attempts.filter { $0.status == 200 }.prefix(20)) + Array(attempts.filter { $0.status == 429 }.prefix(20))
            + Array(attempts.filter { $0.status == 529 }.prefix(5))
            + [SimulatedAttempt(start: 1_776_164_400, end: 1_776_164_400.8, model: "claude-sonnet-4-6", classID: "sonnet-4.x",
                                status: 529, usage: .zero, headers: nil)]
    }

    static func object(_ line: String) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        guard let object = parsed as? [String: Any] else { throw WriterTestError("not a JSON object: \(line)") }
        return object
    }

    @Test func linesAreValidJSONWithTheExchangeFields() throws {
        var writer = ExchangeLineWriter(seed: 1)
        let ratelimitNames = ["requests", "input-tokens", "output-tokens", "tokens"].flatMap { bucket in
            ["limit", "remaining", "reset"].map { "anthropic-ratelimit-\(bucket)-\($0)" }
        }
        for attempt in Self.variety {
            let line = writer.line(for: attempt)
            #expect(!line.contains("\n"))
            let object = try Self.object(line)
            let ts = try #require(object["ts"] as? String)
            #expect(ts.count == 24 && ts.hasSuffix("Z") && ts.dropFirst(19).hasPrefix("."), "RFC 3339 with milliseconds: \(ts)")
            let parsedTS = try #require(RFC3339.parse(ts))
            #expect(abs(parsedTS - attempt.end) <= 0.0005 + 1e-9)
            let latency = try #require(object["latency_ms"] as? Int)
            #expect(abs(Double(latency) / 1000 - (attempt.end - attempt.start)) <= 0.0005 + 1e-9)
            let requestID = try #require(object["request_id"] as? String)
            #expect(requestID.hasPrefix("req_01") && requestID.count == 28)
            #expect(requestID.dropFirst(6).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
            #expect(object["model"] as? String == attempt.model)
            #expect(object["status"] as? Int == attempt.status)

            let headers = try #require(object["headers"] as? [String: Any])
            #expect(headers.keys.allSatisfy { $0 == $0.lowercased() })
            #expect(headers.values.allSatisfy { $0 is String }, "header values are strings")
            #expect(headers["request-id"] as? String == requestID)
            for secret in ["authorization", "x-api-key", "anthropic-api-key", "cookie", "set-cookie"] {
                #expect(headers[secret] == nil)
            }
            for noise in ["content-type", "date", "cf-ray", "anthropic-organization-id", "server", "via"] {
                #expect(headers[noise] != nil, "noise header \(noise)")
            }

            switch attempt.status {
            case 200:
                let usage = try #require(object["usage"] as? [String: Any])
                #expect(usage["input_tokens"] as? Int == attempt.usage.inputTokens)
                #expect(usage["cache_creation_input_tokens"] as? Int == attempt.usage.cacheCreationInputTokens)
                #expect(usage["cache_read_input_tokens"] as? Int == attempt.usage.cacheReadInputTokens)
                #expect(usage["output_tokens"] as? Int == attempt.usage.outputTokens)
                #expect(object["error"] == nil)
                for name in ratelimitNames { #expect(headers[name] != nil, "\(name)") }
                #expect(headers["retry-after"] == nil)
            case 429:
                #expect(object["usage"] == nil)
                for name in ratelimitNames { #expect(headers[name] != nil, "\(name)") }
                #expect(headers["retry-after"] as? String == attempt.retryAfter.map(String.init))
                let error = try #require(object["error"] as? [String: Any])
                #expect(error["type"] as? String == "rate_limit_error")
                let message = try #require(error["message"] as? String)
                #expect(message.hasPrefix("This request would exceed the rate limit for your organization ("))
                let expected = switch attempt.limitedDimension {
                case .requests: "of 50 requests per minute."
                case .inputTokens: "of 30,000 input tokens per minute."
                case .outputTokens: "of 8,000 output tokens per minute."
                case nil: "?"
                }
                #expect(message.contains(expected), "\(message)")
            default:
                #expect(attempt.status == 529)
                let error = try #require(object["error"] as? [String: Any])
                #expect(error["type"] as? String == "overloaded_error")
                #expect(!headers.keys.contains { $0.hasPrefix("anthropic-ratelimit-") })
            }
        }
    }

    @Test func headerValuesMatchTheLimiter() throws {
        var writer = ExchangeLineWriter()
        for attempt in Self.variety {
            guard let snapshot = attempt.headers else { continue }
            let headers = try #require(try Self.object(writer.line(for: attempt))["headers"] as? [String: String])
            #expect(headers["anthropic-ratelimit-requests-remaining"] == String(snapshot.remaining.requests))
            #expect(headers["anthropic-ratelimit-input-tokens-remaining"] == String(snapshot.remaining.inputTokens))
            #expect(headers["anthropic-ratelimit-output-tokens-remaining"] == String(snapshot.remaining.outputTokens))
            #expect(headers["anthropic-ratelimit-tokens-limit"] == String(snapshot.tokensLimit))
            let reset = try #require(headers["anthropic-ratelimit-input-tokens-reset"])
            #expect(reset.count == 20 && reset.hasSuffix("Z"))
            #expect(RFC3339.parse(reset) == snapshot.reset.inputTokens)
            #expect(snapshot.remaining.inputTokens % 1_000 == 0 && snapshot.remaining.outputTokens % 1_000 == 0)
        }
    }

    @Test func ratetopsDecoderReadsTheLines() throws {
        var writer = ExchangeLineWriter()
        let models = ModelCatalog()
        var decoder = ExchangeLogDecoder(models: models)
        for (index, attempt) in Self.variety.enumerated() {
            var bytes = Array(writer.line(for: attempt).utf8)
            var events: [Exchange] = []
            let outcome = bytes.withUnsafeMutableBytes { raw in
                decoder.decode(line: UnsafeRawBufferPointer(raw), origin: LineOrigin(source: 0, line: index + 1), into: &events)
            }
            #expect(outcome == .decoded)
            let event = try #require(events.first)
            let direct = attempt.exchange(models: models)
            #expect(abs(event.end - direct.end) <= 0.0005 + 1e-9)
            #expect(abs(event.start - direct.start) <= 0.001 + 1e-9)
            #expect(event.model == direct.model)
            #expect(event.status == direct.status)
            #expect(event.usage == direct.usage)
            #expect(event.headers == direct.headers)
            #expect(event.hasHeaders == direct.hasHeaders)
            #expect(event.errorKind == direct.errorKind)
            #expect(event.limitedDimension == direct.limitedDimension)
            #expect(event.retryAfter == direct.retryAfter)
        }
    }

    @Test func headersCanBeLeftOut() throws {
        var writer = ExchangeLineWriter(includeHeaders: false)
        for attempt in Self.variety {
            let object = try Self.object(writer.line(for: attempt))
            #expect(object["headers"] == nil)
            #expect(object["ts"] != nil && object["status"] != nil)
        }
    }

    @Test func sameSeedSameBytes() {
        var a = ExchangeLineWriter(seed: 9), b = ExchangeLineWriter(seed: 9)
        var first: [UInt8] = [], second: [UInt8] = []
        for attempt in Self.attempts.prefix(200) {
            a.append(attempt, to: &first)
            b.append(attempt, to: &second)
        }
        #expect(first == second)
        let lines = first.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 200)
        let mean = first.count / max(1, lines.count)
        #expect((700...1_400).contains(mean), "mean line length \(mean) bytes")
    }
}

struct WriterTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

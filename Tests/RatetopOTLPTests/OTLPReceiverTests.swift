import Foundation
import RatetopCore
import RatetopIO
import RatetopOTLP
import RatetopTestSupport
import Testing

@Suite(.tags(.unit)) struct OTLPHostileInputTests {
    /// Garbage, truncation, nesting without end, wrong types: refused with a reason, never a crash.
    @Test func bodiesThatAreNotOTLPAreRefused() {
        var nested = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":"
        for _ in 0..<10_000 { nested += "{\"arrayValue\":{\"values\":[" }
        nested += "{}" + String(repeating: "]}}", count: 10_000) + "}]}]}]}"
        // The same nesting in protobuf: AnyValue{array_value(5){values(1){array_value ...}}}, built inside out.
        var deep: [UInt8] = []
        for _ in 0..<10_000 {
            let array = [UInt8(0x0a)] + varint(deep.count) + deep  // ArrayValue.values = 1
            deep = [UInt8(0x2a)] + varint(array.count) + array  // AnyValue.array_value = 5
        }
        let cases: [(String, [UInt8], OTLPPayload.Encoding)] = [
            ("garbage as protobuf", Array("this is not protobuf \u{0}\u{1}\u{2}".utf8) + [0xff, 0xff, 0xff, 0xff], .protobuf),
            ("truncated protobuf", Array(OTLPFixture.bytes("logs.binpb").dropLast(7)), .protobuf),
            ("garbage as JSON", Array("{\"resourceLogs\": [oops".utf8), .json),
            ("JSON that is not an object", Array("[1, 2, 3]".utf8), .json),
            ("a string where a number must be", Array("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"soon\"}]}]}]}".utf8), .json),
            ("not JSON at all", [0xff, 0xfe, 0x00, 0x01], .json),
            ("nesting without end (JSON)", Array(nested.utf8), .json),
            ("nesting without end (protobuf)", [UInt8(0x0a)] + varint(deep.count + 8) + [0x12] + varint(deep.count + 5) + [0x1a] + varint(deep.count + 2)
                + [0x2a] + varint(deep.count) + deep, .protobuf),
        ]
        for (name, body, encoding) in cases {
            #expect(throws: OTLPPayload.Failure.self, "\(name)") { _ = try OTLPPayload.logs(body, encoding: encoding) }
            // (A metrics request ignores the logs' members: that one is valid there, and empty.)
            if name.hasPrefix("a string where") {
                #expect((try? OTLPPayload.metrics(body, encoding: encoding)) == [])
            } else {
                #expect(throws: OTLPPayload.Failure.self, "\(name)") { _ = try OTLPPayload.metrics(body, encoding: encoding) }
            }
        }
        #expect((try? OTLPPayload.logs([], encoding: .protobuf)) == [], "an empty export is valid protobuf")
    }

    /// Numbers outside the ranges every decoder checks (`Plausible`): malformed with the reason.
    @Test func valuesOutOfRangeAreProblemsNotTotals() {
        func record(_ attributes: [String: TelemetryValue], time: UInt64 = 1_796_637_601_000_000_000) -> TelemetryLogRecord {
            var base: [String: TelemetryValue] = ["event.name": .string("api_request"), "model": .string("claude-sonnet-4-5")]
            for (key, value) in attributes { base[key] = value }
            return TelemetryLogRecord(timeUnixNano: time, attributes: base)
        }
        let records = [
            record(["input_tokens": .int(9_000_000_000_000_000_000)]),
            record(["output_tokens": .string("8900000000000000000")]),
            record(["input_tokens": .double(1e300)]),
            record(["cache_read_tokens": .double(.nan)]),
            record(["input_tokens": .int(-5)]),
            record(["input_tokens": .string("12 tokens")]),
            record(["input_tokens": .double(1.5)]),
            record(["duration_ms": .double(1e20)]),
            record([:], time: 1_000_000_000),  // 1970
            record(["model": .string("")]),
            TelemetryLogRecord(timeUnixNano: 1_796_637_601_000_000_000,
                               attributes: ["event.name": .string("api_error"), "status_code": .string("1e400")]),
            record(["input_tokens": .int(5)]),  // the one good record
        ]
        let models = ModelCatalog()
        let decoder = ClaudeCodeTelemetryDecoder(startedAt: 0)
        let result = decoder.decode(logs: records, receivedAt: 1_796_637_610, models: models, origin: LineOrigin(source: 0, line: 1))
        #expect(result.events.count == 1)
        #expect(result.events.first?.usage.inputTokens == 5)
        #expect(result.malformed == 11, "\(result.problems)")
        #expect(result.problems.first == "api_request: input_tokens: 9000000000000000000 is not a whole number from 0 to 10^12" ||
                result.problems.first?.contains("input_tokens") == true, "\(result.problems)")

        let points = [
            TelemetryMetricPoint(name: ClaudeCodeTelemetryDecoder.tokenMetric, attributes: ["model": .string("m"), "type": .string("input")],
                                 value: 1e30, timeUnixNano: 1_796_637_601_000_000_000, temporality: .delta),
            TelemetryMetricPoint(name: ClaudeCodeTelemetryDecoder.tokenMetric, attributes: ["model": .string("m"), "type": .string("input")],
                                 value: .infinity, timeUnixNano: 1_796_637_601_000_000_000, temporality: .delta),
            TelemetryMetricPoint(name: ClaudeCodeTelemetryDecoder.tokenMetric, attributes: ["model": .string("m"), "type": .string("input")],
                                 value: 5, timeUnixNano: UInt64.max, temporality: .delta),
        ]
        let taken = ClaudeCodeTelemetryDecoder(startedAt: 0).take(metrics: points, receivedAt: 1_796_637_610)
        #expect(taken.malformed == 3, "\(taken.problems)")
    }

    private func varint(_ value: Int) -> [UInt8] {
        var value = UInt64(value)
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7f)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value != 0
        return bytes
    }
}

@Suite(.tags(.unit)) struct OTLPTargetTests {
    @Test func addresses() throws {
        let all = try OTLPTarget("otlp://:4318")
        #expect(all.host == "0.0.0.0" && all.port == 4318)
        #expect(try OTLPTarget("otlp://127.0.0.1:14318").displayName == "otlp://127.0.0.1:14318")
        #expect(try OTLPTarget("OTLP://localhost").port == 4318)
        #expect(try OTLPTarget("otlp://[::1]:4318/").host == "::1")
        #expect(try OTLPTarget("otlp://[::1]:4318").displayName == "otlp://[::1]:4318")
        for bad in ["otlp://host:99999", "otlp://host:abc", "otlp://host:", "otlp://host/v1/logs", "otlp://a b:1", "otlp://[::1",
                    "otlp://::1:4318", "otlp://user@host:1", "http://host:4318"] {
            #expect(throws: OTLPTargetError.self, "\(bad)") { try OTLPTarget(bad) }
        }
        #expect(OTLPTarget.isOTLPURL("otlp://:4318") && !OTLPTarget.isOTLPURL("logs/otlp.jsonl"))
    }
}

/// The receiver over real HTTP on loopback: both encodings, gzip, refusals, and what `poll` makes
/// of them. Started, fed and stopped on a plain thread, as the headless runner does (blocking a
/// pool thread here would starve the other suites); the expectations run after.
@Suite(.serialized, .tags(.unit)) struct OTLPReceiverTests {
    struct Outcome: Sendable {
        var port: Int
        var responses: [String: LoopbackHTTP.Response] = [:]
        var notFound: Int = 0
        var events: [EventView] = []
        var exports = 0, refused = 0, malformed = 0
        var problem: FeedProblem?
        var problemAMinuteLater: FeedProblem?
        var lastDataAt: Double?
    }

    @Test func exportsOverHTTPBecomeEventsAndRefusalsProblems() async throws {
        let o = try await onPlainThread { () throws -> Outcome in
            let receiver = OTLPReceiver(target: try OTLPTarget("otlp://127.0.0.1:0"), startedAt: 1_796_637_000, metricHold: 0)
            try receiver.start()
            defer { receiver.stop() }
            var o = Outcome(port: receiver.boundPort ?? 0)
            let protobuf = ["Content-Type": "application/x-protobuf"], json = ["Content-Type": "application/json"]
            let gzipJSON = json.merging(["Content-Encoding": "gzip"]) { $1 }
            let posts: [(String, String, [String: String], [UInt8])] = [
                ("protobuf", "/v1/logs", protobuf, OTLPFixture.bytes("logs.binpb")),
                ("gzip JSON", "/v1/logs", gzipJSON, OTLPFixture.bytes("logs.json.gz")),
                ("metrics", "/v1/metrics", ["Content-Type": "application/json; charset=utf-8"], OTLPFixture.bytes("metrics.json")),
                ("garbage", "/v1/logs", protobuf, Array(repeating: 0xff, count: 64)),
                ("unknown type", "/v1/logs", ["Content-Type": "text/plain"], Array("hi".utf8)),
                ("bomb", "/v1/logs", gzipJSON, OTLPFixture.bytes("bomb.gz")),
                ("huge", "/v1/logs", protobuf, [UInt8](repeating: 0, count: OTLPReceiver.maxBodyBytes + 1)),
            ]
            for (name, path, headers, body) in posts {
                o.responses[name] = try LoopbackHTTP.post(port: o.port, path: path, headers: headers, body: body)
            }
            o.notFound = try LoopbackHTTP.get(port: o.port, path: "/v1/traces").status
            let models = ModelCatalog()
            let diagnostics = Diagnostics()
            receiver.poll(now: Date().timeIntervalSince1970, models: models, source: 7, diagnostics: diagnostics) {
                o.events.append(EventView($0, models))
            }
            o.exports = receiver.exports
            o.refused = receiver.refused
            o.malformed = diagnostics.malformedLines
            o.problem = receiver.problem
            o.lastDataAt = receiver.lastDataAt
            receiver.poll(now: Date().timeIntervalSince1970 + OTLPReceiver.problemLasts + 1, models: models, source: 7,
                          diagnostics: diagnostics) { _ in }
            o.problemAMinuteLater = receiver.problem
            return o
        }
        #expect(o.port > 0)
        #expect(o.responses["protobuf"]?.status == 200)
        #expect(o.responses["protobuf"]?.headers["content-type"] == "application/x-protobuf")
        #expect(o.responses["protobuf"]?.body.isEmpty == true, "an empty ExportLogsServiceResponse")
        #expect(o.responses["gzip JSON"]?.status == 200)
        #expect(o.responses["gzip JSON"]?.body == "{}")
        #expect(o.responses["metrics"]?.status == 200)
        #expect(o.responses["garbage"]?.status == 400, "\(String(describing: o.responses["garbage"]))")
        #expect(o.responses["unknown type"]?.status == 415)
        #expect(o.responses["bomb"]?.status == 400)
        #expect(o.responses["huge"]?.status == 413)
        #expect(o.notFound == 404)
        // The second copy of the logs (JSON, gzip) is the same export again: not counted twice.
        // Session c's metric usage has no events: it counts (hold 0).
        #expect(o.events.count == 5, "\(o.events)")
        #expect(Array(o.events.prefix(4)) == OTLPPayloadTests.expectedLogEvents)
        #expect(o.events.last?.usage == Usage(inputTokens: 1000, cacheCreationInputTokens: 50, cacheReadInputTokens: 4000, outputTokens: 100))
        #expect(o.exports == 3)
        #expect(o.refused == 4)
        #expect(o.malformed == 4)
        let problem = try #require(o.problem)
        #expect(!problem.retrying && problem.failures == 4)
        #expect(problem.text(now: problem.since).hasPrefix("refused 4 requests in 0 s: /v1/logs: body larger than 16 MiB"), "\(problem)")
        #expect(o.lastDataAt != nil)
        #expect(o.problemAMinuteLater == nil, "a minute without refusals")
    }

    @Test func aPortInUseIsOneLine() async throws {
        let message = try await onPlainThread { () throws -> String? in
            let first = OTLPReceiver(target: try OTLPTarget("otlp://127.0.0.1:0"))
            try first.start()
            defer { first.stop() }
            let second = OTLPReceiver(target: try OTLPTarget("otlp://127.0.0.1:\(first.boundPort ?? 0)"))
            do {
                try second.start()
                second.stop()
                return nil
            } catch {
                return "\(error)"
            }
        }
        let text = try #require(message, "a second receiver on the same port started")
        #expect(text.contains("cannot listen") && !text.contains("\n"), "\(text)")
    }
}

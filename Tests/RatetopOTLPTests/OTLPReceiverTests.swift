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

/// The receiver over real HTTP on loopback: both encodings, gzip, refusals, and what `poll` makes of them.
@Suite(.serialized, .tags(.unit)) struct OTLPReceiverTests {
    @Test func exportsOverHTTPBecomeEventsAndRefusalsProblems() throws {
        let receiver = OTLPReceiver(target: try OTLPTarget("otlp://127.0.0.1:0"), startedAt: 1_796_637_000, metricHold: 0)
        try receiver.start()
        defer { receiver.stop() }
        let port = try #require(receiver.boundPort)
        #expect(port > 0)
        let protobuf = ["Content-Type": "application/x-protobuf"], json = ["Content-Type": "application/json"]

        let first = try LoopbackHTTP.post(port: port, path: "/v1/logs", headers: protobuf, body: OTLPFixture.bytes("logs.binpb"))
        #expect(first.status == 200)
        #expect(first.headers["content-type"] == "application/x-protobuf")
        #expect(first.body.isEmpty, "an empty ExportLogsServiceResponse")
        let again = try LoopbackHTTP.post(port: port, path: "/v1/logs", headers: json.merging(["Content-Encoding": "gzip"]) { $1 },
                                          body: OTLPFixture.bytes("logs.json.gz"))
        #expect(again.status == 200)
        #expect(again.body == "{}")
        let metrics = try LoopbackHTTP.post(port: port, path: "/v1/metrics", headers: ["Content-Type": "application/json; charset=utf-8"],
                                            body: OTLPFixture.bytes("metrics.json"))
        #expect(metrics.status == 200)

        let garbage = try LoopbackHTTP.post(port: port, path: "/v1/logs", headers: protobuf, body: Array(repeating: 0xff, count: 64))
        #expect(garbage.status == 400, "\(garbage)")
        let unknownType = try LoopbackHTTP.post(port: port, path: "/v1/logs", headers: ["Content-Type": "text/plain"], body: Array("hi".utf8))
        #expect(unknownType.status == 415)
        let bomb = try LoopbackHTTP.post(port: port, path: "/v1/logs", headers: json.merging(["Content-Encoding": "gzip"]) { $1 },
                                         body: OTLPFixture.bytes("bomb.gz"))
        #expect(bomb.status == 400)
        let huge = try LoopbackHTTP.post(port: port, path: "/v1/logs", headers: protobuf,
                                         body: [UInt8](repeating: 0, count: OTLPReceiver.maxBodyBytes + 1))
        #expect(huge.status == 413)
        #expect(try LoopbackHTTP.get(port: port, path: "/v1/traces").status == 404)

        let models = ModelCatalog()
        let diagnostics = Diagnostics()
        var events: [EventView] = []
        receiver.poll(now: Date().timeIntervalSince1970, models: models, source: 7, diagnostics: diagnostics) {
            events.append(EventView($0, models))
        }
        // The second copy of the logs (JSON, gzip) is the same export again: not counted twice.
        // Session c's metric usage has no events: it counts (hold 0).
        #expect(events.count == 5, "\(events)")
        #expect(Array(events.prefix(4)) == OTLPPayloadTests.expectedLogEvents)
        #expect(events.last?.usage == Usage(inputTokens: 1000, cacheCreationInputTokens: 50, cacheReadInputTokens: 4000, outputTokens: 100))
        #expect(receiver.exports == 3)
        #expect(receiver.refused == 4)
        #expect(diagnostics.malformedLines == 4)
        let problem = try #require(receiver.problem)
        #expect(!problem.retrying && problem.failures == 4)
        #expect(problem.text(now: problem.since).hasPrefix("refused 4 requests in 0 s: /v1/logs: body larger than 16 MiB"), "\(problem)")
        #expect(receiver.lastDataAt != nil)
        receiver.poll(now: Date().timeIntervalSince1970 + OTLPReceiver.problemLasts + 1, models: models, source: 7,
                      diagnostics: diagnostics) { _ in }
        #expect(receiver.problem == nil, "a minute without refusals")
    }

    @Test func aPortInUseIsOneLine() throws {
        let first = OTLPReceiver(target: try OTLPTarget("otlp://127.0.0.1:0"))
        try first.start()
        defer { first.stop() }
        let second = OTLPReceiver(target: try OTLPTarget("otlp://127.0.0.1:\(first.boundPort ?? 0)"))
        #expect {
            try second.start()
        } throws: { error in
            "\(error)".contains("cannot listen") && !"\(error)".contains("\n")
        }
    }
}

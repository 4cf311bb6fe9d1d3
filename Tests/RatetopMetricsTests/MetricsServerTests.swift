import RatetopCore
import RatetopMetrics
import RatetopTestSupport
import Testing

/// The server started and stopped from a plain thread, as the headless runner does; the
/// expectations are checked back in the test's task.
@Suite(.serialized, .tags(.endToEnd)) struct MetricsServerEndToEndTests {
    @Test func servesMetricsOnAPortChosenByTheKernel() async throws {
        let exporter = MetricsExporter()
        exporter.update(state: MetricsFixtures.state, totals: [MetricsFixtures.totals()], linesRead: 5, malformedLines: 0, firingAlerts: [])
        let (port, first, next, elsewhere) = try await onPlainThread {
            let server = try MetricsServer.start(host: "127.0.0.1", port: 0, exporter: exporter)
            defer { server.stop() }
            let first = try LoopbackHTTP.get(port: server.boundPort, path: "/metrics")
            // The next scrape sees the next update.
            exporter.update(state: EngineState(at: MetricsFixtures.at + 1, buckets: [MetricsFixtures.sonnet(remainingInput: 9000)]),
                            totals: [MetricsFixtures.totals()], linesRead: 6, malformedLines: 0, firingAlerts: [])
            let next = try LoopbackHTTP.get(port: server.boundPort, path: "/metrics")
            let elsewhere = try ["/", "/metrics/extra", "/api/v1/query"].map { try LoopbackHTTP.get(port: server.boundPort, path: $0).status }
            return (server.boundPort, first, next, elsewhere)
        }
        #expect(port > 0)
        #expect(first.status == 200)
        #expect(first.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(first.body.contains(#"ratetop_bucket_remaining{bucket="sonnet-4.x",dimension="input_tokens"} 12000.0"#))
        #expect(first.body.contains("# TYPE ratetop_requests_total counter\n"))
        #expect(next.body == exporter.exposition())
        #expect(next.body.contains(#"ratetop_bucket_remaining{bucket="sonnet-4.x",dimension="input_tokens"} 9000.0"#))
        #expect(next.body.contains("ratetop_lines_read_total 6\n"))
        #expect(elsewhere == [404, 404, 404])
    }

    @Test func stopClosesTheSocket() async throws {
        let (before, after) = try await onPlainThread {
            let server = try MetricsServer.start(listen: ":0", exporter: MetricsExporter())
            let before = try LoopbackHTTP.get(port: server.boundPort, path: "/metrics").status
            server.stop()
            server.stop()
            return (before, Result { try LoopbackHTTP.get(port: server.boundPort, path: "/metrics").status })
        }
        #expect(before == 200)
        #expect(throws: LoopbackHTTP.Failure.self) { try after.get() }
    }

    @Test func aPortInUseIsAOneLineError() async throws {
        let (port, second) = try await onPlainThread {
            let first = try MetricsServer.start(host: "127.0.0.1", port: 0, exporter: MetricsExporter())
            defer { first.stop() }
            let second = Result { try MetricsServer.start(host: "127.0.0.1", port: first.boundPort, exporter: MetricsExporter()) }
            if case let .success(server) = second { server.stop() }
            return (first.boundPort, second.map(\.boundPort))
        }
        #expect(throws: MetricsServerError.cannotListen(host: "127.0.0.1", port: port, reason: "Address already in use")) {
            try second.get()
        }
        let message = "\(MetricsServerError.cannotListen(host: "127.0.0.1", port: port, reason: "Address already in use"))"
        #expect(message == "--metrics-listen: cannot listen on 127.0.0.1:\(port): Address already in use")
    }
}

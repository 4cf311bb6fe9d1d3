import RatetopMetrics
import Testing
import RatetopTestSupport

@Suite(.tags(.unit)) struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:10429", "127.0.0.1", 10429),
        ("0.0.0.0:10429", "0.0.0.0", 10429),
        ("localhost:80", "localhost", 80),
        (":10429", "127.0.0.1", 10429),
        ("10429", "127.0.0.1", 10429),
        ("0", "127.0.0.1", 0),
        ("[::1]:10429", "::1", 10429),
        ("[::]:65535", "::", 65535),
        (" metrics.internal:9100 ", "metrics.internal", 9100),
        // A host alone listens on the default port (10429, not 9464: Claude Code's exporter).
        ("localhost", "localhost", 10429),
        ("0.0.0.0", "0.0.0.0", 10429),
        ("[::1]", "::1", 10429),
    ])
    func accepted(listen: String, host: String, port: Int) throws {
        let parsed = try MetricsServer.parse(listen: listen)
        #expect(parsed.host == host)
        #expect(parsed.port == port)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("localhost:", "the port is missing"),
        ("127.0.0.1:http", "the port 'http' is not a number from 0 to 65535"),
        ("127.0.0.1:65536", "the port '65536' is not a number from 0 to 65535"),
        ("127.0.0.1:-1", "the port '-1' is not a number from 0 to 65535"),
        ("::1:9464", "an IPv6 address needs brackets, e.g. [::1]:10429"),
        ("[::1", "the IPv6 address has no closing ']'"),
        ("[::1]x", "the port is missing after ']'"),
        ("[]:9464", "the IPv6 address between '[' and ']' is empty"),
        ("http://host:9464/metrics", "give HOST:PORT, not a URL"),
        ("my host:9464", "the host 'my host' is not a host name or address"),
    ])
    func rejectedWithOneLine(listen: String, problem: String) {
        #expect {
            _ = try MetricsServer.parse(listen: listen)
        } throws: { error in
            let text = "\(error)"
            return text == "--metrics-listen '\(listen)': \(problem) (expected HOST:PORT, :PORT, PORT or HOST)" && !text.contains("\n")
        }
    }

    @Test func defaultPortIsNotClaudeCodesExporterPort() {
        #expect(MetricsServer.defaultPort == 10429)
        #expect(MetricsServer.defaultPort != 9464)
        #expect(!(9100...9999).contains(MetricsServer.defaultPort))
    }

    @Test func recordsListenStillNeedsAPort() {
        #expect(throws: MetricsServerError.badListenAddress("localhost", problem: "the port is missing")) {
            _ = try MetricsServer.parse(listen: "localhost", defaultPort: nil)
        }
    }

    @Test func checkRefusesAHostThatDoesNotResolve() throws {
        #expect(try MetricsServer.check(listen: "127.0.0.1:0").port == 0)
        #expect(throws: MetricsServerError.badListenAddress("no-such-host.invalid", problem: "the host 'no-such-host.invalid' does not resolve to an address")) {
            _ = try MetricsServer.check(listen: "no-such-host.invalid")
        }
    }
}

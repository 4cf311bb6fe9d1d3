import RatetopMetrics
import Testing
import RatetopTestSupport

@Suite(.tags(.unit)) struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464),
        ("0.0.0.0:9464", "0.0.0.0", 9464),
        ("localhost:80", "localhost", 80),
        (":9464", "127.0.0.1", 9464),
        ("9464", "127.0.0.1", 9464),
        ("0", "127.0.0.1", 0),
        ("[::1]:9464", "::1", 9464),
        ("[::]:65535", "::", 65535),
        (" metrics.internal:9100 ", "metrics.internal", 9100),
    ])
    func accepted(listen: String, host: String, port: Int) throws {
        let parsed = try MetricsServer.parse(listen: listen)
        #expect(parsed.host == host)
        #expect(parsed.port == port)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("localhost", "the port is missing"),
        ("localhost:", "the port is missing"),
        ("127.0.0.1:http", "the port 'http' is not a number from 0 to 65535"),
        ("127.0.0.1:65536", "the port '65536' is not a number from 0 to 65535"),
        ("127.0.0.1:-1", "the port '-1' is not a number from 0 to 65535"),
        ("::1:9464", "an IPv6 address needs brackets, e.g. [::1]:9464"),
        ("[::1", "the IPv6 address has no closing ']'"),
        ("[::1]", "the port is missing after ']'"),
        ("[]:9464", "the IPv6 address between '[' and ']' is empty"),
        ("http://host:9464/metrics", "give HOST:PORT, not a URL"),
        ("my host:9464", "the host 'my host' is not a host name or address"),
    ])
    func rejectedWithOneLine(listen: String, problem: String) {
        #expect {
            _ = try MetricsServer.parse(listen: listen)
        } throws: { error in
            let text = "\(error)"
            return text == "--metrics-listen '\(listen)': \(problem) (expected HOST:PORT, :PORT or PORT)" && !text.contains("\n")
        }
    }
}

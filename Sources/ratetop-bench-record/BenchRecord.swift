import AsyncHTTPClient
import Foundation
import NIOCore
import RatetopFakeUpstream
import RatetopTestSupport

/// Measures what `ratetop record` adds in front of an API: a fake Anthropic API in this
/// process, the real `ratetop record` binary as a child process, and a concurrent client here
/// calling both directly and through the proxy. Prints latency percentiles (and the difference),
/// throughput, stream first-byte times, and the proxy's peak memory and CPU time.
///
///     ratetop-bench-record --ratetop .build/release/ratetop [--requests 5000] [--concurrency 200]
///                          [--streams 200] [--events 20] [--interval-ms 10]
@main
struct BenchRecord {
    static func main() async throws {
        let options = Options(CommandLine.arguments.dropFirst())
        let fake = try await FakeAnthropicAPI.start(recordRequests: false)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-bench-record-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let port = try LoopbackHTTP.freePort()
        let log = scratch + "/bench.jsonl"
        let proxy = try ChildProcess(options.ratetop, arguments: [
            "record", "--listen", "127.0.0.1:\(port)", "--upstream", "http://127.0.0.1:\(fake.port)", "--log", log,
        ], outputPath: scratch + "/record.out", errorPath: scratch + "/record.err")
        guard ChildProcess.eventually(timeout: 20, { (try? LoopbackHTTP.get(port: port, path: "/v1/models"))?.status == 200 }) else {
            print("ratetop record did not start: \(proxy.errorOutput)")
            exit(1)
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let direct = "http://127.0.0.1:\(fake.port)/v1/messages"
        let proxied = "http://127.0.0.1:\(port)/v1/messages"

        print("ratetop record benchmark: \(ProcessInfo.processInfo.activeProcessorCount) cores; fake API and client in this process, proxy pid \(proxy.pid)")
        // Warm both paths' connection pools up.
        _ = try await run(client, url: direct, scenario: "json", total: 400, concurrency: options.concurrency)
        _ = try await run(client, url: proxied, scenario: "json", total: 400, concurrency: options.concurrency)

        for concurrency in [1, options.concurrency] {
            let total = concurrency == 1 ? min(options.requests, 2000) : options.requests
            // Interleave direct and proxied rounds so both see the same machine.
            var directRun = Measured(), proxyRun = Measured()
            for _ in 0..<2 {
                directRun.add(try await run(client, url: direct, scenario: "json", total: total / 2, concurrency: concurrency))
                proxyRun.add(try await run(client, url: proxied, scenario: "json", total: total / 2, concurrency: concurrency))
            }
            print("\nnon-streaming, \(total) requests per path, \(concurrency) concurrent (latency: send to last body byte)")
            report(directRun, proxyRun)
        }

        let streamHeaders = [("x-fake-events", "\(options.events)"), ("x-fake-interval-ms", "\(options.intervalMs)")]
        for concurrency in [1, options.streams] {
            let perRound = concurrency == 1 ? 50 : options.streams
            var directStreams = Measured(), proxyStreams = Measured()
            for _ in 0..<2 {
                directStreams.add(try await run(client, url: direct, scenario: "bench-stream", total: perRound,
                                                concurrency: concurrency, headers: streamHeaders))
                proxyStreams.add(try await run(client, url: proxied, scenario: "bench-stream", total: perRound,
                                               concurrency: concurrency, headers: streamHeaders))
            }
            print("\nstreams: \(directStreams.latencies.count) per path, \(concurrency) concurrent, \(options.events) events \(options.intervalMs) ms apart (first event after \(options.intervalMs) ms)")
            report(directStreams, proxyStreams, firstByte: true)
        }

        let status = (try? String(contentsOfFile: "/proc/\(proxy.pid)/status", encoding: .utf8)) ?? ""
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) } ?? "?"
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) } ?? "?"
        let cpu = cpuSeconds(pid: proxy.pid)
        proxy.stop(signal: SIGTERM, timeout: 15)
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
        let expected = 400 + options.requests / 2 * 2 + min(options.requests, 2000) / 2 * 2 + 100 + options.streams * 2
        print("\nproxy process: peak RSS \(peak), RSS at the end \(rss), CPU \(String(format: "%.2f", cpu)) s; \(lines) log lines (expected \(expected))")
        try await client.shutdown()
        await fake.stop()
    }

    struct Options {
        var ratetop = ".build/release/ratetop"
        var requests = 5000
        var concurrency = 200
        var streams = 200
        var events = 20
        var intervalMs = 10

        init(_ arguments: ArraySlice<String>) {
            var iterator = arguments.makeIterator()
            while let flag = iterator.next() {
                let value = iterator.next() ?? ""
                switch flag {
                case "--ratetop": ratetop = value
                case "--requests": requests = Int(value) ?? requests
                case "--concurrency": concurrency = Int(value) ?? concurrency
                case "--streams": streams = Int(value) ?? streams
                case "--events": events = Int(value) ?? events
                case "--interval-ms": intervalMs = Int(value) ?? intervalMs
                default: print("unknown flag \(flag)"); exit(2)
                }
            }
        }
    }

    /// Latencies and first-byte times (seconds) of one or more runs, and their wall time.
    struct Measured {
        var latencies: [Double] = []
        var firstBytes: [Double] = []
        var wall = 0.0
        var failures = 0

        mutating func add(_ other: Measured) {
            latencies += other.latencies
            firstBytes += other.firstBytes
            wall += other.wall
            failures += other.failures
        }

        func percentile(_ values: [Double], _ p: Double) -> Double {
            guard !values.isEmpty else { return .nan }
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
    }

    static func report(_ direct: Measured, _ proxy: Measured, firstByte: Bool = false) {
        func ms(_ value: Double) -> String { String(format: "%7.2f ms", value * 1000) }
        let rows: [(String, [Double], [Double])] = firstByte
            ? [("first byte", direct.firstBytes, proxy.firstBytes), ("whole stream", direct.latencies, proxy.latencies)]
            : [("latency", direct.latencies, proxy.latencies)]
        for (name, a, b) in rows {
            for p in [0.5, 0.99] {
                let d = direct.percentile(a, p), q = proxy.percentile(b, p)
                print("  \(name) p\(Int(p * 100)): direct \(ms(d))   through ratetop \(ms(q))   added \(ms(q - d))")
            }
        }
        print(String(format: "  throughput: direct %.0f req/s, through ratetop %.0f req/s; failures: direct %d, through ratetop %d",
                     Double(direct.latencies.count) / direct.wall, Double(proxy.latencies.count) / proxy.wall, direct.failures, proxy.failures))
    }

    /// `total` calls with at most `concurrency` in flight.
    static func run(_ client: HTTPClient, url: String, scenario: String, total: Int, concurrency: Int,
                    headers: [(String, String)] = []) async throws -> Measured {
        let body = ByteBuffer(string: #"{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"Hello"}]}"#)
        let started = ContinuousClock.now
        var measured = Measured()
        try await withThrowingTaskGroup(of: (Double, Double, Bool).self) { group in
            var launched = 0
            func launch() {
                launched += 1
                group.addTask {
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "x-api-key", value: "sk-ant-bench")
                    request.headers.add(name: "anthropic-version", value: "2023-06-01")
                    request.headers.add(name: "content-type", value: "application/json")
                    request.headers.add(name: "x-fake-scenario", value: scenario)
                    for (name, value) in headers { request.headers.add(name: name, value: value) }
                    request.body = .bytes(body)
                    let start = ContinuousClock.now
                    var first: Double = -1
                    do {
                        let response = try await client.execute(request, timeout: .seconds(60))
                        for try await _ in response.body where first < 0 { first = seconds(ContinuousClock.now - start) }
                        return (seconds(ContinuousClock.now - start), first, response.status.code == 200)
                    } catch {
                        return (seconds(ContinuousClock.now - start), first, false)
                    }
                }
            }
            for _ in 0..<min(concurrency, total) { launch() }
            while let (latency, first, ok) = try await group.next() {
                if ok {
                    measured.latencies.append(latency)
                    if first >= 0 { measured.firstBytes.append(first) }
                } else {
                    measured.failures += 1
                }
                if launched < total { launch() }
            }
        }
        measured.wall = seconds(ContinuousClock.now - started)
        return measured
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// User + system CPU seconds of a process, from /proc/PID/stat.
    static func cpuSeconds(pid: pid_t) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return .nan }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

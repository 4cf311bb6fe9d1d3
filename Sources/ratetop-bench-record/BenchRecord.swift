import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import RatetopFakeUpstream
import RatetopTestSupport

/// Measures what `ratetop record` adds in front of an API: a fake Anthropic API in this
/// process, the real `ratetop record` binary as a child process, and a concurrent client here
/// calling both directly and through the proxy. Prints latency percentiles (and the difference),
/// throughput, stream first-byte times, and the proxy's peak memory and CPU time.
///
///     ratetop-bench-record --ratetop .build/release/ratetop [--requests 5000] [--concurrency 200]
///                          [--upstream-ms 1000] [--streams 200] [--first-ms 500] [--events 50] [--interval-ms 20]
///                          [--proxy-cpus LIST] [--proxy-threads N]
@main
struct BenchRecord {
    /// The client and the fake API run on one event loop that is also Swift Concurrency's
    /// executor (as the proxy does): no thread hops, so the direct path is as quick and steady as
    /// this process can make it, and what the proxy adds stands out.
    static func main() {
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let done = DispatchSemaphore(value: 0)
        Task.detached {  // not Task {}: that would wait for the main actor, blocked below
            do {
                try await measure(Options(CommandLine.arguments.dropFirst()))
            } catch {
                emit("benchmark failed: \(error)")
                exit(1)
            }
            done.signal()
        }
        done.wait()
    }

    static func measure(_ options: Options) async throws {
        let fake = try await FakeAnthropicAPI.start(recordRequests: false)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-bench-record-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let port = try LoopbackHTTP.freePort()
        let log = scratch + "/bench.jsonl"
        let record = [options.ratetop, "record", "--listen", "127.0.0.1:\(port)", "--upstream", "http://127.0.0.1:\(fake.port)", "--log", log,
                      "--threads", "\(options.proxyThreads)"]
        // taskset execs the proxy, so the pid stays the proxy's.
        let command = options.proxyCPUs.map { ["taskset", "-c", $0] + record } ?? record
        let proxy = try ChildProcess(command[0], arguments: Array(command.dropFirst()),
                                     outputPath: scratch + "/record.out", errorPath: scratch + "/record.err")
        // Its "recording …" line says it listens (a call through it would need the fake API, which
        // answers on this very thread, so it cannot be waited for here).
        guard await ChildProcess.eventually(timeout: 20, { proxy.errorOutput.contains("recording http://") }) else {
            emit("ratetop record did not start: \(proxy.errorOutput)")
            exit(1)
        }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let direct = "http://127.0.0.1:\(fake.port)/v1/messages"
        let proxied = "http://127.0.0.1:\(port)/v1/messages"

        emit("ratetop record benchmark: \(ProcessInfo.processInfo.activeProcessorCount) cores; fake API and client in this process, proxy pid \(proxy.pid)")
        // Warm both paths' connection pools up.
        _ = try await run(client, url: direct, scenario: "json", total: 400, concurrency: options.concurrency)
        _ = try await run(client, url: proxied, scenario: "json", total: 400, concurrency: options.concurrency)
        var proxiedCalls = 400

        /// Direct and proxied rounds interleaved so both see the same machine; the proxy's CPU
        /// time over its rounds, per call.
        func compare(scenario: String, total: Int, concurrency: Int, headers: [(String, String)] = [],
                     delayMs: ClosedRange<Double>? = nil) async throws
            -> (direct: Measured, proxy: Measured, cpuPerCall: Double) {
            var directRun = Measured(), proxyRun = Measured()
            var cpu = 0.0
            for _ in 0..<2 {
                directRun.add(try await run(client, url: direct, scenario: scenario, total: total / 2, concurrency: concurrency,
                                            headers: headers, delayMs: delayMs))
                let before = cpuSeconds(pid: proxy.pid)
                proxyRun.add(try await run(client, url: proxied, scenario: scenario, total: total / 2, concurrency: concurrency,
                                           headers: headers, delayMs: delayMs))
                cpu += cpuSeconds(pid: proxy.pid) - before
            }
            proxiedCalls += total / 2 * 2
            return (directRun, proxyRun, cpu / Double(total / 2 * 2))
        }

        // 1. What one call pays: nothing else in flight.
        let alone = try await compare(scenario: "json", total: min(options.requests, 2000), concurrency: 1)
        emit("\nnon-streaming, one at a time: \(alone.proxy.latencies.count) calls per path (latency: send to last body byte)")
        report(alone.direct, alone.proxy, cpuPerCall: alone.cpuPerCall)

        // 2. A busy organization: many calls in flight, each taking as long as the API does.
        // Each call asks the fake API for its own random answer time (±50 % around the mean), so
        // calls arrive spread out as real traffic does; that time is taken off its latency.
        let upstream = Double(options.upstreamMs)
        let busy = try await compare(scenario: "json", total: options.requests, concurrency: options.concurrency,
                                     delayMs: (upstream * 0.5)...(upstream * 1.5))
        let offered = Double(options.concurrency) / (upstream / 1000)
        emit("\nnon-streaming, \(options.concurrency) in flight, the API answering in \(options.upstreamMs) ms ±50 % (~\(Int(offered)) calls/s, \(Int(offered * 60)) a minute): \(busy.proxy.latencies.count) calls per path (latency: beyond the API's own answer time)")
        report(busy.direct, busy.proxy, cpuPerCall: busy.cpuPerCall)

        // 3. Saturation: an API answering at once and a client that never waits. On this machine
        // the client, the fake API and the proxy share the cores, so latency here is queueing.
        let flat = try await compare(scenario: "json", total: options.requests, concurrency: options.concurrency)
        emit("\nsaturation: non-streaming, \(options.concurrency) in flight, the API answering at once: \(flat.proxy.latencies.count) calls per path (latency is CPU queueing)")
        report(flat.direct, flat.proxy, cpuPerCall: flat.cpuPerCall)

        // 4. Streams: first byte and whole stream. One at a time (short streams: what one first
        // byte pays), then many in flight, each stream paced like the API's.
        let shortStream = [("x-fake-events", "10"), ("x-fake-interval-ms", "10"), ("x-fake-first-ms", "50")]
        let single = try await compare(scenario: "bench-stream", total: 200, concurrency: 1, headers: shortStream)
        emit("\nstreams, one at a time: \(single.proxy.latencies.count) per path; first event after 50 ms, then 10 events 10 ms apart")
        report(single.direct, single.proxy, firstByte: true, cpuPerCall: single.cpuPerCall)
        let streamHeaders = [("x-fake-events", "\(options.events)"), ("x-fake-interval-ms", "\(options.intervalMs)")]
        let first = Double(options.firstMs)
        let many = try await compare(scenario: "bench-stream", total: options.streams * 4, concurrency: options.streams, headers: streamHeaders,
                                     delayMs: (first * 0.5)...(first * 1.5))
        emit("\nstreams, \(options.streams) in flight: \(many.proxy.latencies.count) per path; first event after \(options.firstMs) ms ±50 %, then \(options.events) events \(options.intervalMs) ms apart (times: beyond that first wait)")
        report(many.direct, many.proxy, firstByte: true, cpuPerCall: many.cpuPerCall)

        let status = (try? String(contentsOfFile: "/proc/\(proxy.pid)/status", encoding: .utf8)) ?? ""
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }.map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) } ?? "?"
        let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }.map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) } ?? "?"
        let cpu = cpuSeconds(pid: proxy.pid)
        proxy.stop(signal: SIGTERM, timeout: 15)
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
        let expected = proxiedCalls
        emit("\nproxy process: peak RSS \(peak), RSS at the end \(rss), CPU \(String(format: "%.2f", cpu)) s; \(lines) log lines (expected \(expected))")
        try await client.shutdown()
        await fake.stop()
    }

    struct Options {
        var ratetop = ".build/release/ratetop"
        var requests = 5000
        var concurrency = 200
        var streams = 200
        var upstreamMs = 1000
        var events = 50
        var intervalMs = 20
        var firstMs = 500
        /// CPUs the proxy may use (taskset list), so it does not share a core with this process.
        var proxyCPUs: String?
        /// The proxy's `--threads` (event loops).
        var proxyThreads = 1

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
                case "--first-ms": firstMs = Int(value) ?? firstMs
                case "--proxy-cpus": proxyCPUs = value
                case "--proxy-threads": proxyThreads = Int(value) ?? proxyThreads
                case "--upstream-ms": upstreamMs = Int(value) ?? upstreamMs
                default: emit("unknown flag \(flag)"); exit(2)
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

    static func report(_ direct: Measured, _ proxy: Measured, firstByte: Bool = false, cpuPerCall: Double) {
        func ms(_ value: Double) -> String { String(format: "%7.2f ms", value * 1000) }
        let rows: [(String, [Double], [Double])] = firstByte
            ? [("first byte", direct.firstBytes, proxy.firstBytes), ("whole stream", direct.latencies, proxy.latencies)]
            : [("latency", direct.latencies, proxy.latencies)]
        for (name, a, b) in rows {
            for p in [0.5, 0.99] {
                let d = direct.percentile(a, p), q = proxy.percentile(b, p)
                emit("  \(name) p\(Int(p * 100)): direct \(ms(d))   through ratetop \(ms(q))   added \(ms(q - d))")
            }
        }
        emit(String(format: "  throughput: direct %.0f req/s, through ratetop %.0f req/s; failures: direct %d, through ratetop %d; proxy CPU %.3f ms per call",
                     Double(direct.latencies.count) / direct.wall, Double(proxy.latencies.count) / proxy.wall, direct.failures, proxy.failures,
                     cpuPerCall * 1000))
    }

    /// `total` calls with at most `concurrency` in flight. With `delayMs`, each call asks the fake
    /// API to answer (a stream: to send its first event) after a random time in that range
    /// (milliseconds), and its latency and first byte are counted without that time.
    static func run(_ client: HTTPClient, url: String, scenario: String, total: Int, concurrency: Int,
                    headers: [(String, String)] = [], delayMs: ClosedRange<Double>? = nil) async throws -> Measured {
        let body = ByteBuffer(string: #"{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[{"role":"user","content":"Hello"}]}"#)
        let started = ContinuousClock.now
        var measured = Measured()
        try await withThrowingTaskGroup(of: (Double, Double, Bool).self) { group in
            var launched = 0
            func launch(after wait: Double = 0) {
                launched += 1
                group.addTask {
                    if wait > 0 {
                        try await MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(Int64(wait * 1e9))) {}.futureResult.get()
                    }
                    var request = HTTPClientRequest(url: url)
                    request.method = .POST
                    request.headers.add(name: "x-api-key", value: "sk-ant-bench")
                    request.headers.add(name: "anthropic-version", value: "2023-06-01")
                    request.headers.add(name: "content-type", value: "application/json")
                    request.headers.add(name: "x-fake-scenario", value: scenario)
                    for (name, value) in headers { request.headers.add(name: name, value: value) }
                    let delay = delayMs.map { Double.random(in: $0).rounded() } ?? 0
                    if delay > 0 { request.headers.add(name: scenario == "json" ? "x-fake-delay-ms" : "x-fake-first-ms", value: "\(Int(delay))") }
                    request.body = .bytes(body)
                    let start = ContinuousClock.now
                    var first: Double = -1
                    do {
                        let response = try await client.execute(request, timeout: .seconds(60))
                        for try await _ in response.body where first < 0 { first = seconds(ContinuousClock.now - start) - delay / 1000 }
                        return (seconds(ContinuousClock.now - start) - delay / 1000, first, response.status.code == 200)
                    } catch {
                        return (seconds(ContinuousClock.now - start), first, false)
                    }
                }
            }
            // Paced calls start spread over one mean answer time, as traffic that is already
            // flowing does, not as one burst of `concurrency` calls in the same instant.
            let spread = delayMs.map { ($0.lowerBound + $0.upperBound) / 2 / 1000 } ?? 0
            let first = min(concurrency, total)
            for index in 0..<first { launch(after: spread * Double(index) / Double(first)) }
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

/// One line on stdout at once (print buffers whole blocks through a pipe until the end).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

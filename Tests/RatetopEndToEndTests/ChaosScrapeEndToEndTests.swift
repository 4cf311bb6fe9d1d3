import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RatetopFakeUpstream
import RatetopTestSupport
import Testing

/// Issue 14, hostile and extreme input: hostile `/metrics` endpoints scraped by
/// `ratetop watch http://…/metrics --headless`.
///
/// - One process scrapes six endpoints at once: a healthy ratetop whose counters grow; one whose
///   counters turn NaN, ±Inf and negative, then go backwards; one that serves garbage; one with
///   a body over the 16 MiB cap; one whose body never ends; one that drips a byte at a time.
///   Asserted: it keeps running and writing state lines; the three that cannot be read show in
///   `source_problems` with their reason (and the others do not); the healthy and the
///   odd-numbered sources are counted exactly (its own `/metrics` totals); SIGTERM exits 0.
/// - Values too large for an integer (`1e30`, `1e19`) in each series ratetop converts to a count:
///   one process each; each keeps running and writing state lines, and no number in them is
///   beyond 10^15 (the sample dropped, never counted).
/// - A followed file, scraped endpoints and alert sinks in one process: hung and failing sinks
///   and an endless endpoint beside a file with garbage lines; the file is counted exactly, its
///   alerts reach the working sink, the endpoint shows in `source_problems`, the sinks' failures
///   on stderr.
///
/// The fixtures' handlers run in this process, so the tests wait with `Task.sleep` (the async
/// `eventually`), never blocking a thread of the pool the fixtures answer on.
@Suite(.serialized, .tags(.endToEnd)) struct ChaosScrapeEndToEndTests {
    /// Another ratetop's `/metrics` for one bucket: attempts, tokens, a limit and a level.
    static func ratetopExposition(bucket: String, requests: String, input: String, output: String,
                                  limit: String = "30000", remaining: String = "20000", throttled: String = "0") -> String {
        """
        # HELP ratetop_bucket_limit Rate limit per minute of the bucket (requests or tokens); absent when unknown.
        # TYPE ratetop_bucket_limit gauge
        ratetop_bucket_limit{bucket="\(bucket)",dimension="input_tokens"} \(limit)
        # TYPE ratetop_bucket_remaining gauge
        ratetop_bucket_remaining{bucket="\(bucket)",dimension="input_tokens"} \(remaining)
        # TYPE ratetop_bucket_limit_source gauge
        ratetop_bucket_limit_source{bucket="\(bucket)",source="headers"} 1
        # TYPE ratetop_requests_total counter
        ratetop_requests_total{bucket="\(bucket)"} \(requests)
        # TYPE ratetop_throttled_requests_total counter
        ratetop_throttled_requests_total{bucket="\(bucket)",status="429"} \(throttled)
        # TYPE ratetop_tokens_total counter
        ratetop_tokens_total{bucket="\(bucket)",kind="input"} \(input)
        ratetop_tokens_total{bucket="\(bucket)",kind="output"} \(output)

        """
    }

    /// Serves `text` and waits until two more scrapes have been answered since (so the watcher
    /// has fetched it at least once after the change).
    static func serveAndWait(_ fixture: FakeMetricsEndpoint, _ text: String, _ what: String) async throws {
        fixture.serve(text)
        let answers = fixture.answers
        try #require(await ChildProcess.eventually(timeout: 20) { fixture.answers >= answers + 2 }, "\(what): not scraped again")
    }

    static func problems(_ state: [String: Any]?) -> [String: String] {
        var found: [String: String] = [:]
        for entry in state?["source_problems"] as? [[String: Any]] ?? [] {
            if let source = entry["source"] as? String { found[source] = entry["problem"] as? String ?? "" }
        }
        return found
    }

    @Test func hostileEndpointsShowAsProblemsWhileTheRestIsCountedExactly() async throws {
        let started = Date()
        let scratch = Scratch()
        let healthy = try await FakeMetricsEndpoint()
        let numbers = try await FakeMetricsEndpoint()
        let garbage = try await FakeMetricsEndpoint()
        let gigantic = try await FakeMetricsEndpoint()
        let endless = try await FakeMetricsEndpoint()
        let drip = try await FakeMetricsEndpoint()
        healthy.serve(Self.ratetopExposition(bucket: "sonnet-4.x", requests: "100", input: "50000", output: "5000"))
        numbers.serve(Self.ratetopExposition(bucket: "haiku-4.5", requests: "10", input: "1000", output: "100"))
        garbage.serve("""
            \u{0}\u{1}\u{7f} binary junk \u{ff}
            <html><body>502 Bad Gateway</body></html>
            ratetop_tokens_total{bucket="opus-4.x",kind="input" 5
            ratetop_tokens_total{bucket="opus-4.x",kind="input"} five
            ratetop_tokens_total{bucket="opus-4.x",kind="input"} 1 2 3 4
            {"not":"prometheus"}
            # TYPE ratetop_requests_total counter with trailing junk
            """ + String(repeating: "}", count: 10_000) + "\n")
        gigantic.serve(Self.ratetopExposition(bucket: "opus-4.x", requests: "1", input: "1", output: "1"))
        gigantic.deliver(.padded(filler: "# padding to make the body gigantic, one comment line after another\n", totalBytes: 40 << 20))
        endless.serve(Self.ratetopExposition(bucket: "opus-4.x", requests: "1", input: "1", output: "1"))
        endless.deliver(.endless(filler: "# still going\n", interval: .milliseconds(20)))
        drip.serve(Self.ratetopExposition(bucket: "opus-4.x", requests: "1", input: "1", output: "1"))
        drip.deliver(.drip(bytes: 1, interval: .milliseconds(40)))
        let all = [healthy, numbers, garbage, gigantic, endless, drip]

        let listen = try LoopbackHTTP.freePort()
        let watch = try ChildProcess(ratetopBinary, arguments: [
            "watch"] + all.map(\.url) + ["--headless", "--emit", "state", "--interval", "1s", "--scrape-interval", "250ms",
            "--metrics-listen", "127.0.0.1:\(listen)",
        ], outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
        func context() -> String {
            "after \(Chaos.since(started)); stdout tail: \(watch.output.suffix(1500))\nstderr: \(watch.errorOutput.suffix(2000))"
        }
        func metric(_ series: String) -> Double? { Chaos.sample(Chaos.metrics(port: listen), series) }

        // The baselines: both counting sources scraped, their buckets in the state.
        let baseline = await ChildProcess.eventually(timeout: 30) {
            let buckets = (Chaos.states(watch).last?["buckets"] as? [[String: Any]] ?? []).compactMap { $0["bucket"] as? String }
            return buckets.contains("sonnet-4.x") && buckets.contains("haiku-4.5")
        }
        try #require(baseline, "no baseline: \(context())")

        // Counters that are not counts (ignored), then growth, then going backwards (a reset:
        // the new value is what was counted since), then growth again.
        try await Self.serveAndWait(numbers, Self.ratetopExposition(bucket: "haiku-4.5", requests: "NaN", input: "+Inf", output: "-50",
                                                                     limit: "NaN", remaining: "-Inf", throttled: "NaN"), "NaN")
        try await Self.serveAndWait(numbers, Self.ratetopExposition(bucket: "haiku-4.5", requests: "20", input: "1500", output: "150",
                                                                     limit: "-5", remaining: "+Inf"), "growth")
        try await Self.serveAndWait(numbers, Self.ratetopExposition(bucket: "haiku-4.5", requests: "5", input: "300", output: "30"), "backwards")
        try await Self.serveAndWait(numbers, Self.ratetopExposition(bucket: "haiku-4.5", requests: "8", input: "400", output: "40"), "growth again")
        try await Self.serveAndWait(healthy, Self.ratetopExposition(bucket: "sonnet-4.x", requests: "130", input: "62000", output: "6200"), "healthy")

        // The three that cannot be read are stale, each with its reason; the others are not.
        var problems: [String: String] = [:]
        let stale = await ChildProcess.eventually(timeout: 30) {
            problems = Self.problems(Chaos.states(watch).last)
            return problems[gigantic.url]?.contains("response larger than 16 MiB") == true
                && problems[endless.url]?.contains("timed out") == true && problems[drip.url]?.contains("timed out") == true
        }
        #expect(stale, "source_problems: \(problems); \(context())")
        #expect(problems[healthy.url] == nil && problems[numbers.url] == nil && problems[garbage.url] == nil, "\(problems)")

        // Exact totals of what could be read: 30 attempts, 12000 / 1200 tokens on the healthy
        // source; 10 + 5 + 3 attempts, 500 + 300 + 100 input and 50 + 30 + 10 output on the
        // other (the NaN, infinite and negative values never counted).
        let counted = await ChildProcess.eventually(timeout: 15) {
            metric(#"ratetop_tokens_total{bucket="haiku-4.5",kind="input"}"#) == 900
                && metric(#"ratetop_tokens_total{bucket="sonnet-4.x",kind="input"}"#) == 12000
        }
        let exposition = Chaos.metrics(port: listen)
        #expect(counted, "\(exposition.split(separator: "\n").filter { $0.hasPrefix("ratetop_tokens") || $0.hasPrefix("ratetop_requests") })")
        #expect(Chaos.sample(exposition, #"ratetop_tokens_total{bucket="haiku-4.5",kind="output"}"#) == 90)
        #expect(Chaos.sample(exposition, #"ratetop_requests_total{bucket="haiku-4.5"}"#) == 18)
        #expect(Chaos.sample(exposition, #"ratetop_tokens_total{bucket="sonnet-4.x",kind="output"}"#) == 1200)
        #expect(Chaos.sample(exposition, #"ratetop_requests_total{bucket="sonnet-4.x"}"#) == 30)
        #expect(!exposition.contains(#"bucket="opus-4.x""#), "nothing of the unreadable sources counted")
        // The garbage is reported as malformed lines of its source.
        #expect(watch.errorOutput.contains("ratetop: \(garbage.url):"), "\(context())")
        #expect((Chaos.states(watch).last?["malformed_lines"] as? Int ?? 0) > 0)

        // Still going: more state lines, the process alive, its own endpoint answering.
        let lines = Chaos.states(watch).count
        #expect(await ChildProcess.eventually(timeout: 10) { Chaos.states(watch).count >= lines + 2 }, "\(context())")
        #expect(watch.isRunning, "\(context())")
        kill(watch.pid, SIGTERM)
        #expect(await ChildProcess.eventually(timeout: 15) { !watch.isRunning }, "still running after SIGTERM: \(context())")
        #expect(watch.exitCode(within: 0) == 0, "\(context())")
        for line in watch.output.split(separator: "\n") { #expect(jsonObject(String(line)) != nil, "not JSON: \(line.prefix(300))") }
        for fixture in all { await fixture.stop() }
        print("ratetop chaos: six hostile and healthy endpoints in one watch, \(Chaos.since(started))")
    }

    /// One value too large for an integer, in one series: the baseline, then the hostile text.
    struct HugeCase: Sendable {
        var name: String
        var baseline: String
        var hostile: String
    }

    static let hugeCases: [HugeCase] = [
        HugeCase(name: "ratetop limit 1e30",
                 baseline: ratetopExposition(bucket: "sonnet-4.x", requests: "1", input: "1", output: "1"),
                 hostile: ratetopExposition(bucket: "sonnet-4.x", requests: "1", input: "1", output: "1", limit: "1e30")),
        HugeCase(name: "ratetop remaining 1e30",
                 baseline: ratetopExposition(bucket: "sonnet-4.x", requests: "1", input: "1", output: "1"),
                 hostile: ratetopExposition(bucket: "sonnet-4.x", requests: "1", input: "1", output: "1", remaining: "1e30")),
        HugeCase(name: "ratetop tokens counter to 1e19",
                 baseline: ratetopExposition(bucket: "sonnet-4.x", requests: "1", input: "1", output: "1"),
                 hostile: ratetopExposition(bucket: "sonnet-4.x", requests: "1", input: "1e19", output: "1")),
        HugeCase(name: "ratetop requests counter to 1e30",
                 baseline: ratetopExposition(bucket: "sonnet-4.x", requests: "1", input: "1", output: "1"),
                 hostile: ratetopExposition(bucket: "sonnet-4.x", requests: "1e30", input: "1", output: "1")),
        HugeCase(name: "LiteLLM input tokens counter to 1e30",
                 baseline: liteLLMExposition(requests: 1, throttled: 0, input: 7, output: 3, remainingRequests: 40, remainingTokens: 20000, created: 1000),
                 hostile: liteLLMExposition(requests: 1, throttled: 0, input: 7, output: 3, remainingRequests: 40, remainingTokens: 20000, created: 1000)
                    .replacingOccurrences(of: "} 7.0", with: "} 1e30")),
        HugeCase(name: "LiteLLM remaining tokens gauge 1e30",
                 baseline: liteLLMExposition(requests: 1, throttled: 0, input: 7, output: 3, remainingRequests: 40, remainingTokens: 20000, created: 1000),
                 hostile: liteLLMExposition(requests: 2, throttled: 0, input: 9, output: 4, remainingRequests: 40, remainingTokens: 20000, created: 1000)
                    .replacingOccurrences(of: "} 20000.0", with: "} 1e30")),
    ]

    @Test func valuesTooLargeForAnIntegerDoNotStopTheWatch() async throws {
        let started = Date()
        let scratch = Scratch()
        // Every case at once, one process each.
        var runs: [(HugeCase, FakeMetricsEndpoint, ChildProcess)] = []
        for (index, huge) in Self.hugeCases.enumerated() {
            let fixture = try await FakeMetricsEndpoint()
            fixture.serve(huge.baseline)
            let watch = try ChildProcess(ratetopBinary, arguments: [
                "watch", fixture.url, "--headless", "--emit", "state", "--interval", "1s", "--scrape-interval", "250ms",
            ], outputPath: scratch.file("watch\(index).out"), errorPath: scratch.file("watch\(index).err"))
            runs.append((huge, fixture, watch))
        }
        // The baseline taken in (a bucket in a state line), then the hostile text.
        for (huge, fixture, watch) in runs {
            let baseline = await ChildProcess.eventually(timeout: 30) {
                !((Chaos.states(watch).last?["buckets"] as? [[String: Any]]) ?? []).isEmpty || !watch.isRunning
            }
            #expect(baseline && watch.isRunning, "\(huge.name): no baseline; stderr: \(watch.errorOutput.suffix(800))")
            fixture.serve(huge.hostile)
        }
        // Three scrapes of it, then two more state lines from a process still running.
        for (huge, fixture, watch) in runs {
            let answers = fixture.answers
            let lines = Chaos.states(watch).count
            _ = await ChildProcess.eventually(timeout: 20) {
                !watch.isRunning || (fixture.answers >= answers + 3 && Chaos.states(watch).count >= lines + 2)
            }
            #expect(watch.isRunning, "\(huge.name): ratetop died (exit \(watch.exitCode(within: 0) ?? -1)); stderr: \(watch.errorOutput.suffix(600))")
            #expect(fixture.answers >= answers + 3 && Chaos.states(watch).count >= lines + 2, "\(huge.name): stopped scraping or writing")
            let last = Chaos.states(watch).last ?? [:]
            #expect(!Self.hasNumber(above: 1e15, last), "\(huge.name): counted: \(Self.numbers(last).filter { $0 > 1e15 })")
        }
        for (_, fixture, watch) in runs {
            watch.terminate()
            await fixture.stop()
        }
        print("ratetop chaos: \(runs.count) values too large for an integer, \(Chaos.since(started))")
    }

    /// Every number in a JSON value.
    static func numbers(_ value: Any) -> [Double] {
        if let object = value as? [String: Any] { return object.values.flatMap(numbers) }
        if let array = value as? [Any] { return array.flatMap(numbers) }
        if let number = value as? NSNumber, !(value is Bool) { return [number.doubleValue] }
        return []
    }

    static func hasNumber(above bound: Double, _ value: Any) -> Bool { numbers(value).contains { $0 > bound } }

    // MARK: Isolation

    /// A port that accepts connections (the kernel completes them) and never answers: a sink
    /// posting there waits for its own timeout.
    final class Blackhole {
        let descriptor: Int32
        let port: Int

        init() throws {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
                }
            }
            guard descriptor >= 0, bound else {
                close(descriptor)
                throw LoopbackHTTP.Failure.socket("blackhole: errno \(errno)")
            }
            self.descriptor = descriptor
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }

    @Test func aFollowedFileScrapedEndpointsAndSinksAreIsolated() async throws {
        let started = Date()
        let scratch = Scratch()
        let healthy = try await FakeMetricsEndpoint()
        healthy.serve(Self.ratetopExposition(bucket: "haiku-4.5", requests: "10", input: "1000", output: "100"))
        let endless = try await FakeMetricsEndpoint()
        endless.serve(Self.ratetopExposition(bucket: "opus-4.x", requests: "1", input: "1", output: "1"))
        endless.deliver(.endless(filler: "# still going\n", interval: .milliseconds(20)))
        let blackhole = try Blackhole()
        let log = scratch.write("app.jsonl", "")
        let delivered = scratch.file("delivered.jsonl")
        let listen = try LoopbackHTTP.freePort()
        let watch = try ChildProcess(ratetopBinary, arguments: [
            "watch", log, healthy.url, endless.url, "--headless", "--emit", "alerts,state", "--interval", "1s",
            "--scrape-interval", "250ms", "--metrics-listen", "127.0.0.1:\(listen)",
            // Sinks: one that hangs, one whose server never answers, one that fails, one that works.
            "--exec", "sleep 600", "--webhook", "http://127.0.0.1:\(blackhole.port)/hook", "--exec", "false",
            "--exec", "cat >> '\(delivered)'; echo >> '\(delivered)'",
        ], outputPath: scratch.file("watch.out"), errorPath: scratch.file("watch.err"))
        func context() -> String {
            "after \(Chaos.since(started)); stdout tail: \(watch.output.suffix(1200))\nstderr: \(watch.errorOutput.suffix(2000))"
        }
        func metric(_ series: String) -> Double? { Chaos.sample(Chaos.metrics(port: listen), series) }
        try #require(await ChildProcess.eventually(timeout: 20) { metric("ratetop_lines_read_total") == 0 }, "not serving: \(context())")

        // A 429 storm (35 throttled attempts: the rule fires above 30 a minute) with garbage
        // among it, appended to the followed file.
        let now = Date().timeIntervalSince1970
        var lines: [[UInt8]] = []
        for index in 0..<40 {
            lines.append(Array(ChaosFollowEndToEndTests.validLine(now + Double(index) * 0.01, index: index, throttled: index % 8 != 0).utf8))
            if index % 8 == 7 { lines.append(Chaos.garbageLine(index)) }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(lines.flatMap { $0 + [0x0A] }))
        try handle.close()

        // The working sink gets the storm while the others hang or fail.
        let stormDelivered = await ChildProcess.eventually(timeout: 20) {
            scratch.read("delivered.jsonl").contains(#""rule":"rate_429_storm""#)
        }
        #expect(stormDelivered, "the working sink got nothing: \(scratch.read("delivered.jsonl").prefix(500)); \(context())")
        #expect(await ChildProcess.eventually(timeout: 15) { watch.errorOutput.contains("ratetop: exec false: exit status 1; retry 1 in") },
                "the failing sink's problem is not on stderr: \(context())")
        // The file counted exactly, the healthy endpoint too; the endless one is a problem.
        #expect(await ChildProcess.eventually(timeout: 15) { metric("ratetop_lines_read_total") == 45 }, "\(context())")
        let exposition = Chaos.metrics(port: listen)
        #expect(Chaos.sample(exposition, "ratetop_lines_malformed_total") == 5)
        #expect(Chaos.sample(exposition, #"ratetop_requests_total{bucket="sonnet-4.x"}"#) == 40)
        #expect(Chaos.sample(exposition, #"ratetop_throttled_requests_total{bucket="sonnet-4.x",status="429"}"#) == 35)
        #expect(Chaos.states(watch).contains { state in
            (state["buckets"] as? [[String: Any]] ?? []).contains { $0["bucket"] as? String == "haiku-4.5" }
        }, "the healthy endpoint was not read: \(context())")
        var problems: [String: String] = [:]
        let endlessShown = await ChildProcess.eventually(timeout: 15) {
            problems = Self.problems(Chaos.states(watch).last)
            return problems[endless.url]?.contains("timed out") == true
        }
        #expect(endlessShown, "source_problems: \(problems); \(context())")
        #expect(problems[healthy.url] == nil && problems[log] == nil, "\(problems)")

        // Still going, and it stops on SIGTERM with sinks hung.
        let count = Chaos.states(watch).count
        #expect(await ChildProcess.eventually(timeout: 10) { Chaos.states(watch).count >= count + 2 }, "\(context())")
        let stopping = Date()
        kill(watch.pid, SIGTERM)
        // The hung sinks get 10 s in all to deliver (not 10 s each), then it gives up and exits.
        #expect(await ChildProcess.eventually(timeout: 15) { !watch.isRunning }, "still running after SIGTERM: \(context())")
        #expect(Date().timeIntervalSince(stopping) < 13, "stopping took \(Chaos.since(stopping)) with hung sinks")
        #expect(watch.errorOutput.contains("not delivered after 10 s; giving up"), "\(context())")
        #expect(watch.exitCode(within: 0) == 0, "\(context())")
        for line in watch.output.split(separator: "\n") { #expect(jsonObject(String(line)) != nil, "not JSON: \(line.prefix(300))") }
        await healthy.stop()
        await endless.stop()
        withExtendedLifetime(blackhole) {}
        print("ratetop chaos: a followed file, two endpoints and four sinks (two hung, one failing), SIGTERM → exit in \(Chaos.since(stopping)), \(Chaos.since(started))")
    }
}

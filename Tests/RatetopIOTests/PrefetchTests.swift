import Foundation
import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopIO

/// Decoding many files on worker threads ahead of the merge (`PrefetchPool`) must be invisible:
/// the same `state`, `alert` and `summary` lines, the same messages in the same order, as the
/// files decoded one refill at a time on the caller's thread, however the threads, the batches
/// and the budget fall. A resumed session's copies are counted once, wherever they are.
@Suite(.tags(.unit)) struct PrefetchTests {
    /// A small deterministic generator (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
        mutating func seconds(mean: Double) -> Double { -mean * log(max(1e-12, Double(next() >> 11) / Double(1 << 53))) }
    }

    static let base = 1_795_165_200.0
    static let models = ["claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"]

    static func stamp(_ seconds: Double) -> String { RFC3339.format(base + seconds, fractionDigits: 3) }

    static func assistant(_ seconds: Double, session: String, id: String, model: String, input: Int, output: Int) -> String {
        #"{"type":"assistant","timestamp":"\#(stamp(seconds))","requestId":"r-\#(id)","sessionId":"\#(session)","message":{"id":"\#(id)","model":"\#(model)","usage":{"input_tokens":\#(input),"cache_read_input_tokens":\#(input * 20),"output_tokens":\#(output)}}}"#
    }

    static func user(_ seconds: Double, session: String) -> String {
        #"{"type":"user","timestamp":"\#(stamp(seconds))","sessionId":"\#(session)","message":{"role":"user","content":"go on"}}"#
    }

    static func apiError(_ seconds: Double, session: String, uuid: String, status: Int) -> String {
        #"{"type":"assistant","timestamp":"\#(stamp(seconds))","sessionId":"\#(session)","uuid":"\#(uuid)","isApiErrorMessage":true,"apiErrorStatus":\#(status),"message":{"model":"<synthetic>","content":[{"type":"text","text":"API Error: \#(status)"}]}}"#
    }

    /// A file's text and its assistant and error lines (what another file may copy).
    struct File {
        var name: String
        var lines: [String] = []
        var copyable: [String] = []
        var terminated = true
        var text: String { lines.joined(separator: "\n") + (terminated ? "\n" : "") }
    }

    /// Sessions overlapping in time, with every kind of line a replay meets: user lines, responses
    /// written in several snapshots, API errors, broken and blank lines, out-of-range and late
    /// stamps, `claude -p` lines without a time, a file that opens in another format, a file
    /// cut mid-line, and (with `copies`) resumed sessions that re-write older messages.
    /// `tame` leaves out what makes a memory shared by the decoders forget (lines without a time,
    /// sessions hours apart).
    static func randomFiles(seed: UInt64, files count: Int, copies: Bool, tame: Bool = false) -> [File] {
        var random = Random(state: seed)
        var files: [File] = []
        for index in 0..<count {
            var file = File(name: String(format: "p%d/session-%02d.jsonl", index % 3, index))
            let session = "s\(index)"
            var time = Double(random.int(0..<(tame ? 1_800 : 14_400)))
            if index == 0 || random.chance(0.25) {
                // Opens as a proxy log: the transcript lines after it switch the format.
                for _ in 0..<22 {
                    time += random.seconds(mean: 4)
                    file.lines.append(exchange(time, model: models[random.int(0..<3)], input: random.int(1..<900)))
                }
            }
            if copies, !files.isEmpty, random.chance(0.5) {
                // A resumed session: older messages of another file, re-written with their stamps.
                let source = files[random.int(0..<files.count)]
                for line in source.copyable where random.chance(0.6) { file.lines.append(line) }
            }
            let lineCount = random.int(40..<260)
            var message = 0
            var model = models[random.int(0..<3)]
            while file.lines.count < lineCount {
                time += !tame && random.chance(0.03) ? random.seconds(mean: 900) : random.seconds(mean: 3)
                if random.chance(0.05) { model = models[random.int(0..<3)] }
                let roll = random.int(0..<100)
                switch roll {
                case 0..<36:
                    file.lines.append(user(time, session: session))
                case 36..<72:
                    message += 1
                    let id = "msg_\(index)_\(message)"
                    let input = random.int(1..<2_000)
                    var output = random.int(1..<50)
                    var at = time
                    for _ in 0..<random.int(1..<4) {
                        let line = assistant(at, session: session, id: id, model: model, input: input, output: output)
                        file.lines.append(line)
                        file.copyable.append(line)
                        output += random.int(1..<400)
                        at += random.seconds(mean: 0.5)
                    }
                    time = at
                case 72..<76:
                    let line = apiError(time, session: session, uuid: "u-\(index)-\(roll)-\(file.lines.count)", status: random.chance(0.7) ? 429 : 529)
                    file.lines.append(line)
                    file.copyable.append(line)
                case 76..<79:
                    file.lines.append(random.chance(0.5) ? "not json \(index)" : #"{"type":"assistant","timestamp":"#)
                case 79..<82:
                    file.lines.append(random.chance(0.5) ? "" : "   ")
                case 82..<84:
                    // Late: well behind what the merge has applied.
                    message += 1
                    file.lines.append(assistant(time - 300, session: session, id: "late_\(index)_\(message)", model: model,
                                                input: 10, output: 3))
                case 84..<85:
                    file.lines.append(#"{"type":"assistant","timestamp":"1990-01-01T00:00:00Z","sessionId":"x","message":{"id":"old","model":"claude-sonnet-4-5-20250929","usage":{"output_tokens":1}}}"#)
                case 85..<88 where tame:
                    file.lines.append(user(time, session: session))
                case 85..<87:
                    // `claude -p` stream-json: no time (placed at the file's modification time).
                    message += 1
                    file.lines.append(#"{"type":"assistant","message":{"id":"p_\#(index)_\#(message)","model":"\#(model)","usage":{"input_tokens":5,"output_tokens":40}},"parent_tool_use_id":null,"session_id":"ps-\#(index)"}"#)
                case 87:
                    let run = copies && random.chance(0.5) ? "shared-run" : "run-\(index)-\(message)"
                    file.lines.append(#"{"type":"result","subtype":"success","duration_api_ms":4000,"num_turns":3,"session_id":"\#(run)","modelUsage":{"claude-haiku-4-5-20251001":{"inputTokens":900,"outputTokens":70},"claude-sonnet-4-5-20250929":{"inputTokens":90,"outputTokens":7}}}"#)
                case 88:
                    file.lines.append(#"{"type":"assistant","timestamp":"\#(stamp(time))","sessionId":"\#(session)","message":{"id":"unknown_\#(index)","model":"claude-test-\#(index % 5)","usage":{"input_tokens":3,"output_tokens":4}}}"#)
                default:
                    file.lines.append(#"{"type":"progress","timestamp":"\#(stamp(time))","sessionId":"\#(session)","data":{"type":"hook_progress"}}"#)
                }
            }
            if random.chance(0.15) {
                file.lines.append(#"{"type":"assistant","timestamp":"\#(stamp(time + 1))","sessionId":"\#(session)","message":{"id":"cut"#)
                file.terminated = false
            }
            files.append(file)
        }
        return files
    }

    struct Run: Equatable {
        var output: [String]
        /// Every message, as it was said (malformed lines, notices, late lines).
        var said: [String]
        var malformed: Int
    }

    static func run(_ paths: [String], prefetch: Prefetch, state: Bool = true, to: Double? = nil) throws -> Run {
        let directory = TemporaryDirectory()
        var said: [String] = []
        let diagnostics = Diagnostics(limit: 100_000) { said.append($0) }
        let options = ReplayOptions(paths: paths, interval: 60, emitState: state, emitSummary: true, emitAlerts: true,
                                    to: to, parallelThreshold: .max, prefetch: prefetch)
        do {
            let sink = try OutputSink(path: directory.file("out.jsonl"))
            let runner = try ReplayRunner(options: options,
                                          configuration: EngineConfiguration(table: try BundledLimitsTable.load(), tierID: "tier2"),
                                          output: sink, diagnostics: diagnostics)
            runner.run()
        }
        return Run(output: directory.read("out.jsonl").split(separator: "\n").map(String.init), said: said,
                   malformed: diagnostics.malformedLines)
    }

    /// Writes the files, modified five hours into the log (where lines without a time go).
    static func write(_ files: [File], in directory: TemporaryDirectory) -> [String] {
        files.map {
            let path = directory.write($0.name, $0.text)
            try? FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: base + 18_000)], ofItemAtPath: path)
            return path
        }
    }

    static func firstDifference(_ a: Run, _ b: Run) -> String {
        if let line = zip(a.output, b.output).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            return "output line \(line.offset):\n\(line.element.0.prefix(400))\n\(line.element.1.prefix(400))"
        }
        if let message = zip(a.said, b.said).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            return "message \(message.offset):\n\(message.element.0)\n\(message.element.1)"
        }
        return "counts: \(a.output.count)/\(b.output.count) lines, \(a.said.count)/\(b.said.count) messages"
    }

    /// Threads, batch sizes and budgets that make the workers, the consumer's own decoding and
    /// the waits all happen.
    static let pools: [Prefetch] = [
        Prefetch(minFiles: 1, workers: 1),
        Prefetch(minFiles: 1, workers: 3, budget: 40, batchEvents: 8, batchBytes: 2_000),
        Prefetch(minFiles: 1, workers: 2, budget: 1, batchEvents: 256, batchBytes: 1 << 20),
        Prefetch(minFiles: 1, workers: 4, budget: 1 << 20, batchEvents: 3, batchBytes: 300),
    ]

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func prefetchedReplayEqualsSequential(seed: UInt64) throws {
        let directory = TemporaryDirectory()
        let paths = Self.write(Self.randomFiles(seed: seed, files: 6 + Int(seed % 7), copies: true), in: directory)
        let sequential = try Self.run(paths, prefetch: .off)
        #expect(sequential.malformed > 0)
        #expect(sequential.said.contains { $0.contains("read as claude-code") })
        #expect(sequential.said.contains { $0.contains("placed at the file's modification time") })
        #expect(sequential.said.contains { $0.contains("before lines already applied") })
        #expect(sequential.output.contains { $0.hasPrefix(#"{"type":"state""#) })
        for pool in Self.pools {
            let prefetched = try Self.run(paths, prefetch: pool)
            #expect(prefetched == sequential, "\(pool): \(Self.firstDifference(prefetched, sequential))")
        }
    }

    @Test func theSameRunTwiceGivesTheSameBytes() throws {
        let directory = TemporaryDirectory()
        let paths = Self.write(Self.randomFiles(seed: 99, files: 24, copies: true), in: directory)
        let pool = Prefetch(minFiles: 1, workers: 4, budget: 64, batchEvents: 16, batchBytes: 4_000)
        let first = try Self.run(paths, prefetch: pool)
        for _ in 0..<4 {
            let again = try Self.run(paths, prefetch: pool)
            #expect(again == first, "\(Self.firstDifference(again, first))")
        }
    }

    @Test func aReplayCutShortStopsTheThreads() throws {
        let directory = TemporaryDirectory()
        let paths = Self.write(Self.randomFiles(seed: 7, files: 12, copies: false), in: directory)
        let pool = Prefetch(minFiles: 1, workers: 2, budget: 16, batchEvents: 4, batchBytes: 1_000)
        let cut = try Self.run(paths, prefetch: pool, to: Self.base + 3_600)
        let sequential = try Self.run(paths, prefetch: .off, to: Self.base + 3_600)
        #expect(cut == sequential, "\(Self.firstDifference(cut, sequential))")
    }

    // MARK: Copies across files

    static func summary(_ run: Run) throws -> [String: Any] {
        let line = try #require(run.output.last)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    /// A session and its resumption in another file, which re-writes the first two responses
    /// (three lines each) and the API error with their original stamps; other sessions start
    /// days later (a memory shared by the decoders once forgot the keys when the merge read
    /// their first lines).
    static func resumedSession(in directory: TemporaryDirectory, resumedFirst: Bool) -> [String] {
        let model = models[0]
        var original: [String] = []
        for (index, at) in [0.0, 60, 120].enumerated() {
            for (snapshot, output) in [5, 40, 90].enumerated() {
                original.append(assistant(at + Double(snapshot) * 0.3, session: "a", id: "m\(index)", model: model, input: 100,
                                          output: output))
            }
            original.append(user(at + 5, session: "a"))
        }
        original.append(apiError(130, session: "a", uuid: "e1", status: 429))
        var resumed = Array(original[0..<8]) + [original[12]]
        resumed.append(user(7_200, session: "b"))
        resumed.append(assistant(7_210, session: "b", id: "m3", model: model, input: 100, output: 7))
        let names = resumedFirst ? ["a-resumed.jsonl", "b-original.jsonl"] : ["a-original.jsonl", "b-resumed.jsonl"]
        var paths = [directory.write(names[resumedFirst ? 1 : 0], original.joined(separator: "\n") + "\n"),
                     directory.write(names[resumedFirst ? 0 : 1], resumed.joined(separator: "\n") + "\n")]
        for day in 1...4 {
            paths.append(directory.write("later-\(day).jsonl",
                                         assistant(Double(day) * 86_400, session: "l\(day)", id: "l\(day)", model: model, input: 1,
                                                   output: 1) + "\n"))
        }
        return paths.sorted()
    }

    @Test(arguments: [false, true])
    func aResumedSessionIsCountedOnce(resumedFirst: Bool) throws {
        let directory = TemporaryDirectory()
        let paths = Self.resumedSession(in: directory, resumedFirst: resumedFirst)
        for prefetch in [Prefetch.off, Prefetch(minFiles: 1, workers: 2), Prefetch(minFiles: 1, workers: 3, budget: 1, batchEvents: 1)] {
            let run = try Self.run(paths, prefetch: prefetch, state: false)
            let summary = try Self.summary(run)
            let bucket = try #require((summary["buckets"] as? [[String: Any]])?.first)
            // m0, m1, m2, the error, m3 and four later sessions' responses.
            #expect(int(bucket["requests"]) == 9, "\(prefetch)")
            #expect(int(bucket["requests_429"]) == 1, "\(prefetch)")
            #expect(int((bucket["tokens"] as? [String: Any])?["output"]) == 90 * 3 + 7 + 4, "\(prefetch)")
            let skipped = try #require(summary["skipped_lines"] as? [String: Any])
            // Within a file: 2 snapshots of each response (3 + 2 in the copy); across: 3 copies.
            #expect(int(skipped["duplicate"]) == 6 + 4 + 3, "\(prefetch)")
            #expect(int(summary["duplicates_skipped"]) == 13, "\(prefetch)")
            #expect(int(summary["lines"]) == 13 + 11 + 4, "\(prefetch)")
        }
    }

    @Test func aClaudePrintRunSavedTwiceIsCountedOnce() throws {
        let directory = TemporaryDirectory()
        let result = #"{"type":"result","subtype":"success","duration_api_ms":4000,"num_turns":3,"session_id":"run-1","modelUsage":{"claude-haiku-4-5-20251001":{"inputTokens":900,"outputTokens":70},"claude-sonnet-4-5-20250929":{"inputTokens":90,"outputTokens":7}}}"#
        var paths = [directory.write("one.jsonl", result + "\n"), directory.write("two.jsonl", result + "\n")]
        for index in 0..<4 {
            paths.append(directory.write("other-\(index).jsonl",
                                         Self.assistant(Double(index), session: "o", id: "o\(index)", model: Self.models[0], input: 1,
                                                        output: 1) + "\n"))
        }
        for prefetch in [Prefetch.off, Prefetch(minFiles: 1, workers: 2)] {
            let summary = try Self.summary(try Self.run(paths, prefetch: prefetch, state: false))
            let buckets = try #require(summary["buckets"] as? [[String: Any]])
            let haiku = try #require(buckets.first { $0["bucket"] as? String == "haiku-4.5" })
            #expect(int(haiku["requests"]) == 3, "\(prefetch)")
            #expect(int((summary["skipped_lines"] as? [String: Any])?["duplicate"]) == 1, "\(prefetch): one line, two events dropped")
        }
    }

    /// Without copies across files, the files' own memories and the merge's give exactly the
    /// events, in the same order, that one memory shared by the decoders gave.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func withoutCopiesTheMergeSeesWhatASharedMemorySaw(seed: UInt64) throws {
        let directory = TemporaryDirectory()
        let paths = Self.write(Self.randomFiles(seed: seed, files: 10, copies: false, tame: true), in: directory)
        func events(_ copies: SourceOpener.CopiesAcrossFiles, _ prefetch: Prefetch) throws -> ([String], [String], [Int]) {
            let models = ModelCatalog()
            var said: [String] = []
            let diagnostics = Diagnostics(limit: 100_000) { said.append($0) }
            let sources = try SourceOpener.open(paths: paths, format: nil, models: models, diagnostics: diagnostics,
                                                parallelThreshold: .max, copies: copies, prefetch: prefetch)
            var merged = MergedEvents(sources, dropCopies: copies == .atMerge) { sources[$0].skipCopy() }
            var seen: [String] = []
            while let event = merged.next() {
                seen.append("\(event.end) \(models.name(event.model)) \(event.origin.source):\(event.origin.line) "
                            + "\(event.usage.outputTokens) \(event.status) \(event.requests)")
            }
            let counts = sources.flatMap { source in [source.lines] + SkipReason.allCases.map { source.skipped[$0] } }
            return (seen, said, counts)
        }
        let shared = try events(.sharedMemory, .off)
        #expect(shared.0.count > 100)
        let sequential = try events(.atMerge, .off)
        let prefetched = try events(.atMerge, Prefetch(minFiles: 1, workers: 2, budget: 32, batchEvents: 8, batchBytes: 2_000))
        #expect(sequential.0 == shared.0)
        #expect(sequential.1 == shared.1)
        #expect(sequential.2 == shared.2)
        #expect(prefetched.0 == shared.0)
        #expect(prefetched.1 == shared.1)
        #expect(prefetched.2 == shared.2)
    }
}

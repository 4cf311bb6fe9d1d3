import Foundation
import RatetopCore
import RatetopSimulation
import RatetopTestSupport
import Testing

@Suite("ClaudeCodeProjects", .tags(.unit))
struct ClaudeCodeProjectsTests {
    static let end = Shapes.epoch("2026-12-04T19:00:00Z")
    static let span = 14.0 * 86_400
    /// 60 sessions, 40,000 lines over two weeks.
    static let plan = ClaudeCodeProjects(files: 60, lines: 40_000, span: span, end: end, projects: 5, seed: 21)
    static let files: [(path: String, bytes: [UInt8])] = plan.sessions.indices.map {
        (plan.relativePath(session: $0), plan.render(session: $0))
    }

    @Test func theFilesAndLinesAskedFor() {
        #expect(Self.files.count == 60)
        #expect(Set(Self.files.map(\.path)).count == 60)
        let counts = Self.files.map { Shapes.lines($0.bytes).count }
        #expect(counts.reduce(0, +) == 40_000)
        #expect(counts == Self.plan.sessions.map(\.lines))
        #expect(Self.files.allSatisfy { $0.bytes.last == UInt8(ascii: "\n") })
        for (index, file) in Self.files.enumerated() {
            let parts = file.path.split(separator: "/")
            #expect(parts.count == 2)
            #expect(parts[0].hasPrefix("-home-sam-src-"))
            #expect(parts[1] == Substring(Self.plan.sessions[index].id + ".jsonl"))
            #expect(UUID(uuidString: Self.plan.sessions[index].id) != nil)
        }
        #expect(Set(Self.plan.sessions.map(\.project)).count > 1)
    }

    @Test func aFewHugeSessionsAndManySmallOnes() {
        let counts = Self.plan.sessions.map(\.lines).sorted()
        let median = counts[counts.count / 2]
        #expect(counts.last! >= 8 * median, "longest \(counts.last!) vs median \(median)")
        #expect(counts.filter { $0 < median / 2 }.count >= 10)
        #expect(counts.first! >= ClaudeCodeProjects.minimumLines)
    }

    /// Every line's top-level `timestamp`, per file, nil for lines without one.
    static let stamps: [[Double?]] = files.map { file in
        Shapes.lines(file.bytes).map { line in
            (try? Shapes.object(line))?["timestamp"].flatMap { $0 as? String }.flatMap(RFC3339.parse)
        }
    }

    @Test func timestampsAreInOrderWithinTheSpanInWorkingHours() throws {
        for (index, stamps) in Self.stamps.enumerated() {
            let times = stamps.compactMap { $0 }
            #expect(!times.isEmpty)
            #expect(times == times.sorted(), "\(Self.files[index].path)")
            for time in times {
                #expect(time >= Self.end - Self.span && time <= Self.end)
                #expect(Shapes.isWorkingHours(time), "\(SimulationSpan.format(time)) in \(Self.files[index].path)")
            }
        }
        // Sessions overlap: at some time several are open at once.
        let ranges = Self.stamps.map { ($0.compactMap { $0 }.first!, $0.compactMap { $0 }.last!) }
        let overlapping = ranges.indices.filter { a in
            ranges.indices.contains { b in b != a && ranges[b].0 < ranges[a].1 && ranges[a].0 < ranges[b].1 }
        }
        #expect(overlapping.count >= 10)
        // Most sessions finished long before the end of the span.
        #expect(ranges.filter { $0.1 < Self.end - 2 * 86_400 }.count > ranges.count / 2)
    }

    @Test func linesLookLikeClaudeCode() throws {
        var types: [String: Int] = [:]
        var subtypes = Set<String>()
        var errorStatuses = Set<Int>()
        var models = Set<String>()
        /// Per message: the output tokens of its lines, in order, and its model.
        var messages: [String: (tokens: [Int], model: String)] = [:]
        for file in Self.files {
            var sessionIDs = Set<String>()
            for line in Shapes.lines(file.bytes) {
                let object = try Shapes.object(line)
                let type = try #require(object["type"] as? String)
                types[type, default: 0] += 1
                if let id = object["sessionId"] as? String { sessionIDs.insert(id) }
                if type == "system", let subtype = object["subtype"] as? String { subtypes.insert(subtype) }
                guard type == "assistant", let message = object["message"] as? [String: Any] else { continue }
                if object["isApiErrorMessage"] as? Bool == true {
                    #expect(message["model"] as? String == "<synthetic>")
                    let text = String(describing: message["content"] ?? "")
                    errorStatuses.insert(text.contains("429") ? 429 : text.contains("529") ? 529 : 0)
                    continue
                }
                let model = try #require(message["model"] as? String)
                models.insert(model)
                let usage = try #require(message["usage"] as? [String: Any])
                for field in ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"] {
                    #expect((usage[field] as? Int ?? -1) >= 0, "\(field)")
                }
                let key = try #require(message["id"] as? String) + "|" + (try #require(object["requestId"] as? String))
                messages[key, default: ([], model)].tokens.append(try #require(usage["output_tokens"] as? Int))
                #expect(messages[key]?.model == model, "one model per message")
            }
            #expect(sessionIDs.count == 1)
        }
        for type in ["user", "assistant", "progress", "queue-operation", "file-history-snapshot", "summary", "system"] {
            #expect((types[type] ?? 0) > 0, "\(type) lines")
        }
        #expect(subtypes.isSuperset(of: ["turn_duration", "api_error"]))
        #expect(errorStatuses.isSuperset(of: [429]) && !errorStatuses.contains(0), "\(errorStatuses)")
        #expect(models.isSubset(of: ["claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001"]))
        #expect(models.count == 3)
        // One line per content block: many messages have several, the last with the most output.
        #expect(messages.values.filter { $0.tokens.count > 1 }.count > messages.count / 4)
        for (key, message) in messages {
            #expect(message.tokens == message.tokens.sorted(), "\(key)")
            if message.tokens.count > 1 { #expect(message.tokens.first! < message.tokens.last!, "\(key)") }
        }
    }

    @Test func ratetopDecodesEveryFileWithoutMalformedLines() throws {
        let models = ModelCatalog()
        let memory = TranscriptDedupMemory()
        var requests = 0
        var expected = 0
        for (index, file) in Self.files.enumerated() {
            let lines = Shapes.lines(file.bytes)
            #expect(Shapes.detect(lines) == .claudeCode, "\(file.path)")
            var decoder = ClaudeCodeTranscriptDecoder(models: models, memory: memory)
            let decoded = Shapes.decode(lines, with: &decoder, source: Int32(index))
            let malformed = decoded.outcomes.filter { if case .malformed = $0 { true } else { false } }
            #expect(malformed.isEmpty, "\(file.path): \(malformed.prefix(3))")
            requests += decoded.events.count
            // One request per distinct message, and one per API error line.
            var keys = Set<String>()
            for line in lines {
                let object = try Shapes.object(line)
                guard object["type"] as? String == "assistant", let message = object["message"] as? [String: Any] else { continue }
                if object["isApiErrorMessage"] as? Bool == true {
                    expected += 1
                } else if let id = message["id"] as? String, let request = object["requestId"] as? String {
                    keys.insert(id + "|" + request)
                }
            }
            expected += keys.count
        }
        #expect(requests == expected)
        #expect(requests > 5_000)
    }

    @Test func sameSeedSameBytesInAnyOrder() {
        let again = ClaudeCodeProjects(files: 60, lines: 40_000, span: Self.span, end: Self.end, projects: 5, seed: 21)
        #expect(again.sessions == Self.plan.sessions)
        for index in [59, 0, 17] {
            #expect(again.render(session: index) == Self.files[index].bytes)
        }
        let other = ClaudeCodeProjects(files: 60, lines: 40_000, span: Self.span, end: Self.end, projects: 5, seed: 22)
        #expect(other.render(session: 0) != Self.files[0].bytes)
    }

    @Test func twoLinesAFileAndOneDay() throws {
        let plan = ClaudeCodeProjects(files: 5, lines: 10, span: 86_400, end: Self.end, projects: 2, seed: 1)
        for index in plan.sessions.indices {
            let lines = Shapes.lines(plan.render(session: index))
            #expect(lines.count == 2)
            for line in lines { _ = try Shapes.object(line) }
        }
    }
}

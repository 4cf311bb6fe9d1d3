/// Writes one Claude Code 2.1.x session transcript, line by line, as Claude Code does:
///
/// - `user` lines: the prompt (string content), then one per tool result (`tool_result` blocks
///   and a `toolUseResult` object);
/// - `assistant` lines: one per content block (`thinking`, `text`, `tool_use`), the lines of one
///   response sharing `message.id` and `requestId`, earlier ones with the output tokens so far
///   and the last with the final `usage`; Sonnet 4.5, Opus 4.5 or Haiku 4.5, sometimes switched
///   mid-session; cache reads that grow with the conversation, a cache write when it went cold,
///   compaction near 160k tokens;
/// - `progress` (Bash output, hooks), `queue-operation` (a prompt typed while Claude works),
///   `file-history-snapshot` (before each prompt), `summary` (at the top of a resumed session),
///   `system` (`turn_duration`, `compact_boundary`, and `api_error` for each retry);
/// - API errors: after some retries, a `<synthetic>` assistant line with
///   `isApiErrorMessage: true` (429 rate limit or 529 overloaded), never before the session's
///   first response (ratetop could not tell which model it was for).
///
/// Times are kept in working seconds from the session's start while writing; every timestamp
/// is written as a placeholder and filled in by `finish(calendar:)` once the session's length
/// is known and its place in the span chosen, so timestamps are in order within the file.
struct ClaudeCodeSessionWriter {
    private let session: ClaudeCodeProjects.Session
    private var rng: SplitMix64
    private var out: [UInt8] = []
    /// Where each timestamp placeholder is, and its time in working seconds from the start.
    private var stamps: [(position: Int, offset: Double)] = []
    private var remaining: Int
    private var clock = 0.0
    /// `"isSidechain":false,...,"slug":"..."` — the members every chained line repeats.
    private let envelope: [UInt8]
    private let sessionID: [UInt8]
    private let cwd: [UInt8]
    private var parent: [UInt8]?
    private var model: StaticString
    private var modelSeen = false
    /// Tokens in the conversation (the cached prefix of the next request).
    private var context: Int
    private var lastCallAt = -Double.infinity
    /// Tokens added since the previous request (tool results, the prompt, the last answer).
    private var fresh = 0
    private let errorRate: Double
    /// Whether the project has PreToolUse/PostToolUse hooks (progress lines around every tool).
    private let hooks: Bool

    static let placeholder: StaticString = "0000-00-00T00:00:00.000Z"

    init(session: ClaudeCodeProjects.Session, project: ClaudeCodeProjects.Project) {
        self.session = session
        rng = SplitMix64(seed: session.seed)
        remaining = session.lines
        out.reserveCapacity(session.lines * 700)
        stamps.reserveCapacity(session.lines)
        sessionID = Array(session.id.utf8)
        cwd = Array(project.cwd.utf8)
        let branches = ["main", "main", "main", "develop", "feat/rate-limits", "fix/flaky-tests", "feat/new-onboarding",
                        "chore/deps", "feat/search-v2", "fix/login-redirect"]
        let slugWords = ["sparkling", "humming", "quiet", "brave", "lucky", "gentle", "swift", "curious", "wandering",
                         "otter", "falcon", "maple", "harbor", "comet", "meadow", "lantern", "pebble", "orbit"]
        var envelope: [UInt8] = []
        envelope.append(ascii: ",\"isSidechain\":false,\"userType\":\"external\",\"cwd\":\"")
        envelope.append(contentsOf: cwd)
        envelope.append(ascii: "\",\"sessionId\":\"")
        envelope.append(contentsOf: sessionID)
        envelope.append(ascii: "\",\"version\":\"")
        envelope.append(string: session.version)
        envelope.append(ascii: "\",\"gitBranch\":\"")
        envelope.append(string: branches[rng.below(branches.count)])
        envelope.append(ascii: "\",\"slug\":\"")
        for index in 0..<3 {
            if index > 0 { envelope.append(UInt8(ascii: "-")) }
            envelope.append(string: slugWords[rng.below(slugWords.count)])
        }
        envelope.append(UInt8(ascii: "\""))
        self.envelope = envelope
        let pick = rng.unit()
        model = pick < 0.62 ? Self.sonnet : pick < 0.9 ? Self.opus : Self.haiku
        context = 15_000 + rng.below(9_000)
        // Most sessions see an error now and then; some run into a bad afternoon.
        errorRate = rng.chance(0.12) ? rng.uniform(0.03, 0.12) : 0.002
        hooks = rng.chance(0.7)
    }

    static let sonnet: StaticString = "claude-sonnet-4-5-20250929"
    static let opus: StaticString = "claude-opus-4-5-20251101"
    static let haiku: StaticString = "claude-haiku-4-5-20251001"

    // MARK: The session

    mutating func writeSession() {
        if remaining >= 6, rng.chance(0.2) {
            for _ in 0..<(1 + rng.below(3)) where summary() {}
        }
        var turn = 0
        while remaining > 0 {
            if turn > 0 {
                // The user reads, thinks, goes to a meeting.
                clock += min(4 * 3_600, rng.logNormal(median: 70, sigma: 1.3))
                if rng.chance(0.04) { switchModel() }
            }
            writeTurn()
            turn += 1
        }
    }

    /// A prompt and the requests that answer it.
    private mutating func writeTurn() {
        let promptID = TranscriptText.uuid(&rng)
        if rng.chance(0.7), !fileHistorySnapshot(messageID: promptID) { return }
        guard userPrompt(uuid: promptID) else { return }
        let turnStarted = clock
        let calls = max(1, min(120, Int(rng.logNormal(median: 4, sigma: 1.0).rounded())))
        var queued = false
        for call in 0..<calls {
            let last = call == calls - 1
            if !queued, !last, rng.chance(0.03) {
                // The user types the next thing while Claude is still working.
                guard queueOperation(enqueue: true) else { return }
                queued = true
            }
            switch request(last: last) {
            case .stop: return
            case .failed:
                if queued { _ = queueOperation(enqueue: false) }
                return
            case .answered: break
            }
        }
        if queued, !queueOperation(enqueue: false) { return }
        if rng.chance(0.5) { _ = turnDuration(Int((clock - turnStarted) * 1000)) }
    }

    private enum RequestOutcome { case answered, failed, stop }

    private enum Block {
        case thinking, text, tool(Int)

        var isTool: Bool {
            if case .tool = self { return true }
            return false
        }
    }

    /// One API request: retries if it errs, the response's lines, the tools it calls.
    private mutating func request(last: Bool) -> RequestOutcome {
        clock += rng.uniform(0.2, 1.2)
        if rng.chance(errorRate) {
            let status = rng.chance(0.7) ? 429 : 529
            let retries = 1 + rng.below(10)
            for attempt in 1...retries {
                let wait = min(32.0, 0.5 * Double(1 << min(attempt, 6))) * rng.uniform(0.75, 1.0)
                guard systemAPIError(status: status, attempt: attempt, retryInMs: wait * 1000) else { return .stop }
                clock += wait + rng.uniform(0.1, 0.6)
            }
            if modelSeen, rng.chance(0.35) {
                return syntheticAPIError(status: status) ? .failed : .stop
            }
        }
        if context > 155_000 {
            guard compactBoundary() else { return .stop }
            context = 22_000 + rng.below(14_000)
            fresh = 0
        }

        // The response's content blocks.
        var blocks: [Block] = []
        if rng.chance(0.35) { blocks.append(.thinking) }
        if last || rng.chance(0.45) { blocks.append(.text) }
        if !last {
            let tools = rng.chance(0.15) ? 2 + rng.below(2) : 1
            for _ in 0..<tools { blocks.append(.tool(Self.pickTool(&rng))) }
        }
        var sizes: [Int] = []
        var output = 0
        for block in blocks {
            let bytes: Int
            switch block {
            case .thinking: bytes = min(8_000, Int(rng.logNormal(median: 90, sigma: 1.0)))
            case .text: bytes = min(6_000, Int(rng.logNormal(median: 45, sigma: 1.1)))
            case .tool: bytes = min(3_000, Int(rng.logNormal(median: 40, sigma: 1.0)))
            }
            sizes.append(max(8, bytes))
            output += max(1, bytes / 4) + (block.isTool ? 30 : 0)
        }

        // The request's usage: the conversation so far is the cached prefix (written again when
        // the 5-minute cache went cold), the tokens added since the last request are written.
        var usage = (input: 1 + rng.below(8), creation: 0, read: 0, output: output)
        if clock - lastCallAt > 300 {
            usage.creation = context + fresh
        } else {
            usage.read = context
            usage.creation = fresh
        }
        if rng.chance(0.03) { usage.input += rng.below(4_000) }
        context += fresh + output
        fresh = 0

        var messageID: [UInt8] = []
        TranscriptText.appendID("msg_01", 22, to: &messageID, &rng)
        var requestID: [UInt8] = []
        TranscriptText.appendID("req_011C", 20, to: &requestID, &rng)
        var toolIDs: [[UInt8]] = []
        var tools: [Int] = []
        let started = clock
        let speed = rng.uniform(35, 90)
        clock += rng.uniform(0.8, 3.5)
        var soFar = 0
        for (index, block) in blocks.enumerated() {
            soFar += max(1, sizes[index] / 4) + (block.isTool ? 30 : 0)
            clock += Double(max(1, sizes[index] / 4)) / speed
            let isFinal = index == blocks.count - 1
            let tokens = isFinal ? output : soFar
            var toolID: [UInt8] = []
            if case .tool(let tool) = block {
                TranscriptText.appendID("toolu_01", 22, to: &toolID, &rng)
                toolIDs.append(toolID)
                tools.append(tool)
            }
            let ok = assistantLine(messageID: messageID, requestID: requestID, tokens: tokens, usage: usage,
                                   stop: isFinal ? (last ? "\"end_turn\"" : "\"tool_use\"") : "null") { writer in
                switch block {
                case .thinking:
                    writer.out.append(ascii: "{\"type\":\"thinking\",\"thinking\":\"")
                    TranscriptText.append(sizes[index], to: &writer.out, &writer.rng)
                    writer.out.append(ascii: "\",\"signature\":\"")
                    TranscriptText.appendBase64(48 + writer.rng.below(64), to: &writer.out, &writer.rng)
                    writer.out.append(ascii: "\"}")
                case .text:
                    writer.out.append(ascii: "{\"type\":\"text\",\"text\":\"")
                    TranscriptText.append(sizes[index], to: &writer.out, &writer.rng)
                    writer.out.append(ascii: "\"}")
                case .tool(let tool):
                    writer.out.append(ascii: "{\"type\":\"tool_use\",\"id\":\"")
                    writer.out.append(contentsOf: toolID)
                    writer.out.append(ascii: "\",\"name\":\"")
                    writer.out.append(ascii: Self.toolNames[tool])
                    writer.out.append(ascii: "\",\"input\":")
                    writer.toolInput(tool, size: sizes[index])
                    writer.out.append(UInt8(ascii: "}"))
                }
            }
            guard ok else { return .stop }
        }
        modelSeen = true
        lastCallAt = started
        if last { return .answered }

        // The tools run; their results go back with the next request.
        for (index, tool) in tools.enumerated() {
            let runTime = tool == 0 ? rng.logNormal(median: 2.5, sigma: 1.3) : rng.uniform(0.02, 0.4)
            // Hooks (when the project has them) report before and after every tool; a running
            // command reports its output every couple of seconds.
            let bashLines = tool == 0 ? min(15, Int(runTime / 1.5)) : 0
            if hooks, !progress(kind: .preToolHook, tool: tool, toolID: toolIDs[index], step: 0, elapsed: 0) { return .stop }
            for step in 0..<bashLines {
                clock += runTime / Double(bashLines + 1)
                guard progress(kind: .bash, tool: tool, toolID: toolIDs[index], step: step, elapsed: clock - started) else { return .stop }
            }
            clock += runTime / Double(bashLines + 1)
            if hooks, !progress(kind: .postToolHook, tool: tool, toolID: toolIDs[index], step: 0, elapsed: 0) { return .stop }
            guard toolResult(tool: tool, toolID: toolIDs[index]) else { return .stop }
        }
        return .answered
    }

    private mutating func switchModel() {
        let pick = rng.unit()
        model = pick < 0.5 ? Self.sonnet : pick < 0.85 ? Self.opus : Self.haiku
    }

    // MARK: Lines

    /// Takes one line from the budget; false when the session has all its lines.
    private mutating func take() -> Bool {
        guard remaining > 0 else { return false }
        remaining -= 1
        return true
    }

    private mutating func stamp() {
        stamps.append((out.count, clock))
        out.append(ascii: Self.placeholder)
    }

    /// `{"parentUuid":...,"isSidechain":false,...,"slug":"..."` and the new line's uuid.
    private mutating func openChained() -> [UInt8] {
        out.append(ascii: "{\"parentUuid\":")
        if let parent {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: parent)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(ascii: "null")
        }
        out.append(contentsOf: envelope)
        let uuid = TranscriptText.uuid(&rng)
        parent = uuid
        return uuid
    }

    /// `"uuid":"...","timestamp":"..."` without the closing brace.
    private mutating func uuidAndTimestamp(_ uuid: [UInt8]) {
        out.append(ascii: "\"uuid\":\"")
        out.append(contentsOf: uuid)
        out.append(ascii: "\",\"timestamp\":\"")
        stamp()
        out.append(UInt8(ascii: "\""))
    }

    private mutating func summary() -> Bool {
        guard take() else { return false }
        out.append(ascii: "{\"type\":\"summary\",\"summary\":\"")
        TranscriptText.append(30 + rng.below(50), to: &out, &rng)
        out.append(ascii: "\",\"leafUuid\":\"")
        TranscriptText.appendUUID(to: &out, &rng)
        out.append(ascii: "\"}\n")
        return true
    }

    private mutating func fileHistorySnapshot(messageID: [UInt8]) -> Bool {
        guard take() else { return false }
        out.append(ascii: "{\"type\":\"file-history-snapshot\",\"messageId\":\"")
        out.append(contentsOf: messageID)
        out.append(ascii: "\",\"snapshot\":{\"messageId\":\"")
        out.append(contentsOf: messageID)
        out.append(ascii: "\",\"trackedFileBackups\":{")
        let files = rng.chance(0.6) ? 0 : 1 + rng.below(4)
        for index in 0..<files {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(ascii: "\"src/")
            out.append(ascii: Self.fileNames[rng.below(Self.fileNames.count)])
            out.append(ascii: "\":{\"backupFileName\":\"")
            for _ in 0..<16 { out.append(TranscriptText.hexDigits[rng.below(16)]) }
            out.append(ascii: "@v")
            let version = 1 + rng.below(6)
            out.append(decimal: version)
            out.append(ascii: "\",\"version\":")
            out.append(decimal: version)
            out.append(ascii: ",\"backupTime\":\"")
            stamp()
            out.append(ascii: "\"}")
        }
        out.append(ascii: "},\"timestamp\":\"")
        stamp()
        out.append(ascii: "\"},\"isSnapshotUpdate\":false}\n")
        return true
    }

    private mutating func userPrompt(uuid: [UInt8]) -> Bool {
        guard take() else { return false }
        clock += rng.uniform(0.05, 0.3)
        out.append(ascii: "{\"parentUuid\":")
        if let parent {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: parent)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(ascii: "null")
        }
        out.append(contentsOf: envelope)
        parent = uuid
        out.append(ascii: ",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"")
        let bytes = min(4_000, Int(rng.logNormal(median: 70, sigma: 1.0)))
        TranscriptText.append(bytes, to: &out, &rng)
        fresh += bytes / 4
        out.append(ascii: "\"},")
        uuidAndTimestamp(uuid)
        out.append(ascii: ",\"thinkingMetadata\":{\"level\":\"high\",\"disabled\":false,\"triggers\":[]},\"todos\":[]}\n")
        return true
    }

    private mutating func assistantLine(messageID: [UInt8], requestID: [UInt8], tokens: Int,
                                        usage: (input: Int, creation: Int, read: Int, output: Int), stop: StaticString,
                                        content: (inout ClaudeCodeSessionWriter) -> Void) -> Bool {
        guard take() else { return false }
        let uuid = openChained()
        out.append(ascii: ",\"message\":{\"model\":\"")
        out.append(ascii: model)
        out.append(ascii: "\",\"id\":\"")
        out.append(contentsOf: messageID)
        out.append(ascii: "\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[")
        content(&self)
        out.append(ascii: "],\"stop_reason\":")
        out.append(ascii: stop)
        out.append(ascii: ",\"stop_sequence\":null,\"usage\":{\"input_tokens\":")
        out.append(decimal: usage.input)
        out.append(ascii: ",\"cache_creation_input_tokens\":")
        out.append(decimal: usage.creation)
        out.append(ascii: ",\"cache_read_input_tokens\":")
        out.append(decimal: usage.read)
        out.append(ascii: ",\"cache_creation\":{\"ephemeral_5m_input_tokens\":")
        out.append(decimal: usage.creation)
        out.append(ascii: ",\"ephemeral_1h_input_tokens\":0},\"output_tokens\":")
        out.append(decimal: tokens)
        out.append(ascii: ",\"service_tier\":\"standard\"}},\"requestId\":\"")
        out.append(contentsOf: requestID)
        out.append(ascii: "\",\"type\":\"assistant\",")
        uuidAndTimestamp(uuid)
        out.append(ascii: "}\n")
        return true
    }

    private mutating func toolInput(_ tool: Int, size: Int) {
        switch tool {
        case 0:
            out.append(ascii: "{\"command\":\"")
            out.append(ascii: Self.commands[rng.below(Self.commands.count)])
            out.append(ascii: "\",\"description\":\"")
            TranscriptText.append(min(size, 80), to: &out, &rng)
            out.append(ascii: "\"}")
        case 1:
            out.append(ascii: "{\"file_path\":\"")
            appendFilePath()
            out.append(ascii: "\"}")
        case 2:
            out.append(ascii: "{\"file_path\":\"")
            appendFilePath()
            out.append(ascii: "\",\"old_string\":\"")
            TranscriptText.append(size, to: &out, &rng)
            out.append(ascii: "\",\"new_string\":\"")
            TranscriptText.append(size, to: &out, &rng)
            out.append(ascii: "\"}")
        case 3:
            out.append(ascii: "{\"pattern\":\"")
            TranscriptText.append(12, to: &out, &rng)
            out.append(ascii: "\",\"path\":\"src\",\"output_mode\":\"files_with_matches\"}")
        case 4:
            out.append(ascii: "{\"pattern\":\"**/*.ts\"}")
        case 5:
            out.append(ascii: "{\"file_path\":\"")
            appendFilePath()
            out.append(ascii: "\",\"content\":\"")
            TranscriptText.append(size * 4, to: &out, &rng)
            out.append(ascii: "\"}")
        default:
            out.append(ascii: "{\"todos\":[{\"content\":\"")
            TranscriptText.append(min(size, 60), to: &out, &rng)
            out.append(ascii: "\",\"status\":\"in_progress\",\"activeForm\":\"Working\"}]}")
        }
    }

    private mutating func appendFilePath() {
        out.append(contentsOf: cwd)
        out.append(ascii: "/src/")
        out.append(ascii: Self.fileNames[rng.below(Self.fileNames.count)])
    }

    private enum Progress { case bash, preToolHook, postToolHook }

    private mutating func progress(kind: Progress, tool: Int, toolID: [UInt8], step: Int, elapsed: Double) -> Bool {
        guard take() else { return false }
        let uuid = openChained()
        if kind == .bash {
            out.append(ascii: ",\"type\":\"progress\",\"data\":{\"type\":\"bash_progress\",\"output\":\"")
            let bytes = min(2_000, Int(rng.logNormal(median: 30, sigma: 1.0)))
            TranscriptText.append(bytes, to: &out, &rng)
            out.append(ascii: "\",\"fullOutput\":\"")
            TranscriptText.append(bytes, to: &out, &rng)
            out.append(ascii: "\",\"elapsedTimeSeconds\":")
            out.append(decimal: Int(elapsed))
            out.append(ascii: ",\"totalLines\":")
            out.append(decimal: 1 + rng.below(200))
            out.append(ascii: "},\"toolUseID\":\"bash-progress-")
            out.append(decimal: step)
        } else {
            let event: StaticString = kind == .preToolHook ? "PreToolUse" : "PostToolUse"
            out.append(ascii: ",\"type\":\"progress\",\"data\":{\"type\":\"hook_progress\",\"hookEvent\":\"")
            out.append(ascii: event)
            out.append(ascii: "\",\"hookName\":\"")
            out.append(ascii: event)
            out.append(UInt8(ascii: ":"))
            out.append(ascii: Self.toolNames[tool])
            out.append(ascii: "\",\"command\":\"")
            out.append(ascii: kind == .preToolHook ? "~/.claude/hooks/guard.sh" : "npx prettier --write")
            out.append(ascii: "\"},\"toolUseID\":\"")
            out.append(contentsOf: toolID)
        }
        out.append(ascii: "\",\"parentToolUseID\":\"")
        out.append(contentsOf: toolID)
        out.append(ascii: "\",")
        uuidAndTimestamp(uuid)
        out.append(ascii: "}\n")
        return true
    }

    private mutating func toolResult(tool: Int, toolID: [UInt8]) -> Bool {
        guard take() else { return false }
        let uuid = openChained()
        let median: Double = [60, 160, 60, 50, 60, 30, 40][tool]
        let bytes = min(40_000, Int(rng.logNormal(median: median, sigma: 1.2)))
        fresh += bytes / 4
        let isError = rng.chance(0.04)
        out.append(ascii: ",\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":\"")
        out.append(contentsOf: toolID)
        out.append(ascii: "\",\"type\":\"tool_result\",\"content\":\"")
        let contentStart = out.count
        TranscriptText.append(bytes, to: &out, &rng)
        let contentEnd = out.count
        out.append(ascii: isError ? "\",\"is_error\":true}]}," : "\",\"is_error\":false}]},")
        uuidAndTimestamp(uuid)
        out.append(ascii: ",\"toolUseResult\":")
        switch tool {
        case 0:
            // Bash repeats its output here.
            out.append(ascii: "{\"stdout\":\"")
            let repeated = Array(out[contentStart..<contentEnd])
            out.append(contentsOf: repeated)
            out.append(ascii: "\",\"stderr\":\"\",\"interrupted\":false,\"isImage\":false}")
        case 1:
            out.append(ascii: "{\"type\":\"text\",\"file\":{\"filePath\":\"")
            appendFilePath()
            out.append(ascii: "\",\"numLines\":")
            let lines = 1 + bytes / 40
            out.append(decimal: lines)
            out.append(ascii: ",\"startLine\":1,\"totalLines\":")
            out.append(decimal: lines + rng.below(400))
            out.append(ascii: "}}")
        case 2, 5:
            out.append(ascii: "{\"filePath\":\"")
            appendFilePath()
            out.append(ascii: "\",\"userModified\":false,\"replaceAll\":false}")
        case 3, 4:
            out.append(ascii: "{\"mode\":\"files_with_matches\",\"numFiles\":")
            out.append(decimal: rng.below(30))
            out.append(ascii: ",\"durationMs\":")
            out.append(decimal: 5 + rng.below(400))
            out.append(UInt8(ascii: "}"))
        default:
            out.append(ascii: "{\"oldTodos\":[],\"newTodos\":[]}")
        }
        out.append(ascii: "}\n")
        return true
    }

    private mutating func queueOperation(enqueue: Bool) -> Bool {
        guard take() else { return false }
        out.append(ascii: enqueue ? "{\"type\":\"queue-operation\",\"operation\":\"enqueue\",\"timestamp\":\""
                                  : "{\"type\":\"queue-operation\",\"operation\":\"dequeue\",\"timestamp\":\"")
        stamp()
        out.append(ascii: "\",\"sessionId\":\"")
        out.append(contentsOf: sessionID)
        if enqueue {
            out.append(ascii: "\",\"content\":\"")
            TranscriptText.append(min(800, Int(rng.logNormal(median: 60, sigma: 0.8))), to: &out, &rng)
        }
        out.append(ascii: "\"}\n")
        return true
    }

    private mutating func turnDuration(_ milliseconds: Int) -> Bool {
        guard take() else { return false }
        clock += 0.01
        let uuid = openChained()
        out.append(ascii: ",\"type\":\"system\",\"subtype\":\"turn_duration\",\"durationMs\":")
        out.append(decimal: milliseconds)
        out.append(ascii: ",\"timestamp\":\"")
        stamp()
        out.append(ascii: "\",\"uuid\":\"")
        out.append(contentsOf: uuid)
        out.append(ascii: "\",\"isMeta\":false}\n")
        return true
    }

    private mutating func compactBoundary() -> Bool {
        guard take() else { return false }
        clock += rng.uniform(20, 90) // the summary request
        let logical = parent
        parent = nil
        let uuid = openChained()
        out.append(ascii: ",\"logicalParentUuid\":")
        if let logical {
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: logical)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(ascii: "null")
        }
        out.append(ascii: ",\"type\":\"system\",\"subtype\":\"compact_boundary\",\"content\":\"Conversation compacted\",")
        out.append(ascii: "\"isMeta\":false,")
        uuidAndTimestamp(uuid)
        out.append(ascii: ",\"level\":\"info\",\"compactMetadata\":{\"trigger\":\"auto\",\"preTokens\":")
        out.append(decimal: context)
        out.append(ascii: "}}\n")
        return true
    }

    private mutating func systemAPIError(status: Int, attempt: Int, retryInMs: Double) -> Bool {
        guard take() else { return false }
        let uuid = openChained()
        out.append(ascii: ",\"type\":\"system\",\"subtype\":\"api_error\",\"level\":\"error\",\"error\":{\"status\":")
        out.append(decimal: status)
        out.append(ascii: ",\"headers\":{},\"requestID\":\"")
        TranscriptText.appendID("req_011C", 20, to: &out, &rng)
        out.append(ascii: status == 429
            ? "\",\"error\":{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"This request would exceed the rate limit for your organization of 2,000,000 input tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.\"}}},"
            : "\",\"error\":{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}},")
        out.append(ascii: "\"retryInMs\":")
        out.append(decimal: Int(retryInMs))
        out.append(ascii: ",\"retryAttempt\":")
        out.append(decimal: attempt)
        out.append(ascii: ",\"maxRetries\":10,")
        uuidAndTimestamp(uuid)
        out.append(ascii: "}\n")
        return true
    }

    private mutating func syntheticAPIError(status: Int) -> Bool {
        guard take() else { return false }
        let uuid = openChained()
        out.append(ascii: ",\"type\":\"assistant\",")
        uuidAndTimestamp(uuid)
        out.append(ascii: ",\"message\":{\"id\":\"")
        TranscriptText.appendUUID(to: &out, &rng)
        out.append(ascii: "\",\"container\":null,\"model\":\"<synthetic>\",\"role\":\"assistant\",\"stop_reason\":\"stop_sequence\",")
        out.append(ascii: "\"stop_sequence\":\"\",\"type\":\"message\",\"usage\":{\"input_tokens\":0,\"output_tokens\":0,")
        out.append(ascii: "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"server_tool_use\":{\"web_search_requests\":0,")
        out.append(ascii: "\"web_fetch_requests\":0},\"service_tier\":null,\"cache_creation\":{\"ephemeral_1h_input_tokens\":0,")
        out.append(ascii: "\"ephemeral_5m_input_tokens\":0}},\"content\":[{\"type\":\"text\",\"text\":\"")
        if status == 429 {
            out.append(ascii: "API Error: 429 {\\\"type\\\":\\\"error\\\",\\\"error\\\":{\\\"type\\\":\\\"rate_limit_error\\\",")
            out.append(ascii: "\\\"message\\\":\\\"This request would exceed the rate limit for your organization of 2,000,000 input tokens per minute.\\\"}}")
            out.append(ascii: "\"}],\"context_management\":null},\"error\":\"rate_limit\",\"isApiErrorMessage\":true}\n")
        } else {
            out.append(ascii: "API Error: Repeated 529 Overloaded errors")
            out.append(ascii: "\"}],\"context_management\":null},\"error\":\"unknown\",\"isApiErrorMessage\":true}\n")
        }
        return true
    }

    // MARK: Finishing

    /// The file's bytes, every timestamp filled in: the session placed in the span's working
    /// time by its `placement`, squeezed when it is longer than all of it.
    mutating func finish(calendar: WorkCalendar) -> [UInt8] {
        let length = clock
        let available = calendar.totalWorkTime
        let squeeze = length > available * 0.999 ? available * 0.999 / max(length, 1) : 1
        let origin = length * squeeze < available ? session.placement * (available - length * squeeze) : 0
        var text: [UInt8] = []
        text.reserveCapacity(32)
        out.withUnsafeMutableBufferPointer { buffer in
            for (position, offset) in stamps {
                text.removeAll(keepingCapacity: true)
                text.append(timestamp: calendar.wallClock(origin + offset * squeeze), milliseconds: true)
                for index in 0..<min(24, text.count) { buffer[position + index] = text[index] }
            }
        }
        return out
    }

    // MARK: Tables

    /// Bash, Read, Edit, Grep, Glob, Write, TodoWrite, by how often Claude calls them.
    static func pickTool(_ rng: inout SplitMix64) -> Int {
        let pick = rng.below(100)
        switch pick {
        case ..<30: return 0
        case ..<60: return 1
        case ..<80: return 2
        case ..<90: return 3
        case ..<95: return 4
        case ..<98: return 5
        default: return 6
        }
    }

    static let toolNames: [StaticString] = ["Bash", "Read", "Edit", "Grep", "Glob", "Write", "TodoWrite"]

    static let commands: [StaticString] = [
        "npm test", "git status", "git diff --stat", "ls -la src", "npm run build 2>&1 | tail -20", "swift build",
        "pytest -x -q", "rg -n \\\"TODO\\\" src", "cargo test", "go test ./...", "git log --oneline -10", "make lint",
        "docker compose ps", "cat package.json", "npx tsc --noEmit",
    ]

    static let fileNames: [StaticString] = [
        "server/routes.ts", "server/auth.ts", "lib/cache.ts", "lib/db/query.ts", "components/Table.tsx", "index.ts",
        "api/handlers.py", "models/user.py", "config.yaml", "utils/retry.ts", "jobs/backfill.py", "main.go",
    ]
}

/// Guesses the format of a log from its first lines, by the top-level keys of each line.
///
/// Non-empty lines are classified on their own, from the first, until `decidingLines` of them
/// were recognised or `maxLines` were looked at:
/// - **exchange**: `ts` and `status`;
/// - **usage-report**: `data` whose value holds `starting_at` or `results`, or `data` with `has_more`;
/// - **claude-code**: `sessionId` or `type`, with `message`, `uuid` or `leafUuid`; a `type` that
///   only Claude Code writes (`queue-operation`, `file-history-snapshot`, `progress`, …: a
///   transcript may open with dozens of them); or `message` with `timestamp` (other tools'
///   transcripts, and older versions, write assistant lines without `type`); `session_id` with
///   `modelUsage` (`claude -p --output-format json`'s result line);
/// - **litellm**: `startTime`, `prompt_tokens`, `call_type` or `model_group`.
///
/// The format most recognised lines agree on wins (ties go to the earlier case of `LogFormat`);
/// nil when no line is recognised. A line that decides nothing (another producer's header, a
/// line type no format claims) neither votes nor counts towards `decidingLines`. Readers also
/// re-detect a file whose lines stop fitting its format (`LineDecoding`), so a guess made on
/// the first lines is never final. A line cut short (a partial last line) is classified by the keys
/// before the cut. When the first line is not a complete JSON object but opens one (a
/// pretty-printed document, typically a saved usage-report page whose first line is `{`), the
/// lines are read together as one document instead; see `UsageReportDecoder.decodeDocument`.
public enum LogFormatDetector {
    /// How many non-empty lines are looked at, at most.
    public static let maxLines = 200
    /// How many recognised lines decide.
    public static let decidingLines = 20

    /// Detects the format of lines given as byte arrays (without newlines).
    public static func detect(lines: [[UInt8]]) -> LogFormat? {
        var buffers: [UnsafeRawBufferPointer] = []
        buffers.reserveCapacity(min(lines.count, maxLines * 4))
        func collect(_ index: Int) -> LogFormat? {
            guard index < lines.count, index < maxLines * 4 else { return detect(lines: buffers) }
            return lines[index].withUnsafeBytes { buffer in
                buffers.append(buffer)
                return collect(index + 1)
            }
        }
        return collect(0)
    }

    /// Detects the format of lines given as raw bytes (without newlines).
    public static func detect(lines: [UnsafeRawBufferPointer]) -> LogFormat? {
        var sample: [UnsafeRawBufferPointer] = []
        for line in lines where !isBlank(line) {
            sample.append(line)
            if sample.count == maxLines { break }
        }
        guard let first = sample.first else { return nil }
        if opensIncompleteDocument(first) { return detectDocument(Array(sample.prefix(decidingLines))) }
        var votes = [Int](repeating: 0, count: LogFormat.allCases.count)
        var decided = 0
        for line in sample {
            guard let format = classify(line), let index = LogFormat.allCases.firstIndex(of: format) else { continue }
            votes[index] += 1
            decided += 1
            if decided == decidingLines { break }
        }
        guard let best = votes.max(), best > 0, let index = votes.firstIndex(of: best) else { return nil }
        return LogFormat.allCases[index]
    }

    /// The format one line looks like, or nil.
    public static func classify(_ line: UnsafeRawBufferPointer) -> LogFormat? {
        var keys = KeySet()
        var cursor = JSONCursor(line)
        do {
            try cursor.openObject()
            var first = true
            while let key = try cursor.nextKey(&first) {
                if key.equals("data") {
                    keys.data = true
                    cursor.skipWhitespace()
                    let start = cursor.p
                    defer {
                        let value = JSONString(base: start, count: cursor.p - start, hasEscapes: false)
                        keys.dataHasBuckets = value.contains("\"starting_at\"") || value.contains("\"results\"")
                    }
                    try cursor.skipValue()
                    continue
                }
                if key.count == 4, key.equals("type") {
                    keys.type = true
                    if let value = try cursor.readOptionalString() { keys.claudeCodeType = isClaudeCodeType(value) }
                    continue
                }
                keys.note(key)
                try cursor.skipValue()
            }
        } catch {
            // A cut-short line: judge by the keys read so far.
        }
        return keys.format
    }

    /// Line types only Claude Code writes (its transcripts' `type` values).
    static let claudeCodeTypes: [StaticString] = [
        "assistant", "user", "system", "progress", "queue-operation", "file-history-snapshot",
        "attachment", "custom-title", "last-prompt", "agent-name",
    ]

    static func isClaudeCodeType(_ value: JSONString) -> Bool {
        claudeCodeTypes.contains { value.equals($0) }
    }

    /// The top-level keys that tell the formats apart.
    struct KeySet {
        var ts = false, status = false
        var sessionId = false, type = false, message = false, uuid = false
        var claudeCodeType = false, timestamp = false
        var litellm = false
        var data = false, dataHasBuckets = false, hasMore = false
        /// `claude -p --output-format json`'s result line: `session_id` and `modelUsage`.
        var printSession = false, modelUsage = false

        mutating func note(_ key: JSONString) {
            switch key.count {
            case 2 where key.equals("ts"): ts = true
            case 6 where key.equals("status"): status = true
            case 9 where key.equals("sessionId"): sessionId = true
            case 9 where key.equals("timestamp"): timestamp = true
            case 7 where key.equals("message"): message = true
            case 4 where key.equals("uuid"), 8 where key.equals("leafUuid"): uuid = true
            case 9 where key.equals("startTime"), 13 where key.equals("prompt_tokens"),
                 9 where key.equals("call_type"), 11 where key.equals("model_group"):
                litellm = true
            case 8 where key.equals("has_more"): hasMore = true
            case 10 where key.equals("session_id"): printSession = true
            case 10 where key.equals("modelUsage"): modelUsage = true
            default: break
            }
        }

        var format: LogFormat? {
            if ts && status { return .exchange }
            if data && (dataHasBuckets || hasMore) { return .usageReport }
            if (sessionId || type) && (message || uuid) { return .claudeCode }
            if claudeCodeType || (message && timestamp) || (printSession && modelUsage) { return .claudeCode }
            if litellm { return .litellm }
            return nil
        }
    }

    /// Reads the sample as one document (the first line opened it but did not close it).
    private static func detectDocument(_ sample: [UnsafeRawBufferPointer]) -> LogFormat? {
        var joined: [UInt8] = []
        for line in sample {
            joined.append(contentsOf: line)
            joined.append(0x0A)
        }
        return joined.withUnsafeBytes { buffer -> LogFormat? in
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            let text = JSONString(base: base, count: buffer.count, hasEscapes: false)
            if text.contains("\"starting_at\"") || (text.contains("\"data\"") && text.contains("\"results\"")) {
                return .usageReport
            }
            return classify(buffer)
        }
    }

    /// True when the line starts a JSON object or array that it does not finish.
    private static func opensIncompleteDocument(_ line: UnsafeRawBufferPointer) -> Bool {
        var cursor = JSONCursor(line)
        let opener = cursor.peek()
        guard opener == UInt8(ascii: "{") || opener == UInt8(ascii: "[") else { return false }
        do {
            try cursor.skipValue()
            return false
        } catch {
            return error == .truncated
        }
    }

    private static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        var cursor = JSONCursor(line)
        return cursor.atEnd()
    }
}

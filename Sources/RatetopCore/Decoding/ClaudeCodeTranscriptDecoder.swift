/// Decodes Claude Code transcripts (`~/.claude/projects/<slug>/<session>.jsonl`).
///
/// Assistant lines carry the API usage:
/// ```json
/// {"type":"assistant","timestamp":"2026-09-03T07:39:02.837Z","requestId":"req_...","sessionId":"...",
///  "message":{"id":"msg_...","model":"claude-sonnet-4-6","usage":{"input_tokens":3,"output_tokens":412}}}
/// ```
/// - **One response, several lines.** Claude Code writes one line per content block; the lines
///   share `message.id` and `requestId`, and the earlier lines of a streamed response can carry
///   a partial `output_tokens`. Lines are grouped by `message.id` (a sidechain that repeats a
///   parent's message under another `requestId` is the same response; `requestId` only when
///   there is no message id) and the *final* snapshot is kept: the one with the most output tokens, the latest on ties. Its timestamp is
///   the event's `end`; `start == end` (no latency is logged). Every repeat line is `.duplicate`;
///   the first line of a message is `.decoded` even though its event is released later.
/// - **Held back, bounded.** Because the final snapshot comes later, events wait in a pending set
///   and are released by `flush(into:final:)` once a later line has arrived and the message's
///   last snapshot is at least `holdSeconds` older (in log time) than the newest line; by
///   `decode` itself when more than `maxPending` wait (oldest first); and all of them on `final`.
///   Released events are appended in `end` order. In a live tail the newest response therefore
///   shows up with the next line of the file (Claude Code writes a `user` line for every tool
///   result, so this is usually quick).
///   A snapshot that arrives after its message was released is counted as `.duplicate` and lost.
/// - **Across files.** Counted keys go into a `TranscriptDedupMemory` (64-bit hashes, bounded),
///   which can be shared by the decoders of every file of a source, so a resumed session that
///   re-writes old messages is not counted twice. A key is remembered from its first line on.
///   Each event carries the key it was counted under (`Exchange.dedupKey`), so a replay that
///   gives every file its own memory (files decoded apart, on several threads) drops the copies
///   where the files are merged instead (`MergedEvents`).
/// - **API errors.** A line with `isApiErrorMessage: true` is one failed attempt. Its status comes
///   from `apiErrorStatus` or, when absent, from the error text (`rate_limit`/`429`,
///   `overloaded`/`529`). It is emitted with zero usage and attributed to the model the same
///   `sessionId` used last (then to the last model this decoder saw). Choices:
///   an error whose status cannot be determined (a timeout, a dropped connection) is `.ignored`;
///   one with a known status before its session named a model (a session whose first call was
///   refused) waits for the model the session's next line names (usage or error), and at the end
///   of the input takes the last model seen; only when no line named any model is it
///   malformed with the reason (`takeProblems`), so that it stays visible instead of vanishing;
///   repeats of an error line with the same `uuid` are `.duplicate`. Lines before where a reader
///   starts (`watch` skips old history) are `recall`ed for the models they name.
/// - Model `<synthetic>` lines that are not API errors, assistant lines without usage, and every
///   other line type (`user`, `summary`, `system`, future types) are `.ignored`. A line without
///   `type` (other tools' transcripts, older versions) is an assistant line when its message has
///   `usage` (or it is an API error). Broken JSON is `.malformed`. Every field may be missing or null.
/// - **`claude -p` output.** `--output-format stream-json` writes the same assistant lines in
///   snake_case (`session_id`) and a final `result` line; `--output-format json` writes only the
///   `result` line, whose `modelUsage` gives each model's tokens for the whole run. Neither
///   carries a time: such lines are placed at `untimedLineTime` (the reader sets it: the wall
///   time a live line arrived, a saved file's modification time), and are `.malformed` with the
///   reason while it is unset. A `result` whose session's assistant lines were read is
///   `.duplicate` (they counted it); otherwise it is one event per model, ending at that time
///   and starting `duration_api_ms` earlier, with `num_turns` requests for the model that wrote
///   the most output and one for each other model (the run does not say more).
public struct ClaudeCodeTranscriptDecoder: LogDecoder {
    public let models: ModelCatalog
    /// The keys already counted; shareable across files.
    public let memory: TranscriptDedupMemory
    /// How much older (log time) than the newest line a message's last snapshot must be before
    /// the message is released.
    public let holdSeconds: Double
    /// The most events held back; beyond it the oldest is released from `decode`.
    public let maxPending: Int

    private struct Pending {
        /// The dedup key; nil for events that never merge (API errors, lines without ids).
        var key: UInt64?
        var event: Exchange
        /// The timestamp of the latest line of this message.
        var seenAt: Double
        /// `lineSequence` at that line.
        var sequence: Int
    }

    private var pending: [Pending] = []
    /// Counts lines that carried a valid timestamp.
    private var lineSequence = 0
    /// The newest timestamp seen.
    private var latestTime = -Double.infinity
    private var lastModelBySession: [UInt64: ModelRef] = [:]
    private var lastModel: ModelRef?
    private static let maxSessions = 4096
    /// `claude -p` sessions whose assistant lines were read (their `result` repeats them).
    private var printSessionsWithAssistantLines: Set<UInt64> = []
    /// Errors that came before their session named a model, waiting for it (`park`).
    private struct Parked {
        var session: UInt64?
        var event: Exchange
        var reason: String
    }
    private var parked: [Parked] = []
    /// Errors never attributed, said at the end of the input (`takeProblems`).
    private var problems: [(line: Int, reason: String)] = []
    /// Where lines without a time are placed (`claude -p` output); nil: they are malformed.
    public var untimedLineTime: Double?
    /// How many lines were placed at `untimedLineTime`.
    public private(set) var placedUntimedLines = 0

    public init(models: ModelCatalog, memory: TranscriptDedupMemory = TranscriptDedupMemory(), holdSeconds: Double = 5,
                maxPending: Int = 256) {
        self.models = models
        self.memory = memory
        self.holdSeconds = holdSeconds
        self.maxPending = max(1, maxPending)
    }

    /// How many events are held back right now.
    public var pendingCount: Int { pending.count }

    public mutating func takeProblems() -> [(line: Int, reason: String)] {
        defer { problems.removeAll() }
        return problems
    }

    /// The members of one transcript line that matter; strings point into the line.
    private struct Fields {
        var type: JSONString?
        var timestamp: JSONString?
        var requestId: JSONString?
        var sessionId: JSONString?
        var uuid: JSONString?
        var messageId: JSONString?
        var model: JSONString?
        var usage: Usage?
        var isBatch = false
        var isApiError = false
        var apiErrorStatus: Int?
        var errorText: JSONString?
        var contentText: JSONString?
        var isPrintStream = false
        /// A `claude -p` `result` line: per-model usage of the whole run.
        var modelUsage: [(model: JSONString, usage: Usage)] = []
        var numTurns: Int?
        var durationAPIMilliseconds: Double?
    }

    public mutating func decode(line: UnsafeRawBufferPointer, origin: LineOrigin, into events: inout [Exchange]) -> LineOutcome {
        let fields: Fields
        do {
            fields = try Self.scan(line)
        } catch {
            return .malformed(error.reason)
        }
        let parsed = fields.timestamp.flatMap { RFC3339.parse($0.raw) }
        // A stamp outside 2000–2100 neither counts nor moves the hold's clock.
        var ts: Double?
        var outOfRange: JSONScanError?
        if let parsed {
            do { ts = try Plausible.time(parsed, "timestamp") } catch { outOfRange = error }
        }
        // Every stamped line moves the hold's clock, whatever its type.
        if let ts {
            lineSequence += 1
            if ts > latestTime { latestTime = ts }
        }
        var isResult = false
        if let type = fields.type {
            isResult = fields.isPrintStream && type.equals("result")
            guard type.equals("assistant") || isResult else { return .ignored }
        }
        if ts == nil, fields.timestamp == nil, fields.isPrintStream, let untimedLineTime {
            ts = untimedLineTime
            placedUntimedLines += 1
            lineSequence += 1
            if untimedLineTime > latestTime { latestTime = untimedLineTime }
        }
        if fields.type == nil {
            // Other tools' transcripts, and older versions, write assistant lines without
            // `type`: a message with usage is one.
            guard fields.usage != nil || fields.isApiError else { return .ignored }
        }
        guard let ts else {
            if let outOfRange { return .malformed(outOfRange.reason) }
            if fields.timestamp == nil, fields.isPrintStream {
                return .malformed("a `claude -p` output line carries no time and this reader cannot place it "
                                  + "(the session's transcript under ~/.claude/projects has the same usage)")
            }
            return .malformed(fields.timestamp == nil ? "assistant line without a timestamp"
                              : "timestamp: not an RFC 3339 timestamp")
        }
        let session = fields.sessionId.map { Self.hash($0.raw) }
        if isResult { return decodeResult(fields, ts: ts, session: session, origin: origin, into: &events) }
        if fields.isPrintStream, let session, fields.usage != nil {
            if printSessionsWithAssistantLines.count >= Self.maxSessions { printSessionsWithAssistantLines.removeAll(keepingCapacity: true) }
            printSessionsWithAssistantLines.insert(session)
        }
        if fields.isApiError { return decodeAPIError(fields, ts: ts, session: session, origin: origin, into: &events) }
        if let name = fields.model, name.equals("<synthetic>"), let text = fields.contentText {
            // Older versions wrote a used-up plan as a plain synthetic message.
            let subscription = APIObjects.subscriptionLimit(in: text)
            if subscription.isLimit {
                return decodeSubscriptionLimit(fields, ts: ts, session: session, resetsAt: subscription.resetsAt, origin: origin,
                                               into: &events)
            }
        }
        guard let name = fields.model, !name.equals("<synthetic>"), name.count > 0 else { return .ignored }
        guard let usage = fields.usage else { return .ignored }
        let model = intern(name)
        remember(model, session: session)

        let key = Self.messageKey(fields.messageId, fields.requestId)
        if let key {
            if let index = pending.lastIndex(where: { $0.key == key }) {
                if usage.outputTokens >= pending[index].event.usage.outputTokens {
                    pending[index].event = event(ts: ts, model: model, usage: usage, isBatch: fields.isBatch, origin: origin, key: key)
                }
                pending[index].seenAt = ts
                pending[index].sequence = lineSequence
                return .duplicate
            }
            guard memory.insert(key, at: ts) else { return .duplicate }
        }
        hold(key: key, event(ts: ts, model: model, usage: usage, isBatch: fields.isBatch, origin: origin, key: key), at: ts,
             into: &events)
        return .decoded
    }

    /// A line before where reading starts: the model it names becomes its session's (and the
    /// last seen), for the API errors that follow.
    public mutating func recall(line: UnsafeRawBufferPointer) {
        guard let fields = try? Self.scan(line), let name = fields.model, !name.equals("<synthetic>"), name.count > 0 else { return }
        remember(intern(name), session: fields.sessionId.map { Self.hash($0.raw) })
    }

    public mutating func flush(into events: inout [Exchange], final: Bool) {
        guard !pending.isEmpty || (final && !parked.isEmpty) else { return }
        let first = events.count
        if final {
            for item in pending { events.append(item.event) }
            pending.removeAll(keepingCapacity: true)
            settleParked(into: &events)
        } else {
            let cutoff = latestTime - holdSeconds
            guard pending.contains(where: { isReleasable($0, cutoff: cutoff) }) else { return }
            var kept = 0
            for index in pending.indices {
                let item = pending[index]
                if isReleasable(item, cutoff: cutoff) {
                    events.append(item.event)
                } else {
                    pending[kept] = item
                    kept += 1
                }
            }
            pending.removeLast(pending.count - kept)
        }
        events[first...].sort { $0.end < $1.end }
    }

    @inline(__always)
    private func isReleasable(_ item: Pending, cutoff: Double) -> Bool {
        item.sequence < lineSequence && item.seenAt <= cutoff
    }

    private mutating func hold(key: UInt64?, _ event: Exchange, at ts: Double, into events: inout [Exchange]) {
        pending.append(Pending(key: key, event: event, seenAt: ts, sequence: lineSequence))
        if pending.count > maxPending {
            events.append(pending.removeFirst().event)
        }
    }

    private func event(ts: Double, model: ModelRef, usage: Usage, isBatch: Bool, origin: LineOrigin, key: UInt64?) -> Exchange {
        var event = Exchange(end: ts, model: model, status: 200, requests: 1, usage: usage, isBatch: isBatch, origin: origin)
        event.dedupKey = key ?? 0
        return event
    }

    private mutating func decodeAPIError(_ fields: Fields, ts: Double, session: UInt64?, origin: LineOrigin,
                                         into events: inout [Exchange]) -> LineOutcome {
        var status = fields.apiErrorStatus
        var kind = ExchangeErrorKind.other
        var limited: Dimension?
        for text in [fields.errorText, fields.contentText] {
            guard let text else { continue }
            let subscription = APIObjects.subscriptionLimit(in: text)
            if subscription.isLimit {
                return decodeSubscriptionLimit(fields, ts: ts, session: session, resetsAt: subscription.resetsAt, origin: origin,
                                               into: &events)
            }
            if status == nil { status = APIObjects.statusNamed(in: text) }
            if text.contains("spend limit") || text.contains("enforced_spend_limit_reached") { kind = .spendLimitReached }
            limited = limited ?? APIObjects.limitedDimension(inMessage: text)
        }
        guard let status, status >= 400 else { return .ignored }
        if kind != .spendLimitReached {
            kind = status == 429 ? .rateLimited : status == 529 ? .overloaded : .other
        }
        let model = errorModel(fields, session: session)
        let key = fields.uuid.map { Self.hash($0.raw, seed: Self.errorSeed) }
        if let key, !memory.insert(key, at: ts) { return .duplicate }
        var event = Exchange(end: ts, model: model ?? Self.noModel, status: status, requests: 1, usage: .zero, errorKind: kind,
                             limitedDimension: kind == .rateLimited ? limited : nil, origin: origin)
        event.dedupKey = key ?? 0
        return holdOrPark(event, attributed: model != nil, session: session, into: &events,
                          reason: "API error \(status) before any model was seen: cannot attribute it to a model class")
    }

    /// A `claude -p` `result` line: the run's usage per model, unless its assistant lines (stream-json)
    /// were read and counted already.
    private mutating func decodeResult(_ fields: Fields, ts: Double, session: UInt64?, origin: LineOrigin,
                                       into events: inout [Exchange]) -> LineOutcome {
        if let session, printSessionsWithAssistantLines.contains(session) { return .duplicate }
        let used = fields.modelUsage.filter { !$0.model.equals("<synthetic>") && $0.model.count > 0 }
        guard !used.isEmpty else { return .ignored }
        // The same run's result line twice (a file copied into itself, a resent export).
        if let session, !memory.insert(session ^ Self.resultSeed, at: ts) { return .duplicate }
        let latency = min(max(0, (fields.durationAPIMilliseconds ?? 0) / 1000), 86_400)
        let main = used.indices.max { used[$0].usage.outputTokens < used[$1].usage.outputTokens } ?? 0
        var made: [Exchange] = []
        for (index, entry) in used.enumerated() {
            let requests = index == main ? min(max(1, fields.numTurns ?? 1), 100_000) : 1
            var event = Exchange(end: ts, start: ts - latency, model: intern(entry.model), status: 200, requests: requests,
                                 usage: entry.usage, origin: origin)
            event.dedupKey = session.map { $0 ^ Self.resultSeed } ?? 0
            do { try Plausible.check(event) } catch { return .malformed(error.reason) }
            made.append(event)
        }
        for event in made {
            remember(event.model, session: session)
            hold(key: nil, event, at: ts, into: &events)
        }
        return .decoded
    }

    /// A subscription's limit (a used-up Pro/Max window): counted apart from the API's 429s,
    /// with the reset when the line says it.
    private mutating func decodeSubscriptionLimit(_ fields: Fields, ts: Double, session: UInt64?, resetsAt: Double?,
                                                  origin: LineOrigin, into events: inout [Exchange]) -> LineOutcome {
        let model = errorModel(fields, session: session)
        let key = fields.uuid.map { Self.hash($0.raw, seed: Self.errorSeed) }
        if let key, !memory.insert(key, at: ts) { return .duplicate }
        var event = Exchange(end: ts, model: model ?? Self.noModel, status: 429, requests: 0, usage: .zero,
                             errorKind: .subscriptionLimit, retryAfter: resetsAt.map { max(0, $0 - ts) } ?? -1, origin: origin)
        event.dedupKey = key ?? 0
        return holdOrPark(event, attributed: model != nil, session: session, into: &events,
                          reason: "subscription limit before any model was seen: cannot attribute it to a model class")
    }

    /// Stands in for the model of a parked error until it is known.
    private static let noModel = ModelRef(index: 0)
    /// The most errors parked at once; past it an error without a model is malformed at once.
    static let maxParked = 256

    /// Holds an error event (never merged: a nil key keeps later lines from matching it); one
    /// that came before its session named a model (a session whose first call was refused) is
    /// parked until a line names one (`remember`): it is that model's.
    private mutating func holdOrPark(_ event: Exchange, attributed: Bool, session: UInt64?, into events: inout [Exchange],
                                     reason: String) -> LineOutcome {
        if attributed {
            hold(key: nil, event, at: event.end, into: &events)
        } else {
            guard parked.count < Self.maxParked else { return .malformed(reason) }
            parked.append(Parked(session: session, event: event, reason: reason))
        }
        return .decoded
    }

    /// At the end of the input: the errors still parked (their session never named a model)
    /// are the last model's, or, when no line named one, problems (malformed, with the reason).
    private mutating func settleParked(into events: inout [Exchange]) {
        for item in parked {
            if let lastModel {
                var event = item.event
                event.model = lastModel
                events.append(event)
            } else {
                problems.append((Int(item.event.origin.line), item.reason))
            }
        }
        parked.removeAll()
    }

    /// The model an error line is attributed to: its own, else the session's last, else the
    /// last seen.
    private mutating func errorModel(_ fields: Fields, session: UInt64?) -> ModelRef? {
        if let name = fields.model, !name.equals("<synthetic>"), name.count > 0 {
            let model = intern(name)
            remember(model, session: session)
            return model
        }
        if let session, let known = lastModelBySession[session] { return known }
        return lastModel
    }

    /// Moves the parked errors of `session` (and those of no session) to the pending set as
    /// `model`'s (past `maxPending` by at most `maxParked` until the next line releases some).
    private mutating func attributeParked(to model: ModelRef, session: UInt64?) {
        parked.removeAll { item in
            guard item.session == nil || item.session == session else { return false }
            var event = item.event
            event.model = model
            pending.append(Pending(key: nil, event: event, seenAt: event.end, sequence: lineSequence))
            return true
        }
    }

    private func intern(_ name: JSONString) -> ModelRef {
        name.hasEscapes ? models.intern(name.string) : models.intern(name.raw)
    }

    /// Notes the model a session (and the decoder) used last; the errors parked for the
    /// session (or of no session) are that model's, and wait like any other event.
    private mutating func remember(_ model: ModelRef, session: UInt64?) {
        lastModel = model
        if !parked.isEmpty { attributeParked(to: model, session: session) }
        guard let session else { return }
        if lastModelBySession.count >= Self.maxSessions, lastModelBySession[session] == nil {
            lastModelBySession.removeAll(keepingCapacity: true)
        }
        lastModelBySession[session] = model
    }

    // MARK: Scanning

    private static func scan(_ line: UnsafeRawBufferPointer) throws(JSONScanError) -> Fields {
        var cursor = JSONCursor(line)
        try cursor.openObject()
        var fields = Fields()
        var first = true
        while let key = try cursor.nextKey(&first) {
            switch key.count {
            case 4 where key.equals("type"):
                fields.type = try cursor.readOptionalString()
            case 9 where key.equals("timestamp"):
                fields.timestamp = try cursor.readOptionalString()
            case 9 where key.equals("requestId"):
                fields.requestId = try cursor.readOptionalString()
            case 9 where key.equals("sessionId"):
                fields.sessionId = try cursor.readOptionalString()
            case 10 where key.equals("session_id"):
                // `claude -p --output-format stream-json` writes snake_case and no timestamps.
                fields.isPrintStream = true
                fields.sessionId = try cursor.readOptionalString()
            case 10 where key.equals("modelUsage"):
                try scanModelUsage(&cursor, into: &fields)
            case 9 where key.equals("num_turns"):
                fields.numTurns = try cursor.readInt()
            case 15 where key.equals("duration_api_ms"):
                fields.durationAPIMilliseconds = try cursor.readNumber()
            case 4 where key.equals("uuid"):
                fields.uuid = try cursor.readOptionalString()
            case 7 where key.equals("message"):
                if cursor.peek() == UInt8(ascii: "{") { try scanMessage(&cursor, into: &fields) } else { try cursor.skipValue() }
            case 17 where key.equals("isApiErrorMessage"):
                fields.isApiError = try cursor.readBool() ?? false
            case 14 where key.equals("apiErrorStatus"):
                fields.apiErrorStatus = try cursor.readLooseInt()
            case 5 where key.equals("error"):
                fields.errorText = try rawValue(&cursor)
            default:
                try cursor.skipValue()
            }
        }
        guard cursor.atEnd() else { throw .trailing }
        return fields
    }

    private static func scanMessage(_ cursor: inout JSONCursor, into fields: inout Fields) throws(JSONScanError) {
        try cursor.openObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            switch key.count {
            case 2 where key.equals("id"):
                fields.messageId = try cursor.readOptionalString()
            case 5 where key.equals("model"):
                fields.model = try cursor.readOptionalString()
            case 5 where key.equals("usage"):
                if cursor.peek() == UInt8(ascii: "{") {
                    var usage = Usage()
                    fields.isBatch = try APIObjects.readUsage(&cursor, into: &usage)
                    fields.usage = usage
                } else {
                    try cursor.skipValue()
                }
            case 7 where key.equals("content"):
                fields.contentText = try rawValue(&cursor)
            default:
                try cursor.skipValue()
            }
        }
    }

    /// `claude -p`'s `modelUsage`: `{"<model>": {"inputTokens": …, "outputTokens": …,
    /// "cacheReadInputTokens": …, "cacheCreationInputTokens": …, "webSearchRequests": …}}`.
    private static func scanModelUsage(_ cursor: inout JSONCursor, into fields: inout Fields) throws(JSONScanError) {
        if cursor.consumeNull() { return }
        try cursor.openObject()
        var first = true
        while let model = try cursor.nextKey(&first) {
            if cursor.consumeNull() { continue }
            try cursor.openObject()
            var usage = Usage()
            var inner = true
            while let key = try cursor.nextKey(&inner) {
                switch key.count {
                case 11 where key.equals("inputTokens"): usage.inputTokens = try cursor.readInt() ?? 0
                case 12 where key.equals("outputTokens"): usage.outputTokens = try cursor.readInt() ?? 0
                case 20 where key.equals("cacheReadInputTokens"):
                    usage.cacheReadInputTokens = try cursor.readInt() ?? 0
                case 24 where key.equals("cacheCreationInputTokens"):
                    usage.cacheCreationInputTokens = try cursor.readInt() ?? 0
                case 17 where key.equals("webSearchRequests"):
                    usage.webSearchRequests = try cursor.readInt() ?? 0
                default: try cursor.skipValue()
                }
            }
            try Plausible.count(usage.inputTokens, "inputTokens")
            try Plausible.count(usage.outputTokens, "outputTokens")
            try Plausible.count(usage.cacheReadInputTokens, "cacheReadInputTokens")
            try Plausible.count(usage.cacheCreationInputTokens, "cacheCreationInputTokens")
            try Plausible.count(usage.webSearchRequests, "webSearchRequests")
            // Bounded like any line's content: a run names a handful of models.
            if fields.modelUsage.count < 16 { fields.modelUsage.append((model, usage)) }
        }
    }

    /// Skips a value and returns its raw JSON text, for substring checks.
    static func rawValue(_ cursor: inout JSONCursor) throws(JSONScanError) -> JSONString {
        cursor.skipWhitespace()
        let start = cursor.p
        try cursor.skipValue()
        return JSONString(base: start, count: cursor.p - start, hasEscapes: false)
    }

    // MARK: Keys

    private static let errorSeed: UInt64 = 0x9e37_79b9_7f4a_7c15
    private static let resultSeed: UInt64 = 0x2545_f491_4f6c_dd1d

    /// A response's key: its `message.id`, which belongs to exactly one API response (a
    /// sidechain repeats its parent's message under another `requestId`: the same response);
    /// the `requestId` only when the line has no message id.
    static func messageKey(_ messageId: JSONString?, _ requestId: JSONString?) -> UInt64? {
        if let messageId { return fnv(messageId.raw, fnvOffset) }
        if let requestId { return fnv(requestId.raw, fnvOffset ^ requestSeed) }
        return nil
    }

    private static let requestSeed: UInt64 = 0x5bd1_e995_5bd1_e995

    static func hash(_ raw: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        fnv(raw, fnvOffset ^ seed)
    }

    private static let fnvOffset: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let fnvPrime: UInt64 = 0x100_0000_01b3

    @inline(__always)
    private static func fnv(_ raw: UnsafeRawBufferPointer, _ start: UInt64) -> UInt64 {
        var hash = start
        for byte in raw {
            hash ^= UInt64(byte)
            hash &*= fnvPrime
        }
        return hash
    }
}

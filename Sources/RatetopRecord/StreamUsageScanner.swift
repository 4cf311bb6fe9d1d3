#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RatetopCore

/// Reads a Messages API event stream (`text/event-stream`) fed in pieces as they arrive and
/// keeps only what an `exchange` line needs: the model and input-side usage from
/// `message_start`, the cumulative usage of the last `message_delta`, an `error` event's error
/// object, and whether `message_stop` arrived.
///
/// ```
/// event: message_start
/// data: {"type":"message_start","message":{"model":"claude-…","usage":{"input_tokens":25,"output_tokens":1}}}
///
/// event: message_delta
/// data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":15}}
/// ```
/// Only the current partial line and the current event's data are held (each capped at
/// `eventLimit` bytes; a bigger event is skipped), so memory does not grow with the stream.
public struct StreamUsageScanner: Sendable {
    /// `message_start`'s `message.model`.
    public private(set) var model: String?
    /// `message_start`'s usage merged with every `message_delta`'s.
    public private(set) var usage = UsageObject()
    /// The error object of an `error` event (`{"type":"overloaded_error","message":"…"}`).
    public private(set) var error: [UInt8]?
    public private(set) var sawMessageStart = false
    public private(set) var sawMessageStop = false
    /// Events that were not well-formed JSON or were over the size cap.
    public private(set) var skippedEvents = 0

    private let eventLimit: Int
    private var line: [UInt8] = []
    private var lineOverflow = false
    /// The first bytes of the line in `line` (kept when the line overflows): is it `data:`?
    private var linePrefix: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var dataOverflow = false

    public init(eventLimit: Int = 1 << 20) {
        self.eventLimit = eventLimit
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else { return }
        var start = 0
        while start < bytes.count {
            guard let hit = memchr(base + start, 0x0A, bytes.count - start) else {
                appendPartial(UnsafeBufferPointer(start: base + start, count: bytes.count - start))
                return
            }
            let newline = UnsafeRawPointer(hit).assumingMemoryBound(to: UInt8.self) - base
            if line.isEmpty && !lineOverflow {
                handleLine(UnsafeBufferPointer(start: base + start, count: newline - start))
            } else {
                appendPartial(UnsafeBufferPointer(start: base + start, count: newline - start))
                let overflowed = lineOverflow
                let whole = line
                line.removeAll(keepingCapacity: true)
                lineOverflow = false
                if overflowed { skipOversizedLine() } else { whole.withUnsafeBufferPointer { handleLine($0) } }
                linePrefix.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
    }

    /// The stream ended: an event not yet closed by a blank line still counts.
    public mutating func finish() {
        if !line.isEmpty && !lineOverflow {
            let rest = line
            line.removeAll()
            rest.withUnsafeBufferPointer { handleLine($0) }
        }
        linePrefix.removeAll()
        dispatch()
    }

    /// Holds a line that arrives in pieces. Its cap leaves room for the `data: ` before a payload
    /// and a CR after it, so a line is skipped as oversized exactly when its payload would be:
    /// the result never depends on where the network cut the stream.
    private mutating func appendPartial(_ bytes: UnsafeBufferPointer<UInt8>) {
        if linePrefix.count < 5 { linePrefix.append(contentsOf: bytes.prefix(5 - linePrefix.count)) }
        Self.append(bytes, to: &line, overflow: &lineOverflow, limit: eventLimit + 8)
    }

    /// Appends unless that would pass `limit`; past it, empties `buffer` and sets `overflow`.
    private static func append(_ bytes: some Collection<UInt8>, to buffer: inout [UInt8], overflow: inout Bool, limit: Int) {
        guard !overflow else { return }
        if buffer.count + bytes.count > limit {
            overflow = true
            buffer.removeAll()
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// A line too long to hold ended: a data line makes its event too large to read; any other
    /// (a long `event:` or comment line) is ignored, as it is when it arrives whole.
    private mutating func skipOversizedLine() {
        guard linePrefix.elementsEqual("data:".utf8) else { return }
        dataOverflow = true
        hasData = true
    }

    private mutating func handleLine(_ raw: UnsafeBufferPointer<UInt8>) {
        var count = raw.count
        if count > 0, raw[count - 1] == 0x0D { count -= 1 }
        guard count > 0 else { return dispatch() }
        let bytes = UnsafeBufferPointer(rebasing: raw[0..<count])
        guard count >= 5, bytes[0] == UInt8(ascii: "d"), bytes[1] == UInt8(ascii: "a"), bytes[2] == UInt8(ascii: "t"),
              bytes[3] == UInt8(ascii: "a"), bytes[4] == UInt8(ascii: ":") else {
            return  // event:, id:, retry:, comments: nothing we need
        }
        var payload = bytes[5...]
        if payload.first == 0x20 { payload = payload.dropFirst() }
        if hasData {
            if !dataOverflow { data.append(0x0A) }
        }
        hasData = true
        Self.append(payload, to: &data, overflow: &dataOverflow, limit: eventLimit)
    }

    /// A blank line ends an event: look at its data.
    private mutating func dispatch() {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            dataOverflow = false
        }
        guard hasData else { return }
        guard !dataOverflow else {
            skippedEvents += 1
            return
        }
        let event = data
        let ok = event.withUnsafeBytes { raw -> Bool in
            var cursor = JSONCursor(raw)
            do {
                try read(&cursor)
                return true
            } catch {
                return false
            }
        }
        if !ok { skippedEvents += 1 }
    }

    private enum EventType { case messageStart, messageDelta, messageStop, error, other }

    private mutating func read(_ cursor: inout JSONCursor) throws(JSONScanError) {
        try cursor.openObject()
        var type = EventType.other
        var startModel: String?
        var startUsage: UsageObject?
        var deltaUsage: UsageObject?
        var errorObject: [UInt8]?
        var first = true
        while let key = try cursor.nextKey(&first) {
            if key.equals("type") {
                guard let name = try cursor.readOptionalString() else { continue }
                if name.equals("message_start") { type = .messageStart }
                else if name.equals("message_delta") { type = .messageDelta }
                else if name.equals("message_stop") { type = .messageStop }
                else if name.equals("error") { type = .error }
                else { return }  // content blocks, pings: nothing to read
            } else if key.equals("message") {
                if cursor.consumeNull() { continue }
                try cursor.openObject()
                var inner = true
                while let member = try cursor.nextKey(&inner) {
                    if member.equals("model"), let name = try cursor.readOptionalString() {
                        startModel = name.string
                    } else if member.equals("usage"), !cursor.consumeNull() {
                        startUsage = try UsageObject(reading: &cursor)
                    } else {
                        try cursor.skipValue()
                    }
                }
            } else if key.equals("usage") {
                if !cursor.consumeNull() { deltaUsage = try UsageObject(reading: &cursor) }
            } else if key.equals("error") {
                if cursor.consumeNull() { continue }
                cursor.skipWhitespace()
                guard cursor.peek() == UInt8(ascii: "{") else { throw JSONScanError("error: expected an object") }
                let start = cursor.p
                try cursor.skipValue()
                errorObject = JSONBytes.compact(UnsafeBufferPointer(start: start, count: cursor.p - start))
            } else {
                try cursor.skipValue()
            }
        }
        switch type {
        case .messageStart:
            sawMessageStart = true
            if let startModel { model = startModel }
            if let startUsage { usage.merge(startUsage) }
        case .messageDelta:
            if let deltaUsage { usage.merge(deltaUsage) }
        case .messageStop:
            sawMessageStop = true
        case .error:
            if let errorObject { error = errorObject }
        case .other:
            break
        }
    }
}

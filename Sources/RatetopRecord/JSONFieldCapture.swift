/// Captures the raw text of chosen top-level members of one JSON object fed in pieces of any
/// size, without keeping the rest: how the proxy reads `"model"` from a request body and
/// `"usage"` / `"error"` from a non-streaming response while the bytes pass through.
///
/// ```swift
/// var capture = JSONFieldCapture(keys: ["model"])
/// capture.feed(firstChunk)   // {"max_tokens":1024,"mod
/// capture.feed(secondChunk)  // el":"claude-sonnet-4-5","messages":[…]}
/// capture.values["model"]    // the bytes "claude-sonnet-4-5" with its quotes
/// ```
/// Values are captured verbatim without the whitespace between tokens; a value longer than
/// `valueLimit` is dropped. Memory is bounded by the keys asked for, whatever the body's size.
/// The structure is tracked, not validated: check a captured value before trusting it.
public struct JSONFieldCapture: Sendable {
    /// The captured values by key, each one JSON value's text.
    public private(set) var values: [String: [UInt8]] = [:]
    /// True once the top-level object has closed (or the input turned out not to be an object).
    public private(set) var isFinished = false
    /// True when the input does not start with `{`.
    public private(set) var isNotAnObject = false

    private let wanted: [[UInt8]]
    private let valueLimit: Int
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var stringIsKey = false
    private var phase = Phase.key
    private var key: [UInt8] = []
    private var keyTooLong = false
    private var capturing = false
    private var captureOverflow = false
    private var buffer: [UInt8] = []

    /// Where the scanner is between the top-level object's members.
    private enum Phase: Sendable { case key, colon, value, inValue, afterValue }

    public init(keys: [String], valueLimit: Int = 256 * 1024) {
        wanted = keys.map { Array($0.utf8) }
        self.valueLimit = valueLimit
    }

    /// True when every key asked for has been captured (the caller may stop feeding).
    public var hasAll: Bool { values.count == wanted.count }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !isFinished, let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let end = bytes.count
        var index = 0
        while index < end {
            let byte = base[index]
            if inString {
                // Fast path: a string nobody records; jump to the next quote or backslash.
                if !capturing && !stringIsKey && !escaped {
                    while index < end, base[index] != UInt8(ascii: "\""), base[index] != UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { return }
                }
                string(base[index])
                index += 1
                continue
            }
            structural(byte)
            if isFinished { return }
            index += 1
        }
    }

    private mutating func string(_ byte: UInt8) {
        if escaped {
            escaped = false
            record(byte)
            return
        }
        if byte == UInt8(ascii: "\\") {
            escaped = true
            record(byte)
            return
        }
        if byte == UInt8(ascii: "\"") {
            inString = false
            if stringIsKey {
                stringIsKey = false
                phase = .colon
                return
            }
            append(byte)
            if depth == 1 {
                finishValue()
            }
            return
        }
        record(byte)
    }

    /// A byte inside a string: part of the key being read or of a captured value.
    private mutating func record(_ byte: UInt8) {
        if stringIsKey {
            if key.count < 64 { key.append(byte) } else { keyTooLong = true }
        } else {
            append(byte)
        }
    }

    private mutating func structural(_ byte: UInt8) {
        switch byte {
        case 0x20, 0x0A, 0x0D, 0x09:
            return
        case UInt8(ascii: "\""):
            if depth == 1 && phase == .key {
                stringIsKey = true
                key.removeAll(keepingCapacity: true)
                keyTooLong = false
                inString = true
                return
            }
            if depth == 1 && phase == .value { startValue() }
            inString = true
            append(byte)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            if depth == 0 {
                guard byte == UInt8(ascii: "{") else { return notAnObject() }
                depth = 1
                phase = .key
                return
            }
            if depth == 1 && phase == .value { startValue() }
            append(byte)
            depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            guard depth > 0 else { return notAnObject() }
            if depth == 1 {
                if phase == .inValue { finishValue() }
                depth = 0
                isFinished = true
                return
            }
            append(byte)
            depth -= 1
            if depth == 1 { finishValue() }
        case UInt8(ascii: ":") where depth == 1:
            phase = .value
        case UInt8(ascii: ",") where depth == 1:
            if phase == .inValue { finishValue() }
            phase = .key
        default:
            guard depth > 0 else { return notAnObject() }
            if depth == 1 && phase == .value { startValue() }
            append(byte)
        }
    }

    private mutating func startValue() {
        phase = .inValue
        capturing = !keyTooLong && wanted.contains(key)
        captureOverflow = false
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func finishValue() {
        if capturing && !captureOverflow {
            values[String(decoding: key, as: UTF8.self)] = buffer
        }
        capturing = false
        phase = .afterValue
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        guard capturing else { return }
        if buffer.count < valueLimit { buffer.append(byte) } else { captureOverflow = true }
    }

    private mutating func notAnObject() {
        isNotAnObject = true
        isFinished = true
        capturing = false
    }
}

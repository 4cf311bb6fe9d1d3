// Fuzz target `json-cursor`: the lazy scanner every decoder stands on (`JSONCursor`), over the
// whole input (as one line, in an allocation of its own):
//  1. `skipValue` over the input, then `atEnd`, as the format sniffer does;
//  2. a walk of the value the way the decoders walk it, choosing the call by what the cursor
//     peeks at — `openObject`/`nextKey`, `openArray`/`nextElement`, `readString`,
//     `readOptionalString`, `readNumber`, `readInt`, `readLooseInt`, `readBool`, `consumeNull` —
//     and reading every string it returns (`string` with escapes resolved, `integerValue`,
//     `equals`, `hasPrefix`, `hasSuffix`, `contains`, `firstRange`, `dropFirst`).
// The key's first byte picks among the alternative reads of a member's value, so the fuzzer
// reaches each read on each kind of value.
@testable import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONCursor(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    Fuzz.withPrivateCopy(input) { bytes in
        var skipper = JSONCursor(bytes)
        do throws(JSONScanError) {
            try skipper.skipValue()
            Fuzz.sink(skipper.atEnd() ? 1 : 0)
        } catch {
            Fuzz.sink(error.reason)
        }
        var walker = JSONCursor(bytes)
        do throws(JSONScanError) {
            try walk(&walker, choice: 0, depth: 0)
            Fuzz.sink(walker.atEnd() ? 1 : 0)
        } catch {
            Fuzz.sink(error.reason)
        }
    }
    return 0
}

private func read(_ string: JSONString) {
    Fuzz.sink(string.string)
    Fuzz.sink(string.integerValue ?? -1)
    Fuzz.sink(string.equals("model") ? 1 : 0)
    Fuzz.sink(string.hasPrefix("anthropic-ratelimit-") ? 1 : 0)
    Fuzz.sink(string.hasSuffix("-remaining") ? 1 : 0)
    Fuzz.sink(string.contains("rate_limit") ? 1 : 0)
    Fuzz.sink(string.firstRange(of: "tokens per minute") ?? -1)
    if string.count > 0 { Fuzz.sink(string.dropFirst(string.count / 2).count) }
}

private func walk(_ cursor: inout JSONCursor, choice: UInt8, depth: Int) throws(JSONScanError) {
    guard depth < 200 else {
        try cursor.skipValue()
        return
    }
    switch cursor.peek() {
    case UInt8(ascii: "{"):
        try cursor.openObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            read(key)
            try walk(&cursor, choice: key.count > 0 ? key.base[0] : 0, depth: depth + 1)
        }
    case UInt8(ascii: "["):
        try cursor.openArray()
        var first = true
        var index: UInt8 = 0
        while try cursor.nextElement(&first) {
            try walk(&cursor, choice: index, depth: depth + 1)
            index &+= 1
        }
    case UInt8(ascii: "\""):
        if choice % 3 == 1 {
            Fuzz.sink(try cursor.readLooseInt() ?? -1)
        } else if let string = choice % 3 == 2 ? try cursor.readOptionalString() : try cursor.readString() {
            read(string)
        }
    case UInt8(ascii: "t"), UInt8(ascii: "f"):
        if choice % 2 == 0 {
            Fuzz.sink(try cursor.readBool() == true ? 1 : 0)
        } else {
            try cursor.skipValue()
        }
    case UInt8(ascii: "n"):
        switch choice % 4 {
        case 0: Fuzz.sink(cursor.consumeNull() ? 1 : 0)
        case 1: Fuzz.sink(try cursor.readNumber() == nil ? 1 : 0)
        case 2: Fuzz.sink(try cursor.readOptionalString() == nil ? 1 : 0)
        default: try cursor.skipValue()
        }
        if cursor.peek() == UInt8(ascii: "n") { try cursor.skipValue() }  // `consumeNull` left it: not `null`
    default:
        switch choice % 4 {
        case 0: Fuzz.sink(Int(truncatingIfNeeded: (try cursor.readNumber() ?? 0).bitPattern))
        case 1: Fuzz.sink(try cursor.readInt() ?? -1)
        case 2: Fuzz.sink(try cursor.readLooseInt() ?? -1)
        default: try cursor.skipValue()
        }
    }
}

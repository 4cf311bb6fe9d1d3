import RatetopCore

/// The API's `usage` object as its members' raw JSON text, in the order the API sent them, so
/// the log keeps every field (cache breakdown, server tool use, service tier, …) without
/// knowing them all.
///
/// A stream's usage is `message_start`'s merged with each `message_delta`'s: delta usage is
/// cumulative, so a member in a later delta replaces the earlier value (never a sum), and a
/// `null` in a delta does not erase a value already known.
public struct UsageObject: Sendable, Equatable {
    /// (key text as written between the quotes, compact value text).
    public private(set) var members: [(key: [UInt8], value: [UInt8])]

    public static func == (lhs: UsageObject, rhs: UsageObject) -> Bool {
        lhs.members.count == rhs.members.count && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public init() { members = [] }

    /// Reads an object at the cursor; throws when it is not a well-formed object.
    init(reading cursor: inout JSONCursor) throws(JSONScanError) {
        members = []
        try cursor.openObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            cursor.skipWhitespace()
            let start = cursor.p
            try cursor.skipValue()
            let value = JSONBytes.compact(UnsafeBufferPointer(start: start, count: cursor.p - start))
            // The key's raw control bytes escaped too (a raw line break in a key would split the line).
            let quoted = [UInt8(ascii: "\"")] + Array(UnsafeBufferPointer(start: key.base, count: key.count)) + [UInt8(ascii: "\"")]
            members.append((Array(JSONBytes.compact(quoted).dropFirst().dropLast()), value))
        }
    }

    /// Parses one object's text (e.g. a captured `"usage"` value); nil when it is not an object.
    public init?(json bytes: [UInt8]) {
        var parsed: UsageObject?
        bytes.withUnsafeBytes { raw in
            var cursor = JSONCursor(raw)
            if let object = try? UsageObject(reading: &cursor), cursor.atEnd() { parsed = object }
        }
        guard let parsed else { return nil }
        self = parsed
    }

    public var isEmpty: Bool { members.isEmpty }

    /// Takes every non-null member of `later` (cumulative counts replace earlier ones).
    public mutating func merge(_ later: UsageObject) {
        for member in later.members where member.value != Self.null {
            if let index = members.firstIndex(where: { $0.key == member.key }) {
                members[index].value = member.value
            } else {
                members.append(member)
            }
        }
    }

    /// The object's text on one line.
    public func append(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: member.key)
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            out.append(contentsOf: member.value)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static let null: [UInt8] = Array("null".utf8)
}

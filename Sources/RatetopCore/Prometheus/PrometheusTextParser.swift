/// The type a `# TYPE` line declares for a metric family.
public enum PrometheusMetricType: String, Sendable, Equatable {
    case counter, gauge, histogram, summary, untyped
}

/// One label of a sample, unescaped.
public struct PrometheusLabel: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One sample line of the text format: `name{labels} value [timestamp]`.
public struct PrometheusSample: Sendable, Equatable {
    public var name: String
    /// In the order they were written.
    public var labels: [PrometheusLabel]
    public var value: Double
    /// Milliseconds since the epoch, when the line carries one.
    public var timestampMilliseconds: Int64?

    public init(name: String, labels: [PrometheusLabel] = [], value: Double, timestampMilliseconds: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }

    /// The value of the label `name`, if present.
    public subscript(label name: String) -> String? {
        labels.first { $0.name == name }?.value
    }

    /// The series identity: the name and the labels sorted by name (so label order on the wire
    /// does not matter), escaped as the format writes them.
    public var seriesKey: String {
        guard !labels.isEmpty else { return name }
        let pairs = labels.sorted { $0.name < $1.name }.map { "\($0.name)=\"\(PrometheusTextParser.escape($0.value))\"" }
        return "\(name){\(pairs.joined(separator: ","))}"
    }
}

/// What a `# HELP` / `# TYPE` pair said about a family.
public struct PrometheusFamily: Sendable, Equatable {
    public var name: String
    public var type: PrometheusMetricType
    public var help: String?

    public init(name: String, type: PrometheusMetricType = .untyped, help: String? = nil) {
        self.name = name
        self.type = type
        self.help = help
    }
}

/// One scrape, parsed: the samples in order, the families declared, and the lines that could not
/// be read (counted, the first few kept with their line number and reason).
public struct PrometheusExposition: Sendable, Equatable {
    public var samples: [PrometheusSample] = []
    public var families: [String: PrometheusFamily] = [:]
    public var malformedLines = 0
    /// The first problems, as (1-based line, reason).
    public var problems: [PrometheusProblem] = []

    public init() {}

    /// The family a sample belongs to: its own name, or the name without a `_total`, `_created`,
    /// `_bucket`, `_sum`, `_count` suffix when a family of that name was declared.
    public func family(of sampleName: String) -> PrometheusFamily? {
        if let family = families[sampleName] { return family }
        for suffix in ["_total", "_created", "_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            if let family = families[String(sampleName.dropLast(suffix.count))] { return family }
        }
        return nil
    }
}

/// A line of a scrape that could not be read.
public struct PrometheusProblem: Sendable, Equatable {
    public var line: Int
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}

/// Parses the Prometheus text exposition format (0.0.4, as Prometheus client libraries and
/// ratetop's own `/metrics` write it; OpenMetrics' `# EOF` is read as a comment).
///
/// - `# HELP name text` (escapes `\\`, `\n`) and `# TYPE name type`; other `#` lines are comments.
/// - Samples: `name{label="value",...} value [timestamp]` with blanks (spaces, tabs) between the
///   parts, a trailing comma in the label set allowed, label values escaped `\\`, `\"`, `\n`
///   (any other escaped character is kept as it is), values in Go's float syntax including
///   `NaN`, `+Inf`, `-Inf`, and an optional integer timestamp in milliseconds.
/// - A line that breaks these rules (bad name, unterminated label value, duplicate label,
///   missing or unreadable value, trailing garbage) is counted and skipped; it never stops the
///   parse. Line endings `\n` and `\r\n` are both accepted.
public enum PrometheusTextParser {
    /// How many problems an exposition keeps word for word (all are counted).
    public static let keptProblems = 5

    public static func parse(_ text: String) -> PrometheusExposition {
        var exposition = PrometheusExposition()
        var lineNumber = 0
        var utf8 = Array(text.utf8)
        utf8.append(UInt8(ascii: "\n"))
        var start = 0
        for index in 0..<utf8.count where utf8[index] == UInt8(ascii: "\n") {
            lineNumber += 1
            var end = index
            if end > start, utf8[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = utf8[start..<end]
            start = index + 1
            if index == utf8.count - 1 && line.isEmpty { break }
            do {
                try parseLine(line, into: &exposition)
            } catch {
                exposition.malformedLines += 1
                if exposition.problems.count < keptProblems {
                    exposition.problems.append(PrometheusProblem(line: lineNumber, reason: error.reason))
                }
            }
        }
        return exposition
    }

    struct LineError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func parseLine(_ line: ArraySlice<UInt8>, into exposition: inout PrometheusExposition) throws(LineError) {
        var cursor = Cursor(bytes: line)
        cursor.skipBlanks()
        guard let first = cursor.peek else { return }  // blank line
        if first == UInt8(ascii: "#") {
            try parseComment(&cursor, into: &exposition)
            return
        }
        let name = try cursor.readName(allowColon: true, what: "metric name")
        cursor.skipBlanks()
        var labels: [PrometheusLabel] = []
        if cursor.peek == UInt8(ascii: "{") {
            cursor.advance()
            labels = try readLabels(&cursor)
            cursor.skipBlanks()
        }
        guard let valueText = cursor.readToken(), !valueText.isEmpty else { throw LineError("\(name): missing value") }
        guard let value = parseValue(valueText) else { throw LineError("\(name): value '\(valueText.prefix(40))' is not a number") }
        cursor.skipBlanks()
        var timestamp: Int64?
        if let stampText = cursor.readToken(), !stampText.isEmpty {
            guard let stamp = Int64(stampText) else { throw LineError("\(name): timestamp '\(stampText.prefix(40))' is not an integer") }
            timestamp = stamp
            cursor.skipBlanks()
        }
        guard cursor.atEnd else { throw LineError("\(name): unexpected text after the sample") }
        exposition.samples.append(PrometheusSample(name: name, labels: labels, value: value, timestampMilliseconds: timestamp))
    }

    private static func readLabels(_ cursor: inout Cursor) throws(LineError) -> [PrometheusLabel] {
        var labels: [PrometheusLabel] = []
        while true {
            cursor.skipBlanks()
            guard let byte = cursor.peek else { throw LineError("label set not closed with '}'") }
            if byte == UInt8(ascii: "}") {
                cursor.advance()
                return labels
            }
            let name = try cursor.readName(allowColon: false, what: "label name")
            cursor.skipBlanks()
            guard cursor.peek == UInt8(ascii: "=") else { throw LineError("label \(name): expected '='") }
            cursor.advance()
            cursor.skipBlanks()
            guard cursor.peek == UInt8(ascii: "\"") else { throw LineError("label \(name): value must be quoted") }
            cursor.advance()
            let value = try cursor.readQuoted(label: name)
            guard !labels.contains(where: { $0.name == name }) else { throw LineError("label \(name) given twice") }
            labels.append(PrometheusLabel(name, value))
            cursor.skipBlanks()
            if cursor.peek == UInt8(ascii: ",") {
                cursor.advance()
            } else if cursor.peek != UInt8(ascii: "}") {
                throw LineError("label set: expected ',' or '}' after \(name)")
            }
        }
    }

    private static func parseComment(_ cursor: inout Cursor, into exposition: inout PrometheusExposition) throws(LineError) {
        cursor.advance()  // '#'
        cursor.skipBlanks()
        guard let keyword = cursor.readToken(), keyword == "HELP" || keyword == "TYPE" else { return }  // a plain comment
        cursor.skipBlanks()
        let name = try cursor.readName(allowColon: true, what: "metric name in # \(keyword)")
        var family = exposition.families[name] ?? PrometheusFamily(name: name)
        if keyword == "TYPE" {
            cursor.skipBlanks()
            let typeText = cursor.readToken() ?? ""
            guard let type = PrometheusMetricType(rawValue: typeText.lowercased()) else {
                throw LineError("# TYPE \(name): unknown type '\(typeText.prefix(40))'")
            }
            family.type = type
        } else {
            cursor.skipSingleBlank()
            family.help = unescapeHelp(cursor.rest)
        }
        exposition.families[name] = family
    }

    /// Go's `strconv.ParseFloat` spellings that matter here: decimal and exponent forms, and
    /// `NaN`, `Inf`, `+Inf`, `-Inf` in any case.
    static func parseValue(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "+inf", "inf", "+infinity", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default:
            guard text.utf8.allSatisfy({ byte in
                (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                    || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            }) else { return nil }
            return Double(text)
        }
    }

    private static func unescapeHelp(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var escaped = false
        for byte in bytes {
            if escaped {
                switch byte {
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                default: out.append(UInt8(ascii: "\\")); out.append(byte)
                }
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                out.append(byte)
            }
        }
        if escaped { out.append(UInt8(ascii: "\\")) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Escapes a label value as the format writes it.
    public static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// A byte cursor over one line.
    struct Cursor {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        var atEnd: Bool { position >= bytes.endIndex }
        var peek: UInt8? { atEnd ? nil : bytes[position] }
        var rest: ArraySlice<UInt8> { bytes[position...] }
        mutating func advance() { position += 1 }

        static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

        mutating func skipBlanks() {
            while let byte = peek, Self.isBlank(byte) { position += 1 }
        }

        mutating func skipSingleBlank() {
            if let byte = peek, Self.isBlank(byte) { position += 1 }
        }

        /// The text up to the next blank (or the end).
        mutating func readToken() -> String? {
            guard !atEnd else { return nil }
            let from = position
            while let byte = peek, !Self.isBlank(byte) { position += 1 }
            return String(decoding: bytes[from..<position], as: UTF8.self)
        }

        /// `[a-zA-Z_:][a-zA-Z0-9_:]*` (no `:` in label names).
        mutating func readName(allowColon: Bool, what: String) throws(LineError) -> String {
            let from = position
            while let byte = peek {
                let letter = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || byte == UInt8(ascii: "_") || (allowColon && byte == UInt8(ascii: ":"))
                let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                guard letter || (digit && position > from) else { break }
                position += 1
            }
            guard position > from else {
                let found = peek.map { "'\(String(decoding: [$0], as: UTF8.self))'" } ?? "the end of the line"
                throw LineError("expected a \(what), found \(found)")
            }
            return String(decoding: bytes[from..<position], as: UTF8.self)
        }

        /// A label value after its opening quote, through the closing quote.
        mutating func readQuoted(label: String) throws(LineError) -> String {
            var out: [UInt8] = []
            while let byte = peek {
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let next = peek else { throw LineError("label \(label): value not closed") }
                    position += 1
                    switch next {
                    case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                    case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                    case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                    default: out.append(UInt8(ascii: "\\")); out.append(next)
                    }
                default:
                    out.append(byte)
                }
            }
            throw LineError("label \(label): value not closed")
        }
    }
}

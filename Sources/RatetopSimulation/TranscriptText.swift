/// Cheap filler for generated transcripts: slices of one fixed, already JSON-escaped text, and
/// the ids Claude Code and the API use. Everything comes from the caller's seeded generator.
enum TranscriptText {
    /// About 256 kB of words, code fragments, escaped newlines, tabs and quotes and a little
    /// non-ASCII text, separated by single spaces. Valid inside a JSON string as it is; a slice
    /// cut at spaces stays valid (no escape is split).
    static let corpus: [UInt8] = {
        let words: [String] = [
            "the", "a", "to", "of", "and", "in", "is", "for", "this", "that", "it", "we", "should", "now", "then",
            "function", "return", "let", "const", "var", "if", "else", "guard", "import", "export", "class", "struct",
            "test", "tests", "passing", "failed", "error", "warning:", "build", "compile", "module", "package",
            "src/server/routes.ts", "lib/auth/session.py", "Sources/App/main.swift", "README.md", "config.yaml",
            "user", "request", "response", "token", "cache", "handler", "middleware", "database", "query", "index",
            "migration", "schema", "field", "value", "null", "true", "false", "undefined", "async", "await",
            "Let", "me", "check", "look", "at", "update", "fix", "add", "remove", "rename", "refactor", "run",
            "I'll", "I've", "Now", "The", "This", "Here's", "Done.", "Good.", "Perfect!", "Great,", "changes:",
            "=>", "{", "}", "(", ")", "[]", "==", "!=", "+=", "->", "::", "//", "#", "*", "-", "1.", "2.", "3.",
            "42", "200", "404", "500", "1024", "0.5", "3000", "v2", "id", "ids", "name", "path", "line", "lines",
            "\\n", "\\n", "\\n", "\\n", "\\n\\n", "\\t", "\\\"ok\\\"", "\\\"id\\\":", "café", "naïve", "→", "✓", "—", "…",
            "npm", "pytest", "swift", "cargo", "go", "make", "docker", "git", "diff", "commit", "branch", "merge",
            "PASS", "FAIL", "ok", "ms", "seconds", "files", "changed", "insertions(+),", "deletions(-)",
        ]
        var rng = SplitMix64(seed: 0xC0DE_C0DE_2026_0001)
        var text: [UInt8] = []
        text.reserveCapacity(262_144 + 64)
        while text.count < 262_144 {
            text.append(contentsOf: words[rng.below(words.count)].utf8)
            text.append(UInt8(ascii: " "))
        }
        return text
    }()

    /// Positions of the spaces in `corpus`, for cutting slices.
    static let spaces: [Int32] = corpus.indices.filter { corpus[$0] == UInt8(ascii: " ") }.map { Int32($0) }

    /// Appends about `length` bytes of text (whole words; at least one).
    static func append(_ length: Int, to out: inout [UInt8], _ rng: inout SplitMix64) {
        let wanted = max(1, min(length, corpus.count / 2))
        // A space to start after, and the last space within `wanted` bytes of it.
        let first = rng.below(spaces.count / 2)
        let from = Int(spaces[first]) + 1
        var last = first + 1
        var low = first + 1, high = spaces.count - 1
        while low <= high {
            let middle = (low + high) / 2
            if Int(spaces[middle]) - from <= wanted {
                last = middle
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        corpus.withUnsafeBufferPointer { buffer in
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[from..<Int(spaces[last])]))
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    static let base62: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let base64: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// A random version-4 UUID, lower-case, 36 bytes.
    static func appendUUID(to out: inout [UInt8], _ rng: inout SplitMix64) {
        var a = rng.next(), b = rng.next()
        a = (a & ~0xF000) | 0x4000
        b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        for index in 0..<32 {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            let nibble = index < 16 ? (a >> (60 - 4 * UInt64(index))) & 0xF : (b >> (60 - 4 * UInt64(index - 16))) & 0xF
            out.append(hexDigits[Int(nibble)])
        }
    }

    static func uuid(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        appendUUID(to: &bytes, &rng)
        return bytes
    }

    /// `prefix` followed by `count` base62 characters.
    static func appendID(_ prefix: StaticString, _ count: Int, to out: inout [UInt8], _ rng: inout SplitMix64) {
        out.append(ascii: prefix)
        var bits = rng.next()
        for index in 0..<count {
            if index % 10 == 9 { bits = rng.next() }
            out.append(base62[Int(bits % 62)])
            bits /= 62
        }
    }

    /// `count` base64 characters (a thinking block's signature).
    static func appendBase64(_ count: Int, to out: inout [UInt8], _ rng: inout SplitMix64) {
        var bits = rng.next()
        for index in 0..<count {
            if index % 10 == 9 { bits = rng.next() }
            out.append(base64[Int(bits & 63)])
            bits >>= 6
        }
    }
}

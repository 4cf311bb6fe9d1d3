import ArgumentParser
import Foundation

/// "Did you mean": a first argument that names no command (`ratetop wacth`) gets one line with
/// the closest command and exit 2, instead of argument-parser's "Unexpected argument". Options
/// need nothing here: argument-parser already suggests the closest one ("Unknown option
/// '--headles'. Did you mean '--headless'?").
enum CommandSuggestion {
    /// The names a first argument may be, for a command with subcommands: its subcommands and
    /// argument-parser's `help`.
    static func names(of command: any ParsableCommand.Type) -> [String] {
        var names: [String] = []
        for subcommand in command.configuration.subcommands { names.append(subcommand._commandName) }
        return names + ["help"]
    }

    /// The one line for `arguments` (without the program name) when their command word is not
    /// a command, else nil (argument-parser then parses them as usual).
    static func unknownCommand(in arguments: [String], root: any ParsableCommand.Type = RatetopRoot.self) -> String? {
        var command = root
        var path: [String] = []
        for word in arguments {
            guard !word.hasPrefix("-"), !command.configuration.subcommands.isEmpty else { return nil }
            let known = names(of: command)
            if word == "help" { return nil }
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == word }) else {
                let shown = (path + [word]).joined(separator: " ")
                guard let closest = closest(to: word, among: known.filter { $0 != "help" }) else {
                    return "unknown command '\(shown)' (commands: \(known.filter { $0 != "help" }.joined(separator: ", ")))"
                }
                return "unknown command '\(shown)'; did you mean '\((path + [closest]).joined(separator: " "))'?"
            }
            command = next
            path.append(word)
        }
        return nil
    }

    /// The name within a third of its length (at least 1, at most 3) in edits of `word`, or that
    /// `word` begins; the closest, else nil.
    static func closest(to word: String, among names: [String]) -> String? {
        let lowered = word.lowercased()
        let limit = min(3, max(1, lowered.count / 3))
        let scored = names.map { ($0, editDistance(lowered, $0)) }.filter { $0.1 <= limit || ($0.0.hasPrefix(lowered) && lowered.count >= 2) }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance with adjacent transpositions (`wacth` is one edit from `watch`).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

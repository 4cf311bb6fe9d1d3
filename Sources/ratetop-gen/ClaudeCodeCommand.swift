#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import RatetopCore
import RatetopSimulation

/// `ratetop-gen claude-code`: a `~/.claude/projects` directory of session transcripts.
struct ClaudeCodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claude-code",
        abstract: "Write a ~/.claude/projects-shaped directory: one Claude Code transcript per session.",
        discussion: """
            Writes OUTPUT/<project-slug>/<session-uuid>.jsonl for --files sessions with --lines lines \
            in all, over the --span before --end. Session lengths are very uneven (a few of tens of \
            thousands of lines, many of a few dozen); sessions run in working hours on weekdays, \
            several at once on some days, and almost all finished long before --end. Lines are \
            Claude Code 2.1.x transcript lines: user prompts and tool results, one assistant line \
            per content block (sharing message.id and requestId, the last with the final usage), \
            progress, queue-operation, file-history-snapshot, summary and system lines, and now and \
            then API errors (429, 529). OUTPUT must not exist or be empty.

            Examples:
              ratetop-gen claude-code --files 1000 --lines 1150000 --span 30d -o bench-data/claude-1000
              ratetop-gen claude-code --files 100 --lines 115000 --span 30d -o bench-data/claude-100
            """)

    @Option(help: "How many session files to write.")
    var files: Int = 1_000

    @Option(help: "How many lines in all the files together (at least 2 a file).")
    var lines: Int = 1_150_000

    @Option(help: "How long the sessions cover, ending at --end (30d, 2w).")
    var span: SpanArgument = SpanArgument(argument: "30d")!

    @Option(help: "When the span ends (RFC 3339 or a date, UTC).")
    var end: InstantArgument = InstantArgument(argument: "2026-12-04T19:00:00Z")!

    @Option(help: "How many projects (directories) the sessions belong to.")
    var projects: Int = 12

    @Option(help: "How many sessions are still being written at --end (the rest finished before it).")
    var open: Int = 0

    @Option(name: .shortAndLong, help: "The directory to write (created; must be empty if it exists).")
    var output: String

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 7

    func validate() throws {
        guard files > 0 else { throw ValidationError("--files must be positive") }
        guard projects > 0 else { throw ValidationError("--projects must be positive") }
        guard lines >= files * ClaudeCodeProjects.minimumLines else {
            throw ValidationError("--lines must be at least \(ClaudeCodeProjects.minimumLines) a file (\(files * ClaudeCodeProjects.minimumLines))")
        }
    }

    /// Sets a session file's modification time to its last line's timestamp, as a real
    /// transcript written then would have (what `watch` uses to skip finished sessions).
    static func stampModificationTime(_ path: String, content: [UInt8]) {
        let key = Array(#""timestamp":""#.utf8)
        guard content.count > key.count else { return }
        var index = content.count - key.count
        while index >= 0 {
            if content[index] == key[0], Array(content[index..<(index + key.count)]) == key {
                let start = index + key.count
                guard let close = content[start...].firstIndex(of: UInt8(ascii: "\"")),
                      let time = RFC3339.parse(String(decoding: content[start..<close], as: UTF8.self)) else { return }
                var times = [timespec(tv_sec: Int(time), tv_nsec: 0), timespec(tv_sec: Int(time), tv_nsec: 0)]
                _ = utimensat(AT_FDCWD, path, &times, 0)
                return
            }
            index -= 1
        }
    }

    func run() throws {
        let clock = ContinuousClock()
        let began = clock.now
        let plan = ClaudeCodeProjects(files: files, lines: lines, span: span.seconds, end: end.epochSeconds,
                                      projects: projects, seed: seed, openAtEnd: open)
        try Self.makeEmptyDirectory(output)
        for project in Set(plan.sessions.map(\.project)).sorted() {
            try Self.makeDirectory(output + "/" + plan.projects[project].slug)
        }
        var bytes = 0
        var longest = 0
        for index in plan.sessions.indices {
            let content = plan.render(session: index)
            let path = output + "/" + plan.relativePath(session: index)
            let file = try OutputFile(path: path)
            try file.write(content)
            try file.close()
            Self.stampModificationTime(path, content: content)
            bytes += content.count
            longest = max(longest, plan.sessions[index].lines)
        }
        printError("ratetop-gen: wrote \(files) files, \(lines) lines (\(bytes / 1_000_000) MB; the longest session "
                   + "\(longest) lines) to \(output) in \(ExchangeLogOutput.seconds(since: began, clock)); "
                   + "\(SimulationSpan.format(plan.start)) to \(SimulationSpan.format(plan.end))")
    }

    static func makeEmptyDirectory(_ path: String) throws {
        if let directory = opendir(path) {
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." {
                    throw ValidationError("\(path) exists and is not empty; choose a new or empty directory")
                }
            }
            return
        }
        try makeDirectory(path)
    }

    static func makeDirectory(_ path: String) throws {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                throw GenerationError("cannot create \(partial): \(String(cString: strerror(errno)))")
            }
        }
    }
}

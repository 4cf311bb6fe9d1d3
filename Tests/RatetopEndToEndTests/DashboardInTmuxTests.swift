import Foundation
import RatetopCore
import RatetopTestSupport
import RatetopUI
import Testing

/// The real binary's dashboard in a real terminal (tmux): it starts, shows the buckets with the
/// same numbers as the headless engine, follows an appended line, survives resizes, and quits
/// leaving the terminal as it was.
@Suite(.serialized, .tags(.endToEnd)) struct DashboardInTmuxTests {
    /// A tmux server of our own (its own socket), so tests never touch the user's sessions.
    final class Tmux {
        let socket: String
        let session = "ratetop"

        init() {
            socket = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-tmux-\(UUID().uuidString)").path
        }

        deinit { _ = try? run(["kill-server"]) }

        /// Runs a tmux command and returns its output. A `ChildProcess` (`posix_spawn` +
        /// `waitpid`), not `Foundation.Process`: the server that the first call forks inherits
        /// Foundation's descriptors and would keep `Process` from ever seeing the client exit.
        @discardableResult
        func run(_ arguments: [String]) throws -> String {
            let output = socket + ".\(UUID().uuidString).out"
            defer { unlink(output) }
            let environment = ["TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
                               "PATH=" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
            // The child gets an empty signal mask and default handlers, so tmux (and the
            // dashboard under it) sees the signals that test threads block.
            try ChildProcess("tmux", arguments: ["-S", socket] + arguments, environment: environment, outputPath: output)
                .waitForExit()
            return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }

        func start(_ command: String, width: Int = 100, height: Int = 30) throws {
            try ExternalTool.tmux.require()
            try run(["-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", command])
        }

        func screen() throws -> String { try run(["capture-pane", "-p", "-t", session]) }

        func keys(_ keys: String...) throws { try run(["send-keys", "-t", session] + keys) }

        func resize(width: Int, height: Int) throws {
            try run(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
        }

        /// Waits until the screen satisfies `condition` (up to `timeout` seconds).
        func wait(timeout: Double = 10, _ condition: (String) -> Bool) throws -> String {
            let deadline = Date().addingTimeInterval(timeout)
            var last = ""
            while Date() < deadline {
                last = try screen()
                if condition(last) { return last }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return last
        }
    }

    static func exchange(_ time: Double, model: String = "claude-sonnet-4-5-20250929", input: Int, output: Int,
                         remaining: (Int, Int, Int)) -> String {
        let stamp = RFC3339.format(time, fractionDigits: 3)
        return #"{"ts":"\#(stamp)","latency_ms":800,"model":"\#(model)","status":200,"usage":{"input_tokens":\#(input),"cache_read_input_tokens":0,"cache_creation_input_tokens":0,"output_tokens":\#(output)},"headers":{"anthropic-ratelimit-requests-limit":"50","anthropic-ratelimit-requests-remaining":"\#(remaining.0)","anthropic-ratelimit-input-tokens-limit":"30000","anthropic-ratelimit-input-tokens-remaining":"\#(remaining.1)","anthropic-ratelimit-output-tokens-limit":"8000","anthropic-ratelimit-output-tokens-remaining":"\#(remaining.2)"}}"#
    }

    @Test(ExternalTool.needs(.tmux))
    func replayShowsTheSameNumbersAsTheHeadlessEngine() throws {
        let scratch = Scratch()
        let start = 1_795_165_200.0
        let lines = (0..<30).map { index in
            Self.exchange(start + Double(index) * 2, input: 900 + index * 7, output: 120 + index,
                          remaining: (50 - index, 30000 - index * 900, 8000 - index * 150))
        }
        let log = scratch.write("app.jsonl", lines.joined(separator: "\n") + "\n")
        // The headless state at the last tick, which is where the dashboard's replay holds.
        let headless = try ratetop(["replay", log, "--headless", "--emit", "state"])
        let last = try #require(headless.stdoutLines.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        let bucket = try #require((last["buckets"] as? [[String: Any]])?.first)
        let remaining = try #require(bucket["remaining"] as? [String: Any])

        let tmux = Tmux()
        try tmux.start("\(ratetopBinary) replay \(log) --speed 3600; echo RATETOP-EXITED $?; sleep 30")
        let screen = try tmux.wait { $0.contains("finished") }
        for (name, key) in [("RPM", "requests"), ("ITPM", "input_tokens"), ("OTPM", "output_tokens")] {
            let value = try #require((remaining[key] as? NSNumber)?.doubleValue)
            let shown = NumberFormat.compact(value)
            // The bucket's row: "RPM  ████…  43%    21.5 / 50 …" (not the tab line above it).
            let row = screen.split(separator: "\n").first { ($0.hasPrefix(" \(name) ") || $0.hasPrefix("▸\(name) ")) && $0.contains(" / ") }
            #expect(row?.contains(shown + " / ") == true, "\(name): expected \(shown) on the row \(row ?? "-")\n\(screen)")
        }
        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("RATETOP-EXITED") }
        #expect(after.contains("RATETOP-EXITED 0"), "\(after)")
    }

    @Test(ExternalTool.needs(.tmux))
    func watchFollowsAppendedLinesResizesAndQuitsCleanly() throws {
        let scratch = Scratch()
        let now = Date().timeIntervalSince1970
        let log = scratch.write("live.jsonl", Self.exchange(now - 1, input: 2000, output: 100, remaining: (40, 20000, 7000)) + "\n")
        let tmux = Tmux()
        try tmux.start("echo BEFORE; \(ratetopBinary) watch \(log); echo RATETOP-EXITED $?; sleep 30")
        let first = try tmux.wait { $0.contains("sonnet-4.x") && $0.contains("lines 1") }
        #expect(first.contains("sonnet-4.x"), "\(first)")
        for name in ["RPM", "ITPM", "OTPM"] { #expect(first.contains(name), "\(first)") }
        #expect(!first.contains("haiku-4.5"))

        // A line appended to the log shows up (the loop polls every 100 ms).
        let appendedAt = Date()
        let handle = try #require(FileHandle(forWritingAtPath: log))
        handle.seekToEndOfFile()
        handle.write(Data((Self.exchange(Date().timeIntervalSince1970, model: "claude-haiku-4-5-20251001", input: 500, output: 50,
                                         remaining: (49, 49000, 9950)) + "\n").utf8))
        try handle.close()
        let followed = try tmux.wait { $0.contains("haiku-4.5") && $0.contains("lines 2") }
        let latency = Date().timeIntervalSince(appendedAt)
        #expect(followed.contains("haiku-4.5"), "\(followed)")
        #expect(latency < 5, "the appended line took \(latency) s to show")

        // Smaller terminals: the compact view, then the notice.
        try tmux.resize(width: 60, height: 16)
        let compact = try tmux.wait { screen in screen.split(separator: "\n").allSatisfy { $0.count <= 60 } && screen.contains("RPM") }
        #expect(compact.contains("RPM"), "\(compact)")
        try tmux.resize(width: 30, height: 8)
        let tiny = try tmux.wait { $0.lowercased().contains("too small") }
        #expect(tiny.lowercased().contains("too small"), "\(tiny)")
        try tmux.resize(width: 100, height: 30)
        let restored = try tmux.wait { $0.contains("OTPM") }
        #expect(restored.contains("OTPM"), "the full view did not come back:\n\(restored)")

        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("RATETOP-EXITED") }
        #expect(after.contains("RATETOP-EXITED 0"), "\(after)")
        // The alternate screen is gone: what was printed before the dashboard is back.
        #expect(after.contains("BEFORE"), "\(after)")
        #expect(!after.contains("OTPM"), "the dashboard is still on the screen:\n\(after)")
    }

    @Test(ExternalTool.needs(.tmux))
    func theDemoNamesItsSampleAndVSwitchesTheGraphs() throws {
        let tmux = Tmux()
        try tmux.start("\(ratetopBinary) demo; echo RATETOP-EXITED $?; sleep 30", width: 120, height: 40)
        let activity = try tmux.wait { $0.contains("sample: a day on Tier 1") && $0.contains("ITPM use") }
        let header = activity.split(separator: "\n").first.map(String.init) ?? ""
        // The header names the sample, not a path into the build directory.
        #expect(header.hasSuffix("sample: a day on Tier 1") && !header.contains("/"), "\(activity)")
        #expect(activity.contains("100%") && activity.contains("ITPM use"), "\(activity)")
        try tmux.keys("v")
        let level = try tmux.wait { !$0.contains("ITPM use") && $0.contains("── ITPM ") }
        #expect(!level.contains("ITPM use") && level.contains("── ITPM "), "`v` did not switch to the level graph:\n\(level)")
        try tmux.keys("q")
        let after = try tmux.wait { $0.contains("RATETOP-EXITED") }
        #expect(after.contains("RATETOP-EXITED 0"), "\(after)")
    }

    @Test(ExternalTool.needs(.tmux))
    func sigtermRestoresTheTerminal() throws {
        let scratch = Scratch()
        let log = scratch.write("live.jsonl", Self.exchange(Date().timeIntervalSince1970, input: 10, output: 1, remaining: (49, 29000, 8000)) + "\n")
        let pidFile = scratch.file("ratetop.pid")
        let tmux = Tmux()
        // In the foreground of the pane (the terminal is its stdin), its pid written first: `exec`
        // keeps the shell's pid for ratetop.
        try tmux.start("echo BEFORE; sh -c 'echo $$ > \(pidFile); exec \(ratetopBinary) watch \(log)'; echo RATETOP-EXITED $?; sleep 30")
        // SIGTERM only once the dashboard is on the screen, so there is something to restore.
        let shown = try tmux.wait { $0.contains("sonnet-4.x") && $0.contains("OTPM") }
        try #require(shown.contains("OTPM"), "the dashboard never showed:\n\(shown)")
        let pid = try #require(pid_t(scratch.read("ratetop.pid").trimmingCharacters(in: .whitespacesAndNewlines)),
                               "no pid in \(pidFile)")
        #expect(kill(pid, SIGTERM) == 0)
        let after = try tmux.wait { $0.contains("RATETOP-EXITED") }
        #expect(after.contains("RATETOP-EXITED 0"), "\(after)")
        #expect(after.contains("BEFORE") && !after.contains("OTPM"), "\(after)")
    }
}

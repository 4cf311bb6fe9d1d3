import Foundation
import RatetopCore
import Testing
@testable import RatetopIO
import RatetopTestSupport

/// `ConfigFile`: reading the file and resolving its paths.
@Suite(.tags(.unit)) struct ConfigFileLoadingTests {
    @Test func pathsResolveAgainstTheFilesDirectoryAndHome() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("config.yaml", "limits: ./limits.yaml\nsources: [~/logs/*.jsonl, /var/log/a.jsonl, logs/b.jsonl, \"-\"]\n")
        _ = directory.write("limits.yaml", "limits:\n  sonnet-4.x: [100, 1000, 100]\n")
        let loaded = try ConfigFile.load(path: path, environment: ["HOME": "/home/me"])
        #expect(loaded.limitsPath == (directory.path as NSString).appendingPathComponent("limits.yaml"))
        #expect(loaded.sources == ["/home/me/logs/*.jsonl", "/var/log/a.jsonl",
                                   (directory.path as NSString).appendingPathComponent("logs/b.jsonl"), "-"])
        #expect(ConfigFile.defaultPath(environment: ["HOME": "/home/me"]) == "/home/me/.config/ratetop/config.yaml")
    }

    @Test func aLimitsFileThatDoesNotLoadIsReportedAtItsKey() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("config.yaml", "# x\nlimits: ./missing.yaml\n")
        #expect {
            _ = try ConfigFile.load(path: path)
        } throws: { error in
            (error as? ConfigError)?.description.contains("config.yaml:2: limits: --limits") == true
        }
    }

    @Test func anEmptyDeviceOrAPipeIsReadLikeAFileAndADirectoryIsNamedAsOne() throws {
        // /dev/null: an empty configuration (the defaults), not "cannot read".
        #expect(try ConfigFile.load(path: "/dev/null").tier == nil)
        // A pipe, as `--config <(generate)` gives one.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let text = Array("tier: tier2\n".utf8)
        #expect(write(ends[1], text, text.count) == text.count)
        close(ends[1])
        defer { close(ends[0]) }
        #expect(try ConfigFile.load(path: "/dev/fd/\(ends[0])").tier == "tier2")
        let directory = TemporaryDirectory()
        #expect {
            _ = try ConfigFile.load(path: directory.path)
        } throws: { error in
            (error as? ConfigError)?.description == "\(directory.path): a directory, not a file"
        }
    }

    @Test func theDefaultPathFollowsXDGConfigHome() {
        #expect(ConfigFile.defaultPath(environment: ["HOME": "/home/me", "XDG_CONFIG_HOME": "/etc/xdg-me"]) == "/etc/xdg-me/ratetop/config.yaml")
        // Empty or relative: ignored (the XDG Base Directory rule).
        #expect(ConfigFile.defaultPath(environment: ["HOME": "/home/me", "XDG_CONFIG_HOME": ""]) == "/home/me/.config/ratetop/config.yaml")
        #expect(ConfigFile.defaultPath(environment: ["HOME": "/home/me", "XDG_CONFIG_HOME": "cfg"]) == "/home/me/.config/ratetop/config.yaml")
    }

    @Test func anUnknownTierIsReportedWithTheOtherProblemsAndTheChecksRun() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("config.yaml", "tier: tier9\ninterval: soon\nwebhook: [a, b]\n")
        #expect {
            _ = try ConfigFile.load(path: path) { file in
                [ConfigProblem(file: file.path, line: file.config.line(of: "webhook", item: 1), keyPath: "webhook[1]", message: "checked")]
            }
        } throws: { error in
            let lines = (error as? ConfigError)?.problems.map { "\($0.line) \($0.keyPath)" } ?? []
            return lines == ["1 tier", "2 interval", "3 webhook[1]"]
        }
    }
}

/// What a replay makes of an input with no event.
@Suite(.tags(.unit)) struct ReplayInputTests {
    func counts(_ pairs: [(SkipReason, Int)]) -> SkipCounts {
        var counts = SkipCounts()
        for (reason, count) in pairs { counts[reason] = count }
        return counts
    }

    @Test func linesNoneOfWhichDecodedAreRefused() {
        let input = ReplayInput(files: 1, lines: 15, skipped: counts([(.malformed, 12), (.unknownFormat, 3)]))
        #expect(input.refusal == "replay: no usable line in 1 file (12 malformed, 3 unknown_format); nothing to replay")
        #expect(input.notice == nil)
    }

    @Test func anEmptyInputOrOneWithoutUsageIsANotice() {
        let empty = ReplayInput(files: 2, lines: 0, skipped: SkipCounts())
        #expect(empty.refusal == nil)
        #expect(empty.notice == "replay: 2 files, no lines; nothing to replay")
        let quiet = ReplayInput(files: 1, lines: 5, skipped: counts([(.noUsage, 4), (.malformed, 1)]))
        #expect(quiet.refusal == nil)
        #expect(quiet.notice == "replay: no line with API usage in 1 file (1 malformed, 4 no_usage); nothing to replay")
    }
}

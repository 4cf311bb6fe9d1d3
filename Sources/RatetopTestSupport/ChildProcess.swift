import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program started by a test with `posix_spawn` (not `Foundation.Process`, which hangs here
/// when the child leaves a daemon behind), stdin from `/dev/null` (or a file), its output to a file. Ended
/// with SIGTERM (then SIGKILL) and reaped when dropped, unless it has exited already.
public final class ChildProcess {
    public let pid: pid_t
    /// Where its stdout goes (stderr too with `stderrToStdout`), nil for `/dev/null`.
    public let outputPath: String?
    /// Where its stderr goes when not with stdout, nil for `/dev/null`.
    public let errorPath: String?
    private var exitStatus: Int32 = 0
    private var running = true

    public struct SpawnFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `program` (a path, or a name looked up in `PATH`) with `arguments`; `environment`
    /// nil passes this process's environment on; stdin reads `inputPath` (nil: `/dev/null`).
    public init(_ program: String, arguments: [String], environment: [String]? = nil, outputPath: String?,
                stderrToStdout: Bool = false, errorPath: String? = nil, inputPath: String? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if stderrToStdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        // Nothing else of the test process: without this the child inherits every descriptor
        // not marked close-on-exec — NIO's listening sockets among them — and a server the test
        // stops stays bound in the child, accepting connections nobody answers. (A descriptor
        // closed meanwhile is fine: posix_spawn ignores closing one that is not open.)
        for descriptor in Self.openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        // Test threads block every signal, and a blocked mask is inherited through fork and
        // exec: give the child an empty mask and default handlers, or it ignores the signals
        // (SIGTERM, the terminal's) that tests send it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var cArguments = ([program] + arguments).map { strdup($0) } + [nil]
        let environmentStrings = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            cArguments.forEach { free($0) }
            environmentStrings?.forEach { free($0) }
        }
        var child = pid_t()
        let result: Int32
        if var cEnvironment = environmentStrings {
            result = posix_spawnp(&child, program, &actions, &attributes, &cArguments, &cEnvironment)
        } else {
            result = posix_spawnp(&child, program, &actions, &attributes, &cArguments, environ)
        }
        guard result == 0 else {
            throw SpawnFailure(description: "cannot start \(program): \(String(cString: strerror(result)))")
        }
        pid = child
        self.outputPath = outputPath
        self.errorPath = errorPath
    }

    deinit { terminate() }

    /// This process's open descriptors (`/proc/self/fd`; none where it does not exist).
    static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// True while the process has not exited.
    public var isRunning: Bool {
        guard running else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            running = false
            exitStatus = status
        }
        return running
    }

    /// Waits for the process to exit and returns its raw wait status.
    @discardableResult
    public func waitForExit() -> Int32 {
        guard running else { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        running = false
        exitStatus = status
        return status
    }

    /// The exit code once the process has exited, waiting up to `timeout` seconds; a death by
    /// signal is 128 + the signal; nil while it still runs.
    public func exitCode(within timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            guard Date() < deadline else { return nil }
            usleep(20_000)
        }
        return exitStatus & 0x7f == 0 ? (exitStatus >> 8) & 0xff : 128 + (exitStatus & 0x7f)
    }

    /// Sends `signal` and returns the exit code if it exits within `timeout` seconds.
    @discardableResult
    public func stop(signal: Int32, timeout: Double = 10) -> Int32? {
        if isRunning { kill(pid, signal) }
        return exitCode(within: timeout)
    }

    /// What it wrote to stdout (`outputPath`) and stderr (`errorPath`) so far.
    public var output: String { outputPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "" }
    public var errorOutput: String { errorPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "" }

    /// SIGTERM, up to 5 s to exit, then SIGKILL; always reaps the child.
    public func terminate() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if !isRunning { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        waitForExit()
    }

    /// Waits until `condition` holds, checking every 50 ms, for up to `timeout` seconds.
    public static func eventually(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    /// The same wait for async tests: it sleeps with `Task.sleep`, so it never holds one of the
    /// pool's threads while a server in the same process (a fake API, a fixture) must answer.
    public static func eventually(timeout: Double, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try condition()
    }

    /// The last lines of the output file, for failure messages.
    public func outputTail(lines: Int = 15) -> String {
        let text = outputPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "(no output)"
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

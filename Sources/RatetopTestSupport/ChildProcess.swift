import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program started by a test with `posix_spawn` (not `Foundation.Process`, which hangs here
/// when the child leaves a daemon behind), stdin from `/dev/null`, its output to a file. Ended
/// with SIGTERM (then SIGKILL) and reaped when dropped, unless it has exited already.
public final class ChildProcess {
    public let pid: pid_t
    /// Where its stdout goes (stderr too with `stderrToStdout`), nil for `/dev/null`.
    public let outputPath: String?
    private var running = true

    public struct SpawnFailure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts `program` (a path, or a name looked up in `PATH`) with `arguments`; `environment`
    /// nil passes this process's environment on.
    public init(_ program: String, arguments: [String], environment: [String]? = nil, outputPath: String?,
                stderrToStdout: Bool = false) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if stderrToStdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
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
    }

    deinit { terminate() }

    /// True while the process has not exited.
    public var isRunning: Bool {
        guard running else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { running = false }
        return running
    }

    /// Waits for the process to exit and returns its raw wait status.
    @discardableResult
    public func waitForExit() -> Int32 {
        var status: Int32 = 0
        guard running else { return status }
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        running = false
        return status
    }

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

    /// The last lines of the output file, for failure messages.
    public func outputTail(lines: Int = 15) -> String {
        let text = outputPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "(no output)"
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

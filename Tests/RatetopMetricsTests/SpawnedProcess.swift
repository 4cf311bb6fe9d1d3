import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A daemon started for a test with `posix_spawn` (not `Foundation.Process`, which hangs here
/// with daemons), its output going to a log file, ended with SIGTERM (then SIGKILL) and reaped.
final class SpawnedProcess {
    let pid: pid_t
    let logPath: String
    private var running = true

    struct SpawnFailure: Error, CustomStringConvertible {
        var description: String
    }

    init(executable: String, arguments: [String], logPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Test threads block every signal and the mask is inherited: give the child an empty
        // mask and default handlers, or it would ignore the SIGTERM that ends it.
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
        var cArguments = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var child = pid_t()
        let result = posix_spawn(&child, executable, &actions, &attributes, &cArguments, environ)
        guard result == 0 else { throw SpawnFailure(description: "cannot start \(executable): \(String(cString: strerror(result)))") }
        pid = child
        self.logPath = logPath
    }

    deinit { terminate() }

    /// True while the process has not exited.
    var isRunning: Bool {
        guard running else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { running = false }
        return running
    }

    /// SIGTERM, up to 5 s to exit, then SIGKILL; always reaps the child.
    func terminate() {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                running = false
                return
            }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        running = false
    }

    /// The last lines of the process's output, for failure messages.
    func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "(no log)"
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RatetopCore
import Synchronization

/// `--exec CMD`: runs `/bin/sh -c CMD` once per transition with the alert's JSON object (the
/// `alert` line of the JSON-lines contract) on stdin and `RATETOP_RULE`, `RATETOP_STATE`,
/// `RATETOP_SEVERITY`, `RATETOP_BUCKET`, `RATETOP_SUMMARY` in its environment. Its stdout goes to
/// ratetop's stderr, so it never mixes into the JSON on stdout. A non-zero exit is a failure
/// (retried); 126/127 (not executable, not found) are not retried.
public struct ExecSink: AlertSink {
    public let command: String
    /// A command running longer than this is killed and counts as failed (seconds).
    public let timeout: Double
    /// The process groups of the commands running now (`stop` kills them).
    private let running = RunningCommands()

    private final class RunningCommands: Sendable {
        let groups = Mutex<Set<pid_t>>([])
    }

    public init(command: String, timeout: Double = 30, flag: String = "--exec") throws(SinkConfigurationError) {
        guard !command.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SinkConfigurationError(flag: flag, value: "", problem: "the command is empty")
        }
        self.command = command
        self.timeout = timeout
        // A command that exits without reading stdin must not kill ratetop with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    /// The program's name only: arguments may hold tokens.
    public var displayName: String {
        "exec \(command.split(separator: " ").first.map(String.init) ?? command)"
    }

    /// Kills every command still running (ratetop is exiting) with all it started.
    public func stop() {
        running.groups.withLock { groups in
            for group in groups { kill(-group, SIGKILL) }
        }
    }

    public func deliver(_ notifications: [AlertNotification]) async throws(SinkError) {
        for notification in notifications {
            try await run(notification)
        }
    }

    private func run(_ notification: AlertNotification) async throws(SinkError) {
        let event = notification.event
        var environment = ProcessInfo.processInfo.environment
        environment["RATETOP_RULE"] = event.rule
        environment["RATETOP_STATE"] = event.state.rawValue
        environment["RATETOP_SEVERITY"] = event.severity.rawValue
        environment["RATETOP_BUCKET"] = event.bucket ?? ""
        environment["RATETOP_SUMMARY"] = event.summary
        environment["RATETOP_FINGERPRINT"] = notification.fingerprint
        let input = Array((JSONLines.alert(event) + "\n").utf8)

        var pipe: [Int32] = [0, 0]
        // Close-on-exec: a command spawned at the same moment (another sink, another thread)
        // must not inherit the write end, or this command never sees the end of its input.
        guard Glibc.pipe(&pipe) == 0 else { throw SinkError("cannot create a pipe: \(String(cString: strerror(errno)))") }
        for end in pipe { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        posix_spawn_file_actions_addclose(&actions, pipe[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signalNumber in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signalNumber) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own: a timeout kills the command and everything it started
        // (`sh -c "a; b"` forks `a`; killing the shell alone left `a` running, holding our stderr).
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let arguments = ["/bin/sh", "-c", command]
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        // Spawned and recorded under the lock: `stop` either sees the group or runs before it exists.
        let spawned = running.groups.withLock { groups in
            let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp)
            if result == 0 { groups.insert(pid) }
            return result
        }
        close(pipe[0])
        guard spawned == 0 else {
            close(pipe[1])
            throw SinkError("cannot run /bin/sh: \(String(cString: strerror(spawned)))", permanent: true)
        }
        // Forgotten once reaped: the pid (the group's id) may then be reused.
        defer { _ = running.groups.withLock { $0.remove(pid) } }
        input.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(pipe[1], bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }  // EPIPE: the command did not read its input
                offset += written
            }
        }
        close(pipe[1])

        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        var status: Int32 = 0
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { throw SinkError("lost the command: \(String(cString: strerror(errno)))") }
            if ContinuousClock.now >= deadline {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw SinkError("timed out after \(formatSeconds(timeout)); killed")
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        let exited = status & 0x7f == 0
        if exited {
            let code = (status >> 8) & 0xff
            guard code != 0 else { return }
            throw SinkError("exit status \(code)", permanent: code == 126 || code == 127)
        }
        throw SinkError("killed by signal \(status & 0x7f)")
    }
}

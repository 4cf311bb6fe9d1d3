#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The signals a headless run reacts to, caught into a flag word the main loop reads: SIGINT and
/// SIGTERM stop it (after the sinks are flushed), SIGHUP reloads the config.
public enum ProcessSignals {
    private static let pending = Atomic<UInt64>(0)

    /// Installs the handlers and unblocks the signals on the calling thread (a parent may have
    /// started us with them blocked).
    public static func install(_ signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for number in signals {
            sigaddset(&wanted, number)
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { number in
                ProcessSignals.pending.bitwiseOr(1 << UInt64(number), ordering: .relaxed)
            }
            #else
            action.__sigaction_u.__sa_handler = { number in
                ProcessSignals.pending.bitwiseOr(1 << UInt64(number), ordering: .relaxed)
            }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
    }

    /// The signals caught since the last call.
    public static func take() -> Set<Int32> {
        let bits = pending.exchange(0, ordering: .relaxed)
        return Set((1..<64).filter { bits & (1 << UInt64($0)) != 0 }.map { Int32($0) })
    }
}

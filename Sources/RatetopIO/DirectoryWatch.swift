#if canImport(Glibc)
import Glibc
#endif

/// Which followed paths changed, from the kernel (inotify on Linux) instead of by asking every
/// file on every poll: a thousand idle files cost nothing. Directories are watched, not files,
/// so rotation, deletion and re-creation under a followed name are seen as well as appends.
///
/// Where inotify is missing or refuses (limits, other systems) `init` returns nil and the
/// caller polls every file, as before.
final class DirectoryWatch {
    /// What the kernel said since the last drain.
    struct Changes {
        /// Paths (directory + "/" + name) that were written, created, moved or deleted.
        var paths: Set<String> = []
        /// Directories created under a watched one (new projects, new log folders).
        var directories: [String] = []
        /// The kernel dropped events (its queue overflowed): assume everything changed.
        var overflowed = false
    }

    #if canImport(Glibc)
    private let fd: Int32
    private var directories: [Int32: String] = [:]
    private var watched: Set<String> = []
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    init?() {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        fd = descriptor
    }

    deinit { close(fd) }

    /// Watches a directory (once); false when the kernel refuses (then poll its files).
    @discardableResult
    func watch(directory: String) -> Bool {
        if watched.contains(directory) { return true }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_CLOSE_WRITE)
        let descriptor = inotify_add_watch(fd, directory, mask)
        guard descriptor >= 0 else { return false }
        directories[descriptor] = directory
        watched.insert(directory)
        return true
    }

    /// Everything reported since the last call, without blocking.
    func drain() -> Changes {
        var changes = Changes()
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                let header = MemoryLayout<inotify_event>.size
                while offset + header <= count {
                    let base = raw.baseAddress! + offset
                    let wd = base.loadUnaligned(fromByteOffset: 0, as: Int32.self)
                    let mask = base.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
                    let length = Int(base.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 { changes.overflowed = true }
                    if let directory = directories[wd], length > 0 {
                        let nameBytes = UnsafeRawBufferPointer(start: base + header, count: length)
                        let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
                        if mask & UInt32(IN_ISDIR) != 0 {
                            if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { changes.directories.append(path) }
                        } else {
                            changes.paths.insert(path)
                        }
                    }
                    if mask & UInt32(IN_IGNORED) != 0, let directory = directories[wd] {
                        // The directory itself went away: forget it (it may be watched again).
                        directories[wd] = nil
                        watched.remove(directory)
                    }
                    offset += header + length
                }
            }
        }
        return changes
    }
    #else
    init?() { return nil }
    func watch(directory: String) -> Bool { false }
    func drain() -> Changes { Changes() }
    #endif
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows one file like `tail -F`: appends, a partial last line completed later, truncation,
/// rename-rotation, deletion and re-creation. Standard input (`-`) is followed until it ends.
///
/// `poll` reads whatever is new without blocking, into a buffer the caller lends (a thousand
/// followed files share one), and hands out complete lines; a line without its newline yet
/// stays buffered until the rest arrives. `start(at:)` skips history: reading begins at a line
/// boundary further on, and line numbers count from there.
public final class FollowedFile {
    /// What happened to the file, for the status line.
    public enum Change: Equatable, Sendable {
        case truncated
        case rotated
        case deleted
        case recreated
    }

    public let path: String
    private var fd: Int32 = -1
    private var device: UInt64 = 0
    private var inode: UInt64 = 0
    private var offset: Int = 0
    private var partial: [UInt8] = []
    private var skippingOversized = false
    private let maxLineBytes: Int
    /// The 1-based number of the last line handed out, in the current file (counted from
    /// `startOffset` when history was skipped).
    public private(set) var lineNumber = 0
    /// Where reading began in the current file: 0, or the line boundary `start(at:)` chose.
    public private(set) var startOffset = 0
    /// True once standard input has ended (files never end).
    public private(set) var ended = false
    private var missing = false

    public var isStandardInput: Bool { path == SourcePaths.stdin }

    public init(path: String, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws(SourceError) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        if path == SourcePaths.stdin {
            fd = STDIN_FILENO
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        } else {
            guard openCurrent() else {
                throw SourceError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    deinit {
        if fd >= 0 && fd != STDIN_FILENO { close(fd) }
    }

    private func openCurrent() -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return false }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else {
            close(descriptor)
            errno = EISDIR
            return false
        }
        if fd >= 0 && fd != STDIN_FILENO { close(fd) }
        fd = descriptor
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        offset = 0
        startOffset = 0
        lineNumber = 0
        partial.removeAll()
        skippingOversized = false
        return true
    }

    /// The current file's size and modification time (seconds since the epoch), if it can be read.
    public func status() -> (size: Int, modified: Double)? {
        guard fd >= 0, !isStandardInput else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return (Int(info.st_size), Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    /// The open descriptor (for reading history with `pread` before following).
    public var descriptor: Int32 { fd }

    /// Begins reading at `position`, which must be a line boundary (0, the end, or just after a
    /// newline), before anything was read.
    public func start(at position: Int) {
        guard fd >= 0, !isStandardInput, position > 0, lseek(fd, off_t(position), SEEK_SET) >= 0 else { return }
        offset = position
        startOffset = position
    }

    /// Reads what is new and calls `line` for each complete line (bytes valid during the call;
    /// `oversized` lines have no bytes). Returns what happened to the file, if anything.
    /// The same with a buffer of its own for this call (tests, a single file).
    @discardableResult
    public func poll(_ line: (_ bytes: UnsafeRawBufferPointer, _ number: Int, _ oversized: Bool) -> Void) -> [Change] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }
        return poll(buffer: buffer, line)
    }

    @discardableResult
    public func poll(buffer: UnsafeMutableRawBufferPointer,
                     _ line: (_ bytes: UnsafeRawBufferPointer, _ number: Int, _ oversized: Bool) -> Void) -> [Change] {
        var changes: [Change] = []
        guard !ended else { return changes }
        if !isStandardInput {
            // Truncated in place: start again from the top.
            var info = stat()
            if fd >= 0, fstat(fd, &info) == 0, Int(info.st_size) < offset {
                _ = lseek(fd, 0, SEEK_SET)
                offset = 0
                startOffset = 0
                lineNumber = 0
                partial.removeAll()
                changes.append(.truncated)
            }
        }
        drain(buffer, line)
        if isStandardInput { return changes }
        // Rotated (renamed away), deleted, or re-created under the same name.
        var current = stat()
        if stat(path, &current) == 0 {
            if UInt64(current.st_ino) != inode || UInt64(current.st_dev) != device {
                // Finish the old file, then switch to the new one. It is drained again: a writer
                // may have appended to it between the drain above and the rename just seen (its
                // last lines before it moved on to the new file).
                drain(buffer, line)
                finishPartial(line)
                let wasMissing = missing
                if openCurrent() {
                    missing = false
                    changes.append(wasMissing ? .recreated : .rotated)
                    drain(buffer, line)
                }
            }
        } else if !missing {
            missing = true
            changes.append(.deleted)
        }
        return changes
    }

    private func drain(_ buffer: UnsafeMutableRawBufferPointer, _ line: (UnsafeRawBufferPointer, Int, Bool) -> Void) {
        guard fd >= 0, let base = buffer.baseAddress else { return }
        while true {
            let count = read(fd, base, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count == 0 && isStandardInput {
                ended = true
                finishPartial(line)
                return
            }
            guard count > 0 else { return }
            offset += count
            split(UnsafeRawBufferPointer(start: base, count: count), line)
        }
    }

    private func split(_ raw: UnsafeRawBufferPointer, _ line: (UnsafeRawBufferPointer, Int, Bool) -> Void) {
        guard let base = raw.baseAddress else { return }
        let count = raw.count
        var start = 0
        while start < count {
            guard let hit = memchr(base + start, 0x0A, count - start) else {
                appendPartial(UnsafeRawBufferPointer(start: base + start, count: count - start))
                return
            }
            let end = base.distance(to: UnsafeRawPointer(hit))
            let piece = UnsafeRawBufferPointer(start: base + start, count: end - start)
            lineNumber += 1
            if skippingOversized {
                skippingOversized = false
                line(UnsafeRawBufferPointer(start: base, count: 0), lineNumber, true)
            } else if partial.isEmpty {
                line(trimmed(piece), lineNumber, false)
            } else {
                partial.append(contentsOf: piece)
                partial.withUnsafeBytes { line(trimmed($0), lineNumber, false) }
                partial.removeAll(keepingCapacity: partial.count < 1 << 16)
            }
            start = end + 1
        }
    }

    private func appendPartial(_ bytes: UnsafeRawBufferPointer) {
        guard !skippingOversized else { return }
        if partial.count + bytes.count > maxLineBytes {
            partial.removeAll()
            skippingOversized = true
            return
        }
        partial.append(contentsOf: bytes)
    }

    /// A last line without its newline, when the file is left for another (or input ends).
    private func finishPartial(_ line: (UnsafeRawBufferPointer, Int, Bool) -> Void) {
        if skippingOversized {
            lineNumber += 1
            skippingOversized = false
            line(UnsafeRawBufferPointer(start: nil, count: 0), lineNumber, true)
        } else if !partial.isEmpty {
            lineNumber += 1
            partial.withUnsafeBytes { line(trimmed($0), lineNumber, false) }
            partial.removeAll()
        }
    }

    private func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if bytes.count > 0, bytes[bytes.count - 1] == 0x0D { return UnsafeRawBufferPointer(rebasing: bytes.dropLast()) }
        return bytes
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Follows one file like `tail -F`: appends, a partial last line completed later, truncation,
/// rename-rotation, deletion and re-creation. Standard input (`-`) is followed until it ends.
///
/// `poll` reads whatever is new without blocking and hands out complete lines; a line without
/// its newline yet stays buffered until the rest arrives.
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
    private var buffer: [UInt8]
    /// The 1-based number of the last line handed out, in the current file.
    public private(set) var lineNumber = 0
    /// True once standard input has ended (files never end).
    public private(set) var ended = false
    private var missing = false

    public var isStandardInput: Bool { path == SourcePaths.stdin }

    public init(path: String, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws(SourceError) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        buffer = [UInt8](repeating: 0, count: 1 << 20)
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
        lineNumber = 0
        partial.removeAll()
        skippingOversized = false
        return true
    }

    /// Reads what is new and calls `line` for each complete line (bytes valid during the call;
    /// `oversized` lines have no bytes). Returns what happened to the file, if anything.
    @discardableResult
    public func poll(_ line: (_ bytes: UnsafeRawBufferPointer, _ number: Int, _ oversized: Bool) -> Void) -> [Change] {
        var changes: [Change] = []
        guard !ended else { return changes }
        if !isStandardInput {
            // Truncated in place: start again from the top.
            var info = stat()
            if fd >= 0, fstat(fd, &info) == 0, Int(info.st_size) < offset {
                _ = lseek(fd, 0, SEEK_SET)
                offset = 0
                lineNumber = 0
                partial.removeAll()
                changes.append(.truncated)
            }
        }
        drain(line)
        if isStandardInput { return changes }
        // Rotated (renamed away), deleted, or re-created under the same name.
        var current = stat()
        if stat(path, &current) == 0 {
            if UInt64(current.st_ino) != inode || UInt64(current.st_dev) != device {
                // Finish the old file (already drained above), then switch to the new one.
                finishPartial(line)
                let wasMissing = missing
                if openCurrent() {
                    missing = false
                    changes.append(wasMissing ? .recreated : .rotated)
                    drain(line)
                }
            }
        } else if !missing {
            missing = true
            changes.append(.deleted)
        }
        return changes
    }

    private func drain(_ line: (UnsafeRawBufferPointer, Int, Bool) -> Void) {
        guard fd >= 0 else { return }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count == 0 && isStandardInput {
                ended = true
                finishPartial(line)
                return
            }
            guard count > 0 else { return }
            offset += count
            split(count, line)
        }
    }

    private func split(_ count: Int, _ line: (UnsafeRawBufferPointer, Int, Bool) -> Void) {
        buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
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

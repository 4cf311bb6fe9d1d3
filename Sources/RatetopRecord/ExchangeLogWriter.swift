import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RatetopCore

/// Appends `exchange` lines to the log file: whole lines only, one `write(2)` per line on a
/// descriptor opened with `O_APPEND`, so concurrent calls never interleave and a reader never
/// sees half a line merged with the next.
///
/// - A file that does not end in a newline (a crash of some earlier writer, a full disk) gets a
///   newline before our first line, so the broken line stays a line of its own (ratetop counts
///   and skips it) instead of swallowing ours.
/// - `reopen()` (on SIGHUP) opens the path again: after logrotate renamed the file, new lines go
///   to a new file at the path.
/// - With `rotateBytes`, once the file reaches that size it is renamed to
///   `FILE.<UTC timestamp>` and a new file is started (`ratetop watch FILE` follows the rename).
public final class ExchangeLogWriter: @unchecked Sendable {
    public let path: String
    public let rotateBytes: Int?
    private let lock = NSLock()
    private var descriptor: Int32 = -1
    private var size = 0
    private var needsNewline = false
    private var lastProblem: String?
    /// Called (outside the lock) with a one-line description when a write, reopen or rotation fails.
    private let onProblem: @Sendable (String) -> Void

    public init(path: String, rotateBytes: Int? = nil, onProblem: @escaping @Sendable (String) -> Void = { _ in }) throws(ExchangeLogWriterError) {
        self.path = path
        self.rotateBytes = rotateBytes
        self.onProblem = onProblem
        try openFile()
    }

    deinit {
        if descriptor >= 0 { closeDescriptor(descriptor) }
    }

    /// Lines written since the start.
    public private(set) var linesWritten = 0

    /// Appends `line` (without its newline).
    public func append(_ line: [UInt8]) {
        var problem: String?
        lock.lock()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(line.count + 2)
        if needsNewline { bytes.append(0x0A) }
        bytes.append(contentsOf: line)
        bytes.append(0x0A)
        if descriptor < 0 { try? openFile() }
        if descriptor >= 0 {
            let written = bytes.withUnsafeBytes { writeAll($0) }
            size += written
            if written == bytes.count {
                needsNewline = false
                linesWritten += 1
                lastProblem = nil
            } else {
                // Part of a line may be on disk: the next line starts on a line of its own.
                needsNewline = written > 0 || needsNewline
                problem = "cannot write to \(path): \(String(cString: strerror(errno)))"
            }
            if let rotateBytes, size >= rotateBytes { problem = rotate() ?? problem }
        } else {
            problem = lastProblem ?? "cannot open \(path)"
        }
        lock.unlock()
        if let problem { onProblem(problem) }
    }

    /// Opens the path again (SIGHUP): after a rename by logrotate, new lines go to a new file.
    public func reopen() {
        lock.lock()
        closeLocked()
        var problem: String?
        do { try openFile() } catch { problem = error.description }
        lock.unlock()
        if let problem { onProblem(problem) }
    }

    public func close() {
        lock.lock()
        closeLocked()
        lock.unlock()
    }

    /// Must hold the lock.
    private func closeLocked() {
        if descriptor >= 0 { closeDescriptor(descriptor) }
        descriptor = -1
    }

    /// Must hold the lock.
    private func openFile() throws(ExchangeLogWriterError) {
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)  // read: the last byte, once
        guard fd >= 0 else {
            let problem = ExchangeLogWriterError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
            lastProblem = problem.description
            throw problem
        }
        var info = stat()
        fstat(fd, &info)
        size = Int(info.st_size)
        needsNewline = false
        if size > 0 {
            var last: UInt8 = 0
            if pread(fd, &last, 1, off_t(size - 1)) == 1 { needsNewline = last != 0x0A }
        }
        descriptor = fd
    }

    /// Must hold the lock. Returns the number of bytes written (all of them unless an error).
    private func writeAll(_ bytes: UnsafeRawBufferPointer) -> Int {
        var done = 0
        while done < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if result < 0 {
                if errno == EINTR { continue }
                return done
            }
            done += result
        }
        return done
    }

    /// Must hold the lock. Renames the file to `path.<timestamp>` and starts a new one.
    private func rotate() -> String? {
        let stamp = Self.stamp(Date().timeIntervalSince1970)
        var target = "\(path).\(stamp)"
        var suffix = 1
        while access(target, F_OK) == 0 {
            suffix += 1
            target = "\(path).\(stamp)-\(suffix)"
        }
        guard rename(path, target) == 0 else {
            return "cannot rotate \(path) to \(target): \(String(cString: strerror(errno)))"
        }
        closeLocked()
        do { try openFile() } catch { return error.description }
        return nil
    }

    /// `20261130T021503Z`: sorts by time, and no log glob (`*.jsonl`) matches it.
    static func stamp(_ time: Double) -> String {
        String(RFC3339.format(time).filter { $0 != "-" && $0 != ":" })
    }
}

/// Why the log cannot be written: one line for the exit-2 message.
public enum ExchangeLogWriterError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "--log \(path): cannot open for appending: \(reason)"
        }
    }
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

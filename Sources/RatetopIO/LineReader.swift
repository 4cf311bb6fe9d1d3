#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line handed out by a `LineReader`: valid until the next call.
public struct RawLine {
    public var bytes: UnsafeRawBufferPointer
    /// 1-based line number in the file.
    public var number: Int
    /// The line was longer than the cap; `bytes` is empty and the line was skipped.
    public var oversized: Bool
    /// The file ended without a newline after this line (a partial last line).
    public var unterminated: Bool
}

/// Reads a file as lines, in large chunks, without allocating per line.
///
/// Lines are split with `memchr`; a trailing `\r` is dropped. A line longer than `maxLineBytes`
/// is skipped whole (reported as oversized) and reading goes on after it.
public final class LineReader {
    public static let defaultMaxLineBytes = 4 << 20
    private var fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private let chunkBytes: Int
    private let bufferLimit: Int
    private var start = 0
    private var end = 0
    private var eof = false
    private var lineNumber = 0
    private var skippingOversized = false

    /// Opens a file for reading.
    public convenience init(path: String, chunkBytes: Int = 1 << 20, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws(SourceError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SourceError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw SourceError.unreadable(path: path, reason: "is a directory")
        }
        self.init(descriptor: fd, ownsDescriptor: true, chunkBytes: chunkBytes, maxLineBytes: maxLineBytes)
    }

    /// Reads from an open descriptor (stdin, a pipe).
    public init(descriptor: Int32, ownsDescriptor: Bool, chunkBytes: Int = 1 << 20, maxLineBytes: Int = LineReader.defaultMaxLineBytes) {
        fd = descriptor
        self.ownsDescriptor = ownsDescriptor
        self.chunkBytes = max(chunkBytes, 4096)
        // One more byte than the longest line: room for its newline.
        self.bufferLimit = max(maxLineBytes, self.chunkBytes) + 1
        capacity = self.chunkBytes
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        if ownsDescriptor && fd >= 0 { close(fd) }
    }

    /// Gives back the buffer and the descriptor once the input is read to its end (a replay of
    /// a thousand files holds only the ones still being read).
    public func release() {
        guard eof, start >= end else { return }
        if ownsDescriptor && fd >= 0 { close(fd) }
        fd = -1
        buffer.deallocate()
        capacity = 0
        buffer = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
    }

    /// The next line, or nil at the end of the input.
    public func next() -> RawLine? {
        while true {
            if start < end, let newline = memchr(buffer + start, 0x0A, end - start) {
                let lineEnd = buffer.distance(to: newline)
                let lineStart = start
                start = lineEnd + 1
                lineNumber += 1
                if skippingOversized {
                    skippingOversized = false
                    return RawLine(bytes: UnsafeRawBufferPointer(start: buffer, count: 0), number: lineNumber, oversized: true, unterminated: false)
                }
                var length = lineEnd - lineStart
                if length > 0, buffer.load(fromByteOffset: lineStart + length - 1, as: UInt8.self) == 0x0D { length -= 1 }
                return RawLine(bytes: UnsafeRawBufferPointer(start: buffer + lineStart, count: length), number: lineNumber,
                               oversized: false, unterminated: false)
            }
            if eof {
                guard start < end || skippingOversized else { return nil }
                lineNumber += 1
                let line = RawLine(bytes: UnsafeRawBufferPointer(start: buffer + start, count: skippingOversized ? 0 : end - start),
                                   number: lineNumber, oversized: skippingOversized, unterminated: true)
                start = end
                skippingOversized = false
                return line
            }
            fill()
        }
    }

    /// Up to `count` leading non-empty lines, without consuming them: reads ahead (at most
    /// 64 KiB) so a format can be detected on a pipe that cannot be read twice.
    public func peekLines(_ count: Int) -> [[UInt8]] {
        let window = min(64 << 10, capacity)
        while !eof, newlines(in: start..<end) < count, end - start < window {
            if start > 0 {
                let pending = end - start
                if pending > 0 { memmove(buffer, buffer + start, pending) }
                start = 0
                end = pending
            }
            let n = read(fd, buffer + end, window - end)
            if n > 0 { end += n } else if n == 0 || errno != EINTR { eof = true }
        }
        var lines: [[UInt8]] = []
        var position = start
        while position < end, lines.count < count {
            let newline = memchr(buffer + position, 0x0A, end - position)
            let lineEnd = newline.map { buffer.distance(to: $0) } ?? end
            let line = Array(UnsafeRawBufferPointer(start: buffer + position, count: lineEnd - position))
            if !line.withUnsafeBytes(\.isBlankLine) { lines.append(line) }
            position = lineEnd + 1
        }
        return lines
    }

    private func newlines(in range: Range<Int>) -> Int {
        var count = 0
        var position = range.lowerBound
        while position < range.upperBound, let hit = memchr(buffer + position, 0x0A, range.upperBound - position) {
            count += 1
            position = buffer.distance(to: hit) + 1
        }
        return count
    }

    /// Reads more input, making room first; drops an over-long partial line.
    private func fill() {
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(buffer, buffer + start, pending) }
            start = 0
            end = pending
        }
        if capacity > chunkBytes * 4, end < chunkBytes {
            // A long line made the buffer grow; it is read: give the room back.
            let smaller = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 16)
            smaller.copyMemory(from: buffer, byteCount: end)
            buffer.deallocate()
            buffer = smaller
            capacity = chunkBytes
        }
        if end == capacity {
            if capacity < bufferLimit {
                let grown = min(bufferLimit, capacity * 2)
                let newBuffer = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
                newBuffer.copyMemory(from: buffer, byteCount: end)
                buffer.deallocate()
                buffer = newBuffer
                capacity = grown
            } else {
                // The line is longer than the cap: forget it and skip to its newline.
                skippingOversized = true
                end = 0
            }
        }
        let count = read(fd, buffer + end, min(capacity - end, max(chunkBytes, capacity - end)))
        if count > 0 {
            end += count
        } else if count == 0 {
            eof = true
        } else if errno != EINTR {
            eof = true
        }
        if skippingOversized, end > 0 {
            if let newline = memchr(buffer, 0x0A, end) {
                // Keep the newline so `next` ends the skipped line there.
                let offset = buffer.distance(to: newline)
                start = offset
            } else {
                end = 0
            }
        }
    }
}

extension UnsafeRawBufferPointer {
    /// True for a line with nothing but spaces, tabs or a carriage return: skipped, not counted.
    @inline(__always)
    public var isBlankLine: Bool {
        for byte in self where byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
        return true
    }
}

/// A source that cannot be used.
public enum SourceError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case noMatch(pattern: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read (\(reason))"
        case .noMatch(let pattern): "\(pattern): no such file, and no *.jsonl file matches"
        }
    }
}

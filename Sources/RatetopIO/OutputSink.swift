#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where JSON lines go: standard output or `--output FILE`, buffered.
public final class OutputSink {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8] = []
    public private(set) var failure: String?

    /// Standard output.
    public init() {
        fd = STDOUT_FILENO
        ownsDescriptor = false
        buffer.reserveCapacity(1 << 16)
    }

    /// A file, created or truncated.
    public init(path: String) throws(SourceError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SourceError.unreadable(path: path, reason: "cannot write: \(String(cString: strerror(errno)))") }
        fd = descriptor
        ownsDescriptor = true
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        flush()
        if ownsDescriptor { close(fd) }
    }

    /// Appends one line (a newline is added).
    public func writeLine(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what is buffered.
    public func flush() {
        var offset = 0
        while offset < buffer.count, failure == nil {
            let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno != EINTR {
                failure = String(cString: strerror(errno))
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

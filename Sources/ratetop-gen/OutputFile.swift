#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser

/// A file opened for writing with plain `write(2)` calls of large buffers; `-` is standard output.
final class OutputFile {
    private var descriptor: Int32
    private let path: String
    private let ownsDescriptor: Bool

    init(path: String) throws {
        self.path = path
        if path == "-" {
            descriptor = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            ownsDescriptor = true
            guard descriptor >= 0 else {
                throw ValidationError("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
            }
        }
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while offset < raw.count {
                let count = systemWrite(descriptor, base + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw GenerationError("writing \(path) failed: \(String(cString: strerror(errno)))")
                }
                offset += count
            }
        }
    }

    func close() throws {
        guard ownsDescriptor, descriptor >= 0 else { return }
        let result = systemClose(descriptor)
        descriptor = -1
        if result != 0 { throw GenerationError("closing \(path) failed: \(String(cString: strerror(errno)))") }
    }

    deinit {
        if ownsDescriptor, descriptor >= 0 { _ = systemClose(descriptor) }
    }
}

/// A failure while writing output (exit code 1).
struct GenerationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@inline(__always) private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

@inline(__always) private func systemClose(_ fd: Int32) -> Int32 {
    close(fd)
}

/// Prints a line to standard error.
func printError(_ message: String) {
    var line = Array(message.utf8)
    line.append(UInt8(ascii: "\n"))
    line.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        _ = systemWrite(STDERR_FILENO, base, raw.count)
    }
}

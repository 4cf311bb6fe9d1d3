import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A client on a plain loopback socket that sends exactly the bytes it is given (half a request,
/// control bytes in a header, nothing at all) and never blocks a thread: reads are non-blocking
/// and the waits sleep with `Task.sleep`, so servers in the same process keep answering.
final class RawSocketClient: @unchecked Sendable {
    let descriptor: Int32
    private var received: [UInt8] = []
    private(set) var closedByPeer = false

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket(): errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure(description: "connect to port \(port): errno \(errno)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(descriptor) }

    /// Sends all of `bytes` (small amounts: loopback takes them at once).
    func send(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let count = bytes[done...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { usleep(1000); continue }
            guard count > 0 else { throw Failure(description: "send: errno \(errno)") }
            done += count
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads what is there without waiting; notes when the peer closed (or reset) the connection.
    func drain() {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while !closedByPeer {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            if count > 0 {
                received.append(contentsOf: chunk[0..<count])
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                closedByPeer = true
            } else {
                return
            }
        }
    }

    var text: String {
        drain()
        return String(decoding: received, as: UTF8.self)
    }

    /// Waits up to `timeout` seconds for the peer to close the connection; the seconds it took,
    /// nil when it stayed open.
    func waitUntilClosed(timeout: Double) async -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            drain()
            if closedByPeer { return Date().timeIntervalSince(start) }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }

    /// Waits up to `timeout` seconds for a whole response (the head, and `content-length` bytes
    /// of body, or the connection's end); its status, nil when none came.
    func waitForResponse(timeout: Double) async -> (status: Int, text: String)? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            let all = text
            if let split = all.range(of: "\r\n\r\n") {
                let head = all[..<split.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
                let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                if let length, all.utf8.distance(from: split.upperBound.samePosition(in: all.utf8) ?? all.utf8.endIndex, to: all.utf8.endIndex) >= length {
                    return (status, all)
                }
                if closedByPeer { return (status, all) }
            } else if closedByPeer {
                return nil
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An upstream that answers with bytes written by hand, on a plain socket: what no HTTP library
/// would send (a header folded onto a second line, a bare CR or LF inside a header value, control
/// bytes, bodies that are not quite JSON). For the tests that check what such answers can do to
/// the proxy's log.
///
/// One thread accepts connections and serves them one after another: it reads the request head
/// and its `content-length` body, hands the head (text) to `answer`, writes the bytes it returns
/// and closes the connection.
public final class RawHTTPUpstream: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let answer: @Sendable (String) -> [UInt8]
    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?
    private var served = 0

    /// Listens on 127.0.0.1 (a free port) and serves until `stop`.
    public init(answer: @escaping @Sendable (_ requestHead: String) -> [UInt8]) throws {
        self.answer = answer
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FakeUpstreamError(description: "socket(): errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 64) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw FakeUpstreamError(description: "cannot listen on 127.0.0.1: errno \(errno)")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.name = "raw-upstream"
        self.thread = thread
        thread.start()
    }

    deinit { stop() }

    /// Requests answered so far.
    public var answered: Int {
        lock.lock()
        defer { lock.unlock() }
        return served
    }

    /// Stops accepting (the serving thread ends at its next wake-up).
    public func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        if !wasStopped { shutdown(listener, Int32(SHUT_RDWR)) }
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func serve() {
        defer { close(listener) }
        while !isStopped {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var headEnd: Int?
        var bodyLength = 0
        while true {
            if let end = headEnd, received.count >= end + bodyLength { break }
            let count = recv(connection, &chunk, chunk.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            received.append(contentsOf: chunk[0..<count])
            if headEnd == nil, let range = Self.find([13, 10, 13, 10], in: received) {
                headEnd = range
                let head = String(decoding: received[..<range], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    bodyLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        let head = String(decoding: received[..<(headEnd ?? 0)], as: UTF8.self)
        let bytes = answer(head)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            sent += count
        }
        lock.lock()
        served += 1
        lock.unlock()
        // Let the client read everything before the close (no reset on unread request bytes).
        shutdown(connection, Int32(SHUT_WR))
        var drain = [UInt8](repeating: 0, count: 4096)
        while recv(connection, &drain, drain.count, 0) > 0 {}
    }

    /// The offset just past the first occurrence of `needle`.
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start + needle.count
        }
        return nil
    }

    /// A whole HTTP/1.1 response: the status line, the header lines as given (each ended with
    /// CRLF here unless it already ends with a line break), `content-length`, the body.
    public static func response(status: String = "200 OK", headerLines: [String], body: [UInt8]) -> [UInt8] {
        var text = "HTTP/1.1 \(status)\r\n"
        for line in headerLines { text += line.hasSuffix("\n") ? line : line + "\r\n" }
        text += "content-length: \(body.count)\r\nconnection: close\r\n\r\n"
        return Array(text.utf8) + body
    }
}

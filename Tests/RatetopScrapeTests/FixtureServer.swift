import Foundation
import Hummingbird
import Logging
import Synchronization

/// A `/metrics` endpoint for tests (Hummingbird on 127.0.0.1): serves whatever text it is given,
/// or an HTTP error while `failStatus` is set, and counts the scrapes it answered. It can be
/// stopped (connection refused) and started again on the same port (a restarted proxy).
final class FixtureServer: Sendable {
    final class Record: Sendable {
        let body = Mutex("")
        let failStatus = Mutex<Int?>(nil)
        let hits = Mutex(0)
    }

    let record: Record
    let port: Int
    private let task: Task<Void, any Error>

    init(port: Int = 0, record: Record = Record()) async throws {
        self.record = record
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            record.hits.withLock { $0 += 1 }
            if let status = record.failStatus.withLock({ $0 }) {
                return Response(status: HTTPResponse.Status(code: status), body: ResponseBody(byteBuffer: ByteBuffer(string: "upstream error\n")))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: record.body.withLock { $0 })))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "fixture")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        task = Task { try await app.run() }
        var bound = 0
        for await port in ports { bound = port }
        self.port = bound
    }

    var url: String { "http://127.0.0.1:\(port)/metrics" }
    var hits: Int { record.hits.withLock { $0 } }

    func serve(_ text: String) {
        record.body.withLock { $0 = text }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

import Foundation
import Hummingbird
import Logging
import RatetopAlerting
import RatetopCore
import Synchronization
import Testing
import RatetopTestSupport

/// A local HTTP receiver (Hummingbird on 127.0.0.1, a free port) that records each POST body
/// and answers 503 while `failing` is set.
final class WebhookReceiver: Sendable {
    final class Record: Sendable {
        let bodies = Mutex<[Data]>([])
        let failing = Mutex(false)
        let requests = Mutex(0)
    }

    let record = Record()
    let port: Int
    private let task: Task<Void, any Error>

    init() async throws {
        let record = self.record
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            record.requests.withLock { $0 += 1 }
            if record.failing.withLock({ $0 }) { return Response(status: .serviceUnavailable) }
            record.bodies.withLock { $0.append(Data(buffer: body)) }
            return Response(status: .ok)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "receiver")
        logger.logLevel = .error
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        task = Task { try await app.run() }
        var bound = 0
        for await port in ports { bound = port }
        port = bound
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// The `status` and first alert's summary of each message received.
    var received: [String] {
        record.bodies.withLock { $0 }.compactMap { data in
            guard let message = json(data) as? [String: Any], let alerts = message["alerts"] as? [[String: Any]],
                  let annotations = alerts.first?["annotations"] as? [String: String] else { return nil }
            return "\(message["status"] ?? "?") \(annotations["summary"] ?? "?")"
        }
    }

    func stop() { task.cancel() }
}

@Suite(.serialized, .tags(.endToEnd)) struct WebhookDeliveryEndToEndTests {
    @Test func aReceiverThatFailsForAWhileGetsEverythingOnceInOrder() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        receiver.record.failing.withLock { $0 = true }
        let log = LogLines()
        let dispatcher = AlertDispatcher(sinks: [try WebhookSink(url: receiver.url)], instance: "test",
                                         policy: SinkQueue.Policy(capacity: 100, firstBackoff: 0.05, maximumBackoff: 0.2),
                                         logger: log.logger)
        dispatcher.publish([alertEvent("a", summary: "A fires")], wallNow: 0)
        dispatcher.publish([alertEvent("b", summary: "B fires"), alertEvent("a", state: .resolved, summary: "A resolved")], wallNow: 1)
        // Down for a while: attempts fail and are logged, nothing is delivered, nothing blocks.
        let deadline = ContinuousClock.now + .seconds(15)
        while receiver.record.requests.withLock({ $0 }) < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(receiver.received.isEmpty)
        #expect(receiver.record.requests.withLock { $0 } >= 3)
        #expect(dispatcher.pending == 3)
        #expect(log.all.contains { $0.hasPrefix("warning: webhook http://127.0.0.1:\(receiver.port)/…: HTTP 503; retry ") })
        // Back up: everything arrives, once each, in order.
        receiver.record.failing.withLock { $0 = false }
        #expect(await dispatcher.flush(timeout: 10) == 0)
        #expect(receiver.received == ["firing A fires", "firing B fires", "resolved A resolved"])
        #expect(dispatcher.dropped == 0)
        dispatcher.close()
    }

    @Test func aDeadWebhookIsLoggedAndNeverBlocks() async throws {
        let log = LogLines()
        // A port nothing listens on.
        let dispatcher = AlertDispatcher(sinks: [try WebhookSink(url: "http://127.0.0.1:9/hook")], instance: nil,
                                         policy: SinkQueue.Policy(capacity: 2, firstBackoff: 0.05, maximumBackoff: 0.1),
                                         logger: log.logger)
        let start = ContinuousClock.now
        for index in 0..<5 { dispatcher.publish([alertEvent("r\(index)", summary: "\(index)")], wallNow: Double(index)) }
        #expect(ContinuousClock.now - start < .milliseconds(200))
        #expect(await dispatcher.flush(timeout: 0.5) > 0)
        #expect(dispatcher.dropped == 3)
        #expect(await ChildProcess.eventually(timeout: 10) {
            log.all.contains { $0.contains("webhook http://127.0.0.1:9/…: POST failed: connection refused; retry 1") }
        }, "\(log.all)")
        dispatcher.close()
    }
}

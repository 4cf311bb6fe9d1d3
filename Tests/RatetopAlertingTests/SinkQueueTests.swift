import Foundation
import Logging
import RatetopAlerting
import RatetopCore
import Synchronization
import Testing
import RatetopTestSupport

/// A sink that records what it got and fails while told to.
final class RecordingSink: AlertSink {
    private let state = Mutex<(received: [String], attempts: Int, failuresLeft: Int, permanent: Bool)>(([], 0, 0, false))
    let batchesTransitions: Bool
    let delay: Duration

    init(failFirst: Int = 0, permanent: Bool = false, batches: Bool = false, delay: Duration = .zero) {
        state.withLock { $0.failuresLeft = failFirst; $0.permanent = permanent }
        batchesTransitions = batches
        self.delay = delay
    }

    var displayName: String { "test sink" }
    var received: [String] { state.withLock { $0.received } }
    var attempts: Int { state.withLock { $0.attempts } }

    func deliver(_ notifications: [AlertNotification]) async throws(SinkError) {
        if delay > .zero { try? await Task.sleep(for: delay) }
        let failure: SinkError? = state.withLock { state in
            state.attempts += 1
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                return SinkError("HTTP 503", permanent: state.permanent)
            }
            state.received.append(notifications.map(\.event.summary).joined(separator: "+"))
            return nil
        }
        if let failure { throw failure }
    }
}

/// Collects log lines (swift-log) for assertions.
final class LogLines: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.withLock { $0.append("\(event.level): \(event.message)") } }
    var all: [String] { lines.withLock { $0 } }
    var logger: Logger { Logger(label: "test") { _ in self } }
}

func notification(_ summary: String, at: Double = 1_790_000_000) -> AlertNotification {
    var book = AlertBook(instance: nil)
    return book.notification(for: alertEvent(at: at, summary: summary))
}

let fastRetries = SinkQueue.Policy(capacity: 100, firstBackoff: 0.01, maximumBackoff: 0.05)

@Suite(.tags(.unit)) struct SinkQueueTests {
    @Test func aFailingSinkIsRetriedInOrderWithNothingLostOrDoubled() async {
        let sink = RecordingSink(failFirst: 3)
        let log = LogLines()
        let queue = SinkQueue(sink: sink, policy: fastRetries, logger: log.logger)
        for index in 1...5 { queue.enqueue([notification("a\(index)")]) }
        #expect(await queue.flush(timeout: 5) == 0)
        #expect(sink.received == ["a1", "a2", "a3", "a4", "a5"])
        #expect(sink.attempts == 8)
        #expect(queue.delivered == 5)
        #expect(queue.dropped == 0)
        // One line per failure, naming the sink, the reason and the backoff; one when it recovers.
        let warnings = log.all.filter { $0.hasPrefix("warning:") }
        #expect(warnings.count == 3)
        #expect(warnings.first?.hasPrefix("warning: test sink: HTTP 503; retry 1 in 10 ms (") == true)
        #expect(log.all.contains("notice: test sink: delivered again after 3 failed attempts"))
        queue.close()
    }

    @Test func aFullQueueDropsTheOldestAndCountsThem() async {
        let sink = RecordingSink(failFirst: 1_000_000)
        let log = LogLines()
        let queue = SinkQueue(sink: sink, policy: SinkQueue.Policy(capacity: 3, firstBackoff: 10, maximumBackoff: 10), logger: log.logger)
        for index in 1...5 { queue.enqueue([notification("a\(index)")]) }
        #expect(queue.pending == 3)
        #expect(queue.dropped == 2)
        #expect(log.all.contains { $0.hasPrefix("error: test sink: queue full (3 messages); dropped 1 oldest, ") })
        queue.close()
    }

    @Test func aRejectedMessageIsNotRetriedAndTheNextGoes() async {
        let sink = RecordingSink(failFirst: 1, permanent: true)
        let log = LogLines()
        let queue = SinkQueue(sink: sink, policy: fastRetries, logger: log.logger)
        queue.enqueue([notification("bad")])
        queue.enqueue([notification("good")])
        #expect(await queue.flush(timeout: 5) == 0)
        #expect(sink.received == ["good"])
        #expect(queue.rejected == 1)
        #expect(log.all.contains("error: test sink: HTTP 503; message rejected, not retried"))
        queue.close()
    }

    @Test func enqueueNeverWaitsForASlowSink() async {
        let sink = RecordingSink(delay: .seconds(2))
        let queue = SinkQueue(sink: sink, policy: fastRetries, logger: LogLines().logger)
        let start = ContinuousClock.now
        for index in 1...50 { queue.enqueue([notification("a\(index)")]) }
        #expect(ContinuousClock.now - start < .milliseconds(500))
        queue.close()
    }
}

@Suite(.tags(.unit)) struct AlertDispatcherTests {
    @Test func transitionsGoOutOneByOneOrBatchedAndFiringAlertsAreResent() async {
        let single = RecordingSink()
        let batching = RecordingSink(batches: true)
        let dispatcher = AlertDispatcher(sinks: [single, batching], instance: "h", policy: fastRetries, resendInterval: 60,
                                         logger: LogLines().logger)
        dispatcher.publish([alertEvent("a", summary: "A"), alertEvent("b", summary: "B")], wallNow: 1000)
        #expect(await dispatcher.flush(timeout: 5) == 0)
        #expect(single.received == ["A", "B"])
        #expect(batching.received == ["A+B"])
        #expect(dispatcher.firingCount == 2)

        dispatcher.tick(wallNow: 1030)  // too early
        dispatcher.publish([alertEvent("a", state: .resolved, summary: "A ok")], wallNow: 1040)
        #expect(await dispatcher.flush(timeout: 5) == 0)
        dispatcher.tick(wallNow: 1099)  // 59 s after the last send
        dispatcher.tick(wallNow: 1100)  // re-send what still fires, to Alertmanager-like sinks only
        #expect(await dispatcher.flush(timeout: 5) == 0)
        #expect(single.received == ["A", "B", "A ok"])
        #expect(batching.received == ["A+B", "A ok", "B"])
        dispatcher.close()
    }
}

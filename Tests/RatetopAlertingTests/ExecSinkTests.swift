import Foundation
@testable import RatetopAlerting
import RatetopCore
import Testing
import RatetopTestSupport

@Suite(.tags(.endToEnd)) struct ExecSinkEndToEndTests {
    func scratch() -> String {
        let path = NSTemporaryDirectory() + "ratetop-exec-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func theCommandGetsTheAlertJSONOnStdinAndItsEnvironment() async throws {
        let dir = scratch()
        let sink = try ExecSink(command: "cat > \(dir)/in.json; echo \"$RATETOP_RULE $RATETOP_STATE $RATETOP_BUCKET\" > \(dir)/env")
        try await sink.deliver([notification("ITPM low")])
        let input = try String(contentsOfFile: "\(dir)/in.json", encoding: .utf8)
        let object = try #require(json(Data(input.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "alert")
        #expect(object["rule"] as? String == "headroom_low")
        #expect(object["summary"] as? String == "ITPM low")
        #expect(input.hasSuffix("}\n"))
        #expect(try String(contentsOfFile: "\(dir)/env", encoding: .utf8) == "headroom_low firing sonnet-4.x\n")
    }

    @Test func aFailingCommandIsAnErrorAndAMissingOneIsNotRetried() async throws {
        let failing = try ExecSink(command: "exit 3")
        let failed = await #expect(throws: SinkError.self) { try await failing.deliver([notification("x")]) }
        #expect(failed?.description == "exit status 3")
        #expect(failed?.permanent == false)
        let absent = try ExecSink(command: "/nonexistent/notify")
        let missing = await #expect(throws: SinkError.self) { try await absent.deliver([notification("x")]) }
        #expect(missing?.description == "exit status 127")
        #expect(missing?.permanent == true)
    }

    @Test func aCommandThatIgnoresStdinOrHangsDoesNotHurt() async throws {
        try await ExecSink(command: "true").deliver([notification("x")])
        let start = ContinuousClock.now
        // The shell forks the sleep (it is not the last command) and says its pid.
        let dir = scratch()
        let hanging = try ExecSink(command: "sleep 300 & echo $! > \(dir)/pid; wait; true", timeout: 0.3)
        let message = notification("x")
        // On the sinks' own executor, as SinkQueue runs deliveries: the timeout's polling must not
        // wait for a cooperative pool that the rest of a loaded test run keeps busy.
        let outcome = await Task.detached(executorPreference: SinkExecutor.shared) { () async -> String? in
            do {
                try await hanging.deliver([message])
                return nil
            } catch {
                return "\(error)"
            }
        }.value
        #expect(outcome == "timed out after 0.3 s; killed", "a hung command should fail")
        // Killed, not waited for. The kill comes at 0.3 s; the bound leaves room for a test run
        // that holds every dispatch thread for a while (a CI run once took 32.7 s to get back to
        // the poll after its 10 ms sleep), and is still far below the command's 300 s.
        #expect(ContinuousClock.now - start < .seconds(120))
        // Everything the command started is gone too, not only the shell.
        let child = try #require(Int32(try String(contentsOfFile: "\(dir)/pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let gone = ContinuousClock.now + .seconds(10)
        while Self.isRunning(child), ContinuousClock.now < gone { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!Self.isRunning(child), "the command's own child \(child) outlived the timeout")
    }

    @Test func aCommandStillRunningWhenRatetopExitsIsStoppedWithWhatItStarted() async throws {
        let dir = scratch()
        let sink = try ExecSink(command: "sleep 300 & echo $! > \(dir)/pid; wait", timeout: 600)
        let dispatcher = AlertDispatcher(sinks: [sink], instance: "h", policy: fastRetries, resendInterval: 60,
                                         logger: LogLines().logger)
        dispatcher.publish([alertEvent("a", summary: "A")], wallNow: 1000)
        let started = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: "\(dir)/pid"), ContinuousClock.now < started {
            try await Task.sleep(for: .milliseconds(20))
        }
        let child = try #require(Int32(try String(contentsOfFile: "\(dir)/pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // The exit path: a short wait for the queue, then close.
        #expect(await dispatcher.flush(timeout: 0.1) == 1)
        dispatcher.close()
        let gone = ContinuousClock.now + .seconds(10)
        while Self.isRunning(child), ContinuousClock.now < gone { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!Self.isRunning(child), "the command's child \(child) outlived ratetop's exit")
    }

    /// True while `pid` exists and is not a zombie (an orphan waits for init to reap it).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return !stat[close...].dropFirst(2).hasPrefix("Z")
    }

    @Test func theNameShowsOnlyTheProgram() throws {
        #expect(try ExecSink(command: "curl -H 'Authorization: Bearer sk-secret' https://x").displayName == "exec curl")
    }
}

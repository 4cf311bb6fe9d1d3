import Foundation
import RatetopAlerting
import RatetopCore
import Testing

@Suite struct ExecSinkTests {
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
        await #expect(throws: SinkError.self) { try await ExecSink(command: "exit 3").deliver([notification("x")]) }
        let failing = try ExecSink(command: "exit 3")
        do {
            try await failing.deliver([notification("x")])
        } catch {
            #expect(error.description == "exit status 3")
            #expect(!error.permanent)
        }
        let missing = try ExecSink(command: "/nonexistent/notify")
        do {
            try await missing.deliver([notification("x")])
        } catch {
            #expect(error.description == "exit status 127")
            #expect(error.permanent)
        }
    }

    @Test func aCommandThatIgnoresStdinOrHangsDoesNotHurt() async throws {
        try await ExecSink(command: "true").deliver([notification("x")])
        let start = ContinuousClock.now
        let hanging = try ExecSink(command: "sleep 60", timeout: 0.3)
        do {
            try await hanging.deliver([notification("x")])
            Issue.record("a hung command should fail")
        } catch {
            #expect(error.description == "timed out after 0.3 s; killed")
        }
        #expect(ContinuousClock.now - start < .seconds(30))  // killed, not waited for
    }

    @Test func theNameShowsOnlyTheProgram() throws {
        #expect(try ExecSink(command: "curl -H 'Authorization: Bearer sk-secret' https://x").displayName == "exec curl")
    }
}

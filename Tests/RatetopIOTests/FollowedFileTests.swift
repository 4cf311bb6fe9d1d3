import Foundation
import RatetopCore
import Testing
@testable import RatetopIO
import RatetopTestSupport

/// `tail -F` semantics: appends, partial lines, truncation, rotation, deletion and re-creation.
@Suite(.tags(.unit)) struct FollowedFileTests {
    /// Polls once and returns the lines handed out (as text) and the changes seen.
    func poll(_ file: FollowedFile) -> (lines: [String], changes: [FollowedFile.Change]) {
        var lines: [String] = []
        let changes = file.poll { bytes, number, oversized in
            lines.append(oversized ? "#\(number) <oversized>" : "#\(number) " + String(decoding: bytes, as: UTF8.self))
        }
        return (lines, changes)
    }

    func append(_ path: String, _ text: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    @Test func appendsAndAPartialLineCompletedLater() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("app.jsonl", "one\ntwo\n")
        let file = try FollowedFile(path: path)
        #expect(poll(file).lines == ["#1 one", "#2 two"])
        #expect(poll(file).lines.isEmpty)
        try append(path, "thr")
        #expect(poll(file).lines.isEmpty, "a partial line waits for its newline")
        try append(path, "ee\r\nfour\n")
        #expect(poll(file).lines == ["#3 three", "#4 four"])
    }

    @Test func truncationStartsAgainFromTheTop() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("app.jsonl", "one\ntwo\nthree\n")
        let file = try FollowedFile(path: path)
        _ = poll(file)
        // Truncated in place (same inode), as `> app.jsonl` or logrotate's copytruncate do.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        handle.write(Data("new\n".utf8))
        try handle.close()
        let result = poll(file)
        #expect(result.changes == [.truncated])
        #expect(result.lines == ["#1 new"])
    }

    @Test func renameRotationFinishesTheOldFileThenFollowsTheNew() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("app.jsonl", "one\n")
        let file = try FollowedFile(path: path)
        _ = poll(file)
        try append(path, "two\n")  // written just before the rotation
        try FileManager.default.moveItem(atPath: path, toPath: directory.file("app.jsonl.1"))
        directory.write("app.jsonl", "fresh\n")
        let result = poll(file)
        #expect(result.changes == [.rotated])
        #expect(result.lines == ["#2 two", "#1 fresh"])
        try append(path, "next\n")
        #expect(poll(file).lines == ["#2 next"])
    }

    @Test func deletionThenReCreation() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("app.jsonl", "one\n")
        let file = try FollowedFile(path: path)
        _ = poll(file)
        try FileManager.default.removeItem(atPath: path)
        #expect(poll(file).changes == [.deleted])
        #expect(poll(file).changes.isEmpty, "deletion is reported once")
        directory.write("app.jsonl", "back\n")
        let result = poll(file)
        #expect(result.changes == [.recreated])
        #expect(result.lines == ["#1 back"])
    }

    @Test func anOverlongPartialLineIsSkippedAndReadingGoesOn() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("app.jsonl", "")
        let file = try FollowedFile(path: path, maxLineBytes: 8)
        try append(path, "0123456789abcdef")
        #expect(poll(file).lines.isEmpty)
        try append(path, "ghij\nok\n")
        #expect(poll(file).lines == ["#1 <oversized>", "#2 ok"])
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: SourceError.self) { _ = try FollowedFile(path: "/nonexistent/ratetop/app.jsonl") }
    }
}

/// Following directories and decoding what arrives.
@Suite(.tags(.unit)) struct LiveSourcesTests {
    static let line = #"{"ts":"2026-11-20T09:00:02.000Z","model":"claude-sonnet-4-5-20250929","status":200,"usage":{"input_tokens":10,"output_tokens":2}}"#

    @Test func newFilesInAFollowedDirectoryArePickedUp() throws {
        let directory = TemporaryDirectory()
        directory.write("logs/a.jsonl", Self.line + "\n")
        let diagnostics = Diagnostics()
        let sources = try LiveSources(arguments: [directory.file("logs")], format: nil, models: ModelCatalog(),
                                      diagnostics: diagnostics)
        var events: [Exchange] = []
        sources.poll(now: 100, into: &events)
        #expect(events.count == 1)
        directory.write("logs/sub/b.jsonl", Self.line + "\nnot json\n")
        events.removeAll()
        sources.poll(now: 103, into: &events)
        #expect(events.count == 1)
        #expect(sources.paths.count == 2)
        #expect(diagnostics.malformedLines == 1)
        #expect(diagnostics.messages.first?.hasSuffix("b.jsonl:2: not a JSON object") == true, "\(diagnostics.messages)")
        #expect(sources.lastChange?.contains("new file") == true)
    }

    @Test func aTranscriptResponseHeldBackIsReleasedWhenTheFileGoesIdle() throws {
        let directory = TemporaryDirectory()
        let transcript = #"{"type":"assistant","timestamp":"2026-11-20T09:00:02.000Z","requestId":"req_1","sessionId":"s","message":{"id":"msg_1","model":"claude-sonnet-4-6","usage":{"input_tokens":7,"output_tokens":3}}}"#
        let path = directory.write("session.jsonl", transcript + "\n")
        let sources = try LiveSources(arguments: [path], format: nil, models: ModelCatalog(), diagnostics: Diagnostics())
        var events: [Exchange] = []
        sources.poll(now: 100, into: &events)
        sources.poll(now: 101, into: &events)
        #expect(events.isEmpty, "the last response may still grow")
        sources.poll(now: 106, into: &events)
        #expect(events.count == 1)
        #expect(events.first?.usage.outputTokens == 3)
    }
}

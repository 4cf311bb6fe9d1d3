import Foundation
import RatetopTestSupport
import Testing
@testable import RatetopRecord

@Suite(.tags(.unit)) struct ExchangeLogWriterTests {
    @Test func appendsWholeLinesAndKeepsABrokenLastLineApart() throws {
        let folder = Scratch()
        // A crash of an earlier writer left half a line.
        try Data(#"{"ts":"2026-11-30T09:00:00Z","status":200,"mod"#.utf8).write(to: URL(fileURLWithPath: folder.file("log.jsonl")))
        let existingMode = try mode(folder.file("log.jsonl"))
        let writer = try ExchangeLogWriter(path: folder.file("log.jsonl"))
        writer.append(Array(#"{"a":1}"#.utf8))
        writer.append(Array(#"{"b":2}"#.utf8))
        #expect(folder.read("log.jsonl") == "{\"ts\":\"2026-11-30T09:00:00Z\",\"status\":200,\"mod\n{\"a\":1}\n{\"b\":2}\n")
        #expect(writer.linesWritten == 2)
        // Reopening a file that ends with a newline adds nothing.
        writer.reopen()
        writer.append(Array(#"{"c":3}"#.utf8))
        #expect(folder.read("log.jsonl").hasSuffix("{\"b\":2}\n{\"c\":3}\n"))
        // A file that was there already keeps its own mode.
        #expect(try mode(folder.file("log.jsonl")) == existingMode)
    }

    /// The mode of `path`'s permission bits.
    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func concurrentAppendsNeverInterleave() async throws {
        let folder = Scratch()
        let writer = try ExchangeLogWriter(path: folder.file("log.jsonl"))
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in 0..<200 {
                        writer.append(Array("{\"worker\":\(worker),\"index\":\(index),\"pad\":\"\(String(repeating: "x", count: 300))\"}".utf8))
                    }
                }
            }
        }
        let lines = folder.read("log.jsonl").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 1601 && lines.last == "")
        for line in lines.dropLast() {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line.prefix(80))")
        }
    }

    @Test func reopensAfterARenameOnSIGHUP() throws {
        let folder = Scratch()
        let writer = try ExchangeLogWriter(path: folder.file("log.jsonl"))
        writer.append(Array("{\"n\":1}".utf8))
        try FileManager.default.moveItem(atPath: folder.file("log.jsonl"), toPath: folder.file("log.jsonl.1"))
        writer.append(Array("{\"n\":2}".utf8))  // still the renamed file, as logrotate expects until the signal
        writer.reopen()
        writer.append(Array("{\"n\":3}".utf8))
        #expect(folder.read("log.jsonl.1") == "{\"n\":1}\n{\"n\":2}\n")
        #expect(folder.read("log.jsonl") == "{\"n\":3}\n")
    }

    @Test func rotatesBySizeToATimestampedName() throws {
        let folder = Scratch()
        let writer = try ExchangeLogWriter(path: folder.file("log.jsonl"), rotateBytes: 100)
        let line = Array("{\"pad\":\"\(String(repeating: "y", count: 40))\"}".utf8)  // 51 bytes with the newline
        for _ in 0..<5 { writer.append(line) }
        let names = folder.names
        #expect(names.count == 3, "\(names)")
        #expect(names.first == "log.jsonl")
        #expect(names.dropFirst().allSatisfy { $0.hasPrefix("log.jsonl.2") && $0.contains("T") && ($0.hasSuffix("Z") || $0.contains("Z-")) })
        let total = names.map { folder.read($0) }.joined()
        #expect(total.split(separator: "\n").count == 5)
        #expect(folder.read("log.jsonl").split(separator: "\n").count == 1)
    }

    @Test func unwritablePathIsAnError() {
        #expect(throws: ExchangeLogWriterError.self) { try ExchangeLogWriter(path: "/nonexistent-dir/log.jsonl") }
    }
}

/// The log file's mode, checked in a child process (an exit test): its own umask can be set there.
@Suite(.tags(.endToEnd)) struct ExchangeLogWriterModeEndToEndTests {
    /// Every file the writer creates — at the start, after a rename and SIGHUP, after a rotation —
    /// is readable and writable by its owner only (0600): the log holds the organization's traffic.
    /// In a child process of its own (an exit test) with the umask at 0, so the mode seen is the
    /// mode asked for, whatever the umask the tests run under (which also changes nothing for the
    /// tests running alongside).
    @Test func filesItCreatesAreTheOwnersOnly() async {
        await #expect(processExitsWith: .success) {
            umask(0)
            let folder = Scratch()
            // Issues recorded in the child reach the parent with their comments only: the
            // comments say what was seen.
            func expectOwnerOnly(_ name: String, _ what: String) throws {
                let attributes = try FileManager.default.attributesOfItem(atPath: folder.file(name))
                let mode = try #require(attributes[.posixPermissions] as? Int, "\(what): no mode")
                #expect(mode == 0o600, "\(what): mode \(String(mode, radix: 8)), expected 600")
            }
            let writer = try ExchangeLogWriter(path: folder.file("log.jsonl"), rotateBytes: 100)
            try expectOwnerOnly("log.jsonl", "the log created at the start")
            try FileManager.default.moveItem(atPath: folder.file("log.jsonl"), toPath: folder.file("renamed.jsonl"))
            writer.reopen()
            try expectOwnerOnly("log.jsonl", "the log created on reopen after a rename")
            writer.append(Array("{\"pad\":\"\(String(repeating: "y", count: 120))\"}".utf8))  // over 100 bytes: rotated
            let rotated = try #require(folder.names.first { $0.hasPrefix("log.jsonl.") }, "no rotated file: \(folder.names)")
            try expectOwnerOnly("log.jsonl", "the log created after a rotation")
            try expectOwnerOnly(rotated, "the rotated file")
        }
    }
}

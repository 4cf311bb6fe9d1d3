import Foundation
import Testing
@testable import RatetopIO
import RatetopTestSupport

/// One line as the reader handed it out, copied.
struct ReadLine: Equatable, CustomStringConvertible {
    var text: String
    var number: Int
    var oversized = false
    var unterminated = false

    var description: String {
        "#\(number) \(text.count > 40 ? "\(text.prefix(20))…(\(text.utf8.count) bytes)" : text.debugDescription)"
            + (oversized ? " oversized" : "") + (unterminated ? " unterminated" : "")
    }
}

/// Reads every line of `contents` written to a temporary file.
func readLines(_ contents: Data, chunkBytes: Int = 4096, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws -> [ReadLine] {
    let directory = TemporaryDirectory()
    let path = directory.write("input.jsonl", contents)
    let reader = try LineReader(path: path, chunkBytes: chunkBytes, maxLineBytes: maxLineBytes)
    var lines: [ReadLine] = []
    while let line = reader.next() {
        lines.append(ReadLine(text: String(decoding: line.bytes, as: UTF8.self), number: line.number,
                              oversized: line.oversized, unterminated: line.unterminated))
        if lines.count > 100_000 { break }
    }
    #expect(reader.next() == nil)
    return lines
}

func readLines(_ contents: String, chunkBytes: Int = 4096, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws -> [ReadLine] {
    try readLines(Data(contents.utf8), chunkBytes: chunkBytes, maxLineBytes: maxLineBytes)
}

@Suite(.tags(.unit)) struct LineReaderTests {
    @Test func emptyFileHasNoLines() throws {
        #expect(try readLines("") == [])
    }

    @Test func simpleLinesAndEmptyLines() throws {
        #expect(try readLines("a\n\nbc\n") == [
            ReadLine(text: "a", number: 1), ReadLine(text: "", number: 2), ReadLine(text: "bc", number: 3),
        ])
    }

    @Test func crlfLineEndingsAreDropped() throws {
        #expect(try readLines("{\"a\":1}\r\n{\"b\":2}\r\nin\rside\r\n\r\n") == [
            ReadLine(text: "{\"a\":1}", number: 1), ReadLine(text: "{\"b\":2}", number: 2),
            ReadLine(text: "in\rside", number: 3), ReadLine(text: "", number: 4),
        ])
    }

    @Test func aLastLineWithoutNewlineIsUnterminated() throws {
        #expect(try readLines("one\ntwo") == [
            ReadLine(text: "one", number: 1), ReadLine(text: "two", number: 2, unterminated: true),
        ])
        #expect(try readLines("only") == [ReadLine(text: "only", number: 1, unterminated: true)])
    }

    /// Lines of many lengths, so that line ends fall on, before and after every chunk boundary.
    @Test(arguments: [4096, 5000, 1 << 16])
    func linesAcrossChunkBoundaries(chunk: Int) throws {
        var expected: [ReadLine] = []
        var contents = ""
        var length = 0
        for number in 1...400 {
            length = (length * 37 + 11) % 1500
            let text = String(repeating: Character(UnicodeScalar(UInt8(97 + number % 26))), count: length)
                + "\"\(number)\""
            expected.append(ReadLine(text: text, number: number))
            contents += text + "\n"
        }
        #expect(contents.utf8.count > 20 * 4096)
        let lines = try readLines(contents, chunkBytes: chunk)
        #expect(lines.count == expected.count)
        #expect(lines == expected)
    }

    @Test func everyLineLengthAroundTheChunkSize() throws {
        for length in 4090...4100 {
            let long = String(repeating: "x", count: length)
            let lines = try readLines("head\n" + long + "\ntail\n", chunkBytes: 4096, maxLineBytes: 1 << 20)
            #expect(lines == [ReadLine(text: "head", number: 1), ReadLine(text: long, number: 2), ReadLine(text: "tail", number: 3)],
                    "length \(length)")
        }
    }

    @Test func anOversizedLineIsSkippedAndReadingContinues() throws {
        let long = String(repeating: "a", count: 10_000)
        let lines = try readLines("short\n" + long + "\nafter\n" + long + long + "\nlast\n", chunkBytes: 4096, maxLineBytes: 4096)
        #expect(lines == [
            ReadLine(text: "short", number: 1),
            ReadLine(text: "", number: 2, oversized: true),
            ReadLine(text: "after", number: 3),
            ReadLine(text: "", number: 4, oversized: true),
            ReadLine(text: "last", number: 5),
        ])
    }

    @Test func anOversizedLastLineWithoutNewline() throws {
        let lines = try readLines("ok\n" + String(repeating: "b", count: 9000), chunkBytes: 4096, maxLineBytes: 4096)
        #expect(lines == [ReadLine(text: "ok", number: 1), ReadLine(text: "", number: 2, oversized: true, unterminated: true)])
    }

    @Test func aLineUnderTheCapGrowsTheBuffer() throws {
        let long = String(repeating: "c", count: 7000)
        let lines = try readLines("x\n" + long + "\ny\n", chunkBytes: 4096, maxLineBytes: 8192)
        #expect(lines == [ReadLine(text: "x", number: 1), ReadLine(text: long, number: 2), ReadLine(text: "y", number: 3)])
    }

    /// The cap is on the line: a line of exactly `maxLineBytes` bytes is not longer than it.
    @Test(arguments: [4094, 4095, 4096])
    func aLineOfExactlyTheCapIsKept(length: Int) throws {
        let line = String(repeating: "d", count: length)
        let lines = try readLines(line + "\nnext\n", chunkBytes: 4096, maxLineBytes: 4096)
        let check = {
            #expect(lines == [ReadLine(text: line, number: 1), ReadLine(text: "next", number: 2)], "length \(length)")
        }
        if length == 4096 {
            check()
        } else {
            check()
        }
    }

    @Test func binaryBytesPassThrough() throws {
        let data = Data([0x00, 0xFF, 0xFE, 0x0A, 0x7B, 0x7D, 0x0A, 0x80, 0x0D, 0x0A])
        let directory = TemporaryDirectory()
        let reader = try LineReader(path: directory.write("bin", data), chunkBytes: 4096)
        var raw: [[UInt8]] = []
        while let line = reader.next() { raw.append(Array(line.bytes)) }
        #expect(raw == [[0x00, 0xFF, 0xFE], [0x7B, 0x7D], [0x80]])
    }

    @Test func directoriesAndMissingFilesAreUnreadable() {
        let directory = TemporaryDirectory()
        #expect {
            _ = try LineReader(path: directory.path)
        } throws: { error in
            "\(error)".contains("is a directory")
        }
        #expect {
            _ = try LineReader(path: directory.file("missing.jsonl"))
        } throws: { error in
            "\(error)".contains("missing.jsonl: cannot read")
        }
    }
}

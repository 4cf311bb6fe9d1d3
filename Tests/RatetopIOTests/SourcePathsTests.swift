import Foundation
import Testing
@testable import RatetopIO
import RatetopTestSupport

@Suite(.tags(.unit)) struct SourcePathsTests {
    /// A tree with logs at several depths and files that are not logs.
    static func tree() -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        directory.write("logs/b.jsonl", "{}\n")
        directory.write("logs/a.jsonl", "{}\n")
        directory.write("logs/notes.txt", "hi\n")
        directory.write("logs/a.jsonl.gz", "\u{1f}\n")
        directory.write("logs/sub/c.jsonl", "{}\n")
        directory.write("logs/sub/deeper/d.jsonl", "{}\n")
        directory.write("logs/sub/deeper/e.json", "{}\n")
        directory.write("other/x.jsonl", "{}\n")
        return directory
    }

    @Test func aFileIsItself() throws {
        let directory = Self.tree()
        let file = directory.file("logs/notes.txt")
        #expect(try SourcePaths.expand([file]) == [file])
    }

    @Test func aDirectoryIsEveryJsonlUnderItSorted() throws {
        let directory = Self.tree()
        let expanded = try SourcePaths.expand([directory.file("logs")])
        #expect(expanded == ["logs/a.jsonl", "logs/b.jsonl", "logs/sub/c.jsonl", "logs/sub/deeper/d.jsonl"].map(directory.file))
    }

    @Test func aDirectoryWithATrailingSlash() throws {
        let directory = Self.tree()
        let expanded = try SourcePaths.expand([directory.file("logs/sub") + "/"])
        #expect(expanded.map { ($0 as NSString).lastPathComponent } == ["c.jsonl", "d.jsonl"])
        #expect(expanded.allSatisfy { FileManager.default.fileExists(atPath: $0) })
    }

    @Test func anEmptyDirectoryGivesNoFiles() throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("empty"), withIntermediateDirectories: true)
        #expect(try SourcePaths.expand([directory.file("empty")]) == [])
    }

    @Test func aGlob() throws {
        let directory = Self.tree()
        #expect(try SourcePaths.expand([directory.file("logs/*.jsonl")]) == ["logs/a.jsonl", "logs/b.jsonl"].map(directory.file))
        #expect(try SourcePaths.expand([directory.file("*/?.jsonl")]) == ["logs/a.jsonl", "logs/b.jsonl", "other/x.jsonl"].map(directory.file))
        #expect(try SourcePaths.expand([directory.file("logs/[b]*")]) == [directory.file("logs/b.jsonl")])
    }

    @Test func aGlobMatchingDirectoriesExpandsThem() throws {
        let directory = Self.tree()
        #expect(try SourcePaths.expand([directory.file("logs/su*")]) == ["logs/sub/c.jsonl", "logs/sub/deeper/d.jsonl"].map(directory.file))
    }

    @Test func aGlobMatchingNothingIsAnError() {
        let directory = Self.tree()
        let pattern = directory.file("logs/*.csv")
        #expect {
            _ = try SourcePaths.expand([pattern])
        } throws: { error in
            guard case SourceError.noMatch(let reported) = error else { return false }
            return reported == pattern && "\(error)".contains("no such file")
        }
    }

    @Test func aMissingPathIsAnError() {
        let directory = Self.tree()
        let missing = directory.file("logs/nope.jsonl")
        #expect {
            _ = try SourcePaths.expand([directory.file("logs/a.jsonl"), missing])
        } throws: { error in
            guard case SourceError.unreadable(let path, let reason) = error else { return false }
            return path == missing && reason == "no such file or directory"
                && "\(error)" == "\(missing): cannot read (no such file or directory)"
        }
    }

    @Test func dashIsStandardInput() throws {
        #expect(try SourcePaths.expand(["-"]) == ["-"])
        let directory = Self.tree()
        let file = directory.file("other/x.jsonl")
        #expect(try SourcePaths.expand([file, "-"]) == [file, "-"])
    }

    @Test func repeatedSourcesAreReadOnce() throws {
        let directory = Self.tree()
        let a = directory.file("logs/a.jsonl")
        #expect(try SourcePaths.expand([a, directory.file("logs"), a]) == [a] + ["logs/b.jsonl", "logs/sub/c.jsonl", "logs/sub/deeper/d.jsonl"].map(directory.file))
    }
}

import Foundation
import RatetopCore

/// Expands the sources named on the command line into files.
///
/// A file is itself; a directory is every `*.jsonl` under it (recursively, sorted); a pattern
/// with `*`, `?` or `[` is a glob; `-` is standard input.
public enum SourcePaths {
    public static let stdin = "-"

    public static func expand(_ arguments: [String]) throws(SourceError) -> [String] {
        try expandNamed(arguments).map(\.path)
    }

    /// A file to read and the argument that named it (itself, a directory or a glob).
    public struct Named: Sendable, Equatable {
        public var path: String
        public var argument: String
    }

    /// The files of the arguments, each with the argument it came from.
    public static func expandNamed(_ arguments: [String]) throws(SourceError) -> [Named] {
        var files: [Named] = []
        for argument in arguments {
            if argument == stdin {
                files.append(Named(path: stdin, argument: stdin))
                continue
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    files.append(contentsOf: jsonlFiles(under: argument).map { Named(path: $0, argument: argument) })
                } else {
                    guard FileManager.default.isReadableFile(atPath: argument) else {
                        throw .unreadable(path: argument, reason: "permission denied")
                    }
                    files.append(Named(path: argument, argument: argument))
                }
                continue
            }
            if argument.contains(where: { "*?[".contains($0) }) {
                let matches = glob(argument)
                guard !matches.isEmpty else { throw .noMatch(pattern: argument) }
                for match in matches {
                    var matchIsDirectory: ObjCBool = false
                    FileManager.default.fileExists(atPath: match, isDirectory: &matchIsDirectory)
                    files.append(contentsOf: (matchIsDirectory.boolValue ? jsonlFiles(under: match) : [match])
                        .map { Named(path: $0, argument: argument) })
                }
                continue
            }
            throw .unreadable(path: argument, reason: "no such file or directory")
        }
        var seen = Set<String>()
        return files.filter { seen.insert($0.path).inserted }
    }

    /// The source a file's lines count for in `source_stale`: the file itself, except a Claude
    /// Code transcript found through a directory or a glob. Sessions end — each file going
    /// quiet is no news — so the directory (or pattern) named is the source: it goes stale when
    /// no session under it writes.
    public static func alertSource(path: String, argument: String, format: LogFormat?) -> String {
        if format == .claudeCode, argument != path { return argument }
        return path == stdin ? "<stdin>" : path
    }

    static func jsonlFiles(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".jsonl") {
                found.append((directory as NSString).appendingPathComponent(relative))
            }
        }
        return found.sorted()
    }

    /// Every directory under `directory` (not itself), for watching.
    static func directories(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeDirectory {
                found.append((directory as NSString).appendingPathComponent(relative))
            }
        }
        return found
    }

    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }
}

import Foundation

/// Expands the sources named on the command line into files.
///
/// A file is itself; a directory is every `*.jsonl` under it (recursively, sorted); a pattern
/// with `*`, `?` or `[` is a glob; `-` is standard input.
public enum SourcePaths {
    public static let stdin = "-"

    public static func expand(_ arguments: [String]) throws(SourceError) -> [String] {
        var files: [String] = []
        for argument in arguments {
            if argument == stdin {
                files.append(stdin)
                continue
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) {
                if isDirectory.boolValue {
                    files.append(contentsOf: jsonlFiles(under: argument))
                } else {
                    guard FileManager.default.isReadableFile(atPath: argument) else {
                        throw .unreadable(path: argument, reason: "permission denied")
                    }
                    files.append(argument)
                }
                continue
            }
            if argument.contains(where: { "*?[".contains($0) }) {
                let matches = glob(argument)
                guard !matches.isEmpty else { throw .noMatch(pattern: argument) }
                for match in matches {
                    var matchIsDirectory: ObjCBool = false
                    FileManager.default.fileExists(atPath: match, isDirectory: &matchIsDirectory)
                    files.append(contentsOf: matchIsDirectory.boolValue ? jsonlFiles(under: match) : [match])
                }
                continue
            }
            throw .unreadable(path: argument, reason: "no such file or directory")
        }
        var seen = Set<String>()
        return files.filter { seen.insert($0).inserted }
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

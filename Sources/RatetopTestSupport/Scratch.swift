import Foundation

/// A temporary directory for one test, removed with the value.
public final class Scratch: @unchecked Sendable {
    public let path: String

    public init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ratetop-e2e-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` and returns the full path.
    public func write(_ name: String, _ text: String) -> String {
        let full = file(name)
        _ = FileManager.default.createFile(atPath: full, contents: Data(text.utf8))
        return full
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// The text of `name`, empty when it cannot be read.
    public func read(_ name: String) -> String { (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? "" }

    /// The names in the directory, sorted.
    public var names: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}

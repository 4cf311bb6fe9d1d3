import Foundation
import Testing

/// A program a test needs from outside the package (Prometheus, Alertmanager, promtool, tmux,
/// jq, Python with venv): the one way every test asks for one.
///
/// When it is missing the test is skipped with one line naming it and the Debian package that
/// has it — except under `CI=true`, where the test runs and fails on `require()`, so a CI
/// machine that lost a tool cannot pass by skipping. `scripts/install-test-tools` installs
/// them all (`scripts/test` and `.ci/run` call it).
///
/// ```swift
/// @Test(ExternalTool.needs(.prometheus)) func scrapes() throws {
///     let prometheus = try ExternalTool.prometheus.require()
/// }
/// ```
public struct ExternalTool: Sendable {
    /// The program's name (what is looked up in `PATH`).
    public let program: String
    /// The Debian package that installs it.
    public let package: String
    /// Extra condition beyond the program existing (Python's venv module), with what it checks.
    private let works: (@Sendable (String) -> Bool)?

    public init(program: String, package: String, works: (@Sendable (String) -> Bool)? = nil) {
        self.program = program
        self.package = package
        self.works = works
    }

    public static let prometheus = ExternalTool(program: "prometheus", package: "prometheus")
    public static let promtool = ExternalTool(program: "promtool", package: "prometheus")
    public static let alertmanager = ExternalTool(program: "prometheus-alertmanager", package: "prometheus-alertmanager")
    public static let tmux = ExternalTool(program: "tmux", package: "tmux")
    public static let jq = ExternalTool(program: "jq", package: "jq")
    /// python3 that can make a virtual environment (`python3-venv` on Debian).
    public static let python3Venv = ExternalTool(program: "python3", package: "python3-venv") { python in
        guard let child = try? ChildProcess(python, arguments: ["-c", "import ensurepip, venv"], outputPath: nil, errorPath: nil) else {
            return false
        }
        return child.exitCode(within: 30) == 0
    }

    /// Tests fail instead of skipping when a tool is missing (`CI=true`, as `.ci/run` runs).
    public static var onCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The program's path when it is installed (and works), else nil. Looked up in `PATH`, then
    /// in the directories Debian installs to.
    public var path: String? {
        let environmentPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = environmentPath.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin"]
        guard let found = directories.lazy.map({ "\($0)/\(program)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return nil
        }
        if let works, !works(found) { return nil }
        return found
    }

    /// The line a skipped test shows, and the start of a CI failure's.
    public var missingNote: String {
        "\(program)\(works == nil ? "" : " (with \(package))") is not installed: apt-get install \(package) (or run scripts/install-test-tools)"
    }

    /// The trait of a test that needs `tools`: skipped with one line per missing tool, except
    /// under `CI=true` (the test then runs, and its `require()` fails).
    public static func needs(_ tools: ExternalTool..., sourceLocation: SourceLocation = #_sourceLocation) -> ConditionTrait {
        let missing = skipped(tools, onCI: onCI)
        let note = missing.map(\.missingNote).joined(separator: "; ")
        return .enabled(if: missing.isEmpty, Comment(rawValue: note), sourceLocation: sourceLocation)
    }

    /// The tools a test that needs `tools` is skipped for: the missing ones, none under CI.
    public static func skipped(_ tools: [ExternalTool], onCI: Bool) -> [ExternalTool] {
        onCI ? [] : tools.filter { $0.path == nil }
    }

    /// The tool's path; when it is missing, records an issue naming it and how to install it and
    /// throws (under `CI=true`; elsewhere `needs` has already skipped the test).
    @discardableResult
    public func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        if let path { return path }
        let message = "\(missingNote)\(Self.onCI ? " — CI=true: a missing tool is a failure" : "")"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        throw Missing(description: message)
    }

    /// Thrown by `require()` after its issue is recorded.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }
}

import Foundation
import RatetopCore

/// The configuration file read from disk: `RatetopConfig` with its paths resolved (`~` to the
/// home directory, relative paths against the file's directory) and its tier checked against
/// the limits table it names.
public struct ConfigFile: Sendable {
    /// Where ratetop looks when neither `--config` nor `RATETOP_CONFIG` names a file:
    /// `$XDG_CONFIG_HOME/ratetop/config.yaml`, else `$HOME/.config/ratetop/config.yaml` (the XDG
    /// Base Directory rule: an empty or relative `XDG_CONFIG_HOME` is ignored).
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return (xdg as NSString).appendingPathComponent("ratetop/config.yaml")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".config/ratetop/config.yaml")
    }

    /// The file as parsed (paths as written).
    public let config: RatetopConfig
    /// The file's path.
    public let path: String
    /// `limits:`, resolved.
    public let limitsPath: String?
    /// `sources:`, resolved (globs kept: `watch` expands them).
    public let sources: [String]

    /// The alert rules in force.
    public var rules: [AlertRule] { config.rules }
    public var tier: String? { config.tier }
    public var format: String? { config.format }

    /// The headless runner's settings, as plain values.
    public var interval: Double? { config.interval }
    public var staleAfter: Double? { config.staleAfter }
    public var alertmanager: [String] { config.alertmanager }
    public var webhook: [String] { config.webhook }
    public var exec: [String] { config.exec }
    public var metricsListen: String? { config.metricsListen }

    /// The whole file, read to its end (nil when it cannot be opened or read). Not
    /// `contents(atPath:)`: it gives nothing for /dev/null or a pipe (`--config <(…)`), which are
    /// files to read like any other.
    static func readToEnd(_ path: String) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }  // a directory: EISDIR
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Reads, parses and checks the file (its tier against the bundled table overlaid with its
    /// `limits:` file), then runs `checks` (what the modules that use the settings verify: sink
    /// URLs, the listen address, sources) on what could be read. Every problem found, of all of
    /// these, is reported at once: a `ConfigError` with one located line each.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            checks: (ConfigFile) -> [ConfigProblem] = { _ in [] }) throws(ConfigError) -> ConfigFile {
        guard let data = readToEnd(path) else {
            var directory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &directory)
            let reason = !exists ? "no such file" : directory.boolValue ? "a directory, not a file" : "cannot read the file"
            throw ConfigError([ConfigProblem(file: path, line: 0, keyPath: "", message: reason)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError([ConfigProblem(file: path, line: 1, keyPath: "", message: "not UTF-8 text")])
        }
        let (config, parseProblems) = RatetopConfig.parseCollecting(text, path: path)
        var problems = parseProblems
        let directory = (path as NSString).deletingLastPathComponent
        let file = ConfigFile(config: config, path: path,
                              limitsPath: config.limits.map { resolve($0, against: directory, environment: environment) },
                              sources: config.sources.map { resolve($0, against: directory, environment: environment) })
        if config.tier != nil || file.limitsPath != nil {
            do {
                let table = try BundledLimitsTable.load(userFile: file.limitsPath)
                if let problem = config.tierProblem(in: table) { problems.append(problem) }
            } catch {
                // The tier cannot be checked: it may be one the file that did not load defines.
                problems.append(ConfigProblem(file: path, line: config.lines["limits"] ?? limitsLine(text), keyPath: "limits",
                                              message: error.description))
            }
        }
        problems += checks(file)
        guard problems.isEmpty else { throw ConfigError(RatetopConfig.ordered(problems)) }
        return file
    }

    /// `~` and `~/…` to the home directory; a relative path against `directory`; `-` and URLs as
    /// they are.
    public static func resolve(_ path: String, against directory: String,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if path == SourcePaths.stdin || path.contains("://") { return path }
        let home = environment["HOME"] ?? NSHomeDirectory()
        if path == "~" { return home }
        if path.hasPrefix("~/") { return (home as NSString).appendingPathComponent(String(path.dropFirst(2))) }
        if path.hasPrefix("/") { return path }
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent(String(relative))
    }

    /// The line of the top-level `limits:` key, for a limits file that does not load.
    private static func limitsLine(_ text: String) -> Int {
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.hasPrefix("limits:") {
            return index + 1
        }
        return 1
    }
}

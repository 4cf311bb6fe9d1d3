import ArgumentParser
import RatetopCore
import RatetopIO

/// `ratetop config`: the configuration file.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration file.",
        subcommands: [ConfigCheckCommand.self])
}

/// `ratetop config check FILE`: exit 0 with one line when the file is good; its problems, one
/// line each, and exit 2 when not. The checks are `watch --config`'s (`ConfigValidation`).
struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a configuration file: every problem on its own line (file:line: key: what), exit 2 if any.",
        discussion: "Runs every check watch runs on its configuration file (keys, values, rules, the tier against the limits table, sink URLs, the listen address, sources).")

    @Argument(help: ArgumentHelp("The configuration file.", valueName: "FILE"), completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    func run() throws {
        let loaded = try ConfigValidation.load(path: file)
        let config = loaded.config
        var changes: [String] = []
        if config.rulesOverridden > 0 { changes.append("\(config.rulesOverridden) overridden") }
        if config.rulesDisabled > 0 { changes.append("\(config.rulesDisabled) disabled") }
        if config.rulesAdded > 0 { changes.append("\(config.rulesAdded) added") }
        let detail = changes.isEmpty ? "the defaults" : changes.joined(separator: ", ")
        print("\(file): OK, \(config.rulesInForce.count) alert rules in force (\(detail))")
    }
}

import ArgumentParser

/// `ratetop-gen`: writes simulated `exchange` logs from the reference limiter and traffic model.
struct RatetopGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratetop-gen",
        abstract: "Generate simulated Claude API logs: exchange logs of several shapes and Claude Code transcript directories.",
        subcommands: [SampleCommand.self, BenchCommand.self, SparseCommand.self, LateCommand.self, ClaudeCodeCommand.self])
}

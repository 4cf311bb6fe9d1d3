import ArgumentParser
import Foundation
import Logging
import RatetopCore
import RatetopIO

/// `ratetop`: top for Claude API rate limits.
@main
struct Ratetop {
    static let configuration = CommandConfiguration(
        commandName: "ratetop",
        abstract: "top for Claude API rate limits: rebuilds the real token buckets from your logs.",
        version: "ratetop \(RatetopVersion.version) (limits table \(BundledLimitsTable.version))",
        subcommands: [WatchCommand.self, ReplayCommand.self, DemoCommand.self, LimitsCommand.self, ConfigCommand.self, RecordCommand.self])

    static func main() {
        LoggingSystem.bootstrap { _ in StderrLogHandler() }
        if let unknown = CommandSuggestion.unknownCommand(in: Array(CommandLine.arguments.dropFirst())) { fail(unknown) }
        do {
            var command = try RatetopRoot.parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let failure as UsageFailure {
            fail(failure.message)
        } catch let error as SourceError {
            fail(error.description)  // an unreadable or missing input
        } catch let error as LimitsTableError {
            fail(error.description)  // a bad --limits file (or a broken installation)
        } catch let error as ConfigError {
            fail(error.description)  // a bad config file: one line per problem
        } catch {
            let code = RatetopRoot.exitCode(for: error)
            if code == .success {
                // --help, --version: the full text on stdout.
                print(RatetopRoot.fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = RatetopRoot.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("ratetop: \(message)\n".utf8))
            FileHandle.standardError.write(Data("ratetop: see 'ratetop --help'\n".utf8))
            Foundation.exit(2)
        }
    }
}

/// A bad argument, configuration or input: one line on stderr (one per problem), exit 2.
private func fail(_ message: String) -> Never {
    for line in message.split(separator: "\n") { FileHandle.standardError.write(Data("ratetop: \(line)\n".utf8)) }
    exit(2)
}

/// The root command, parsed by swift-argument-parser.
struct RatetopRoot: ParsableCommand {
    static let configuration = Ratetop.configuration
}

/// A problem with the arguments, configuration or input: one line on stderr, exit 2.
struct UsageFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

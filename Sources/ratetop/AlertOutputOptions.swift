import ArgumentParser
import Foundation
import Logging
import RatetopAlerting
import RatetopCore
import RatetopIO

/// Where alerts go besides stdout: `--alertmanager`, `--webhook`, `--exec` (each repeatable).
struct AlertOutputOptions: ParsableArguments {
    @Option(name: .customLong("alertmanager"),
            help: ArgumentHelp("Post alerts to this Alertmanager (v2 API); repeatable. Env: RATETOP_ALERTMANAGER (URLs separated by commas or spaces).", valueName: "URL"))
    var alertmanager: [String] = []

    @Option(name: .customLong("webhook"),
            help: ArgumentHelp("POST each transition in Alertmanager's webhook format; repeatable. Env: RATETOP_WEBHOOK (likewise).", valueName: "URL"))
    var webhook: [String] = []

    @Option(name: .customLong("exec"),
            help: ArgumentHelp("Run this command per transition with the alert JSON on stdin; repeatable. Env: RATETOP_EXEC (one command).", valueName: "CMD"),
            completion: .shellCommand("compgen -c"))
    var exec: [String] = []

    /// No sink flag on the command line.
    var isEmpty: Bool { alertmanager.isEmpty && webhook.isEmpty && exec.isEmpty }

    /// The sinks named on the command line (or, for a kind with no flag, in its `RATETOP_*`
    /// variable) and in the config file, or a one-line error naming the bad one and where it
    /// came from.
    func sinks(config: ConfigFile?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [any AlertSink] {
        typealias Named = (value: String, origin: String)
        func fromCommandLine(_ flags: [String], flag: String, _ variable: String, list: Bool) -> [Named] {
            if !flags.isEmpty { return flags.map { ($0, flag) } }
            if list { return RatetopEnvironment.list(variable, environment).map { ($0, variable) } }
            guard let value = environment[variable], !value.isEmpty else { return [] }
            return [(value, variable)]
        }
        let managers = fromCommandLine(alertmanager, flag: "--alertmanager", RatetopEnvironment.alertmanager, list: true)
        let hooks = fromCommandLine(webhook, flag: "--webhook", RatetopEnvironment.webhook, list: true)
        let commands = fromCommandLine(exec, flag: "--exec", RatetopEnvironment.exec, list: false)
        // The config file's were checked when it loaded (ConfigValidation).
        do {
            return try managers.map { try AlertmanagerSink(url: $0.value, flag: $0.origin) }
                + (config?.alertmanager ?? []).map { try AlertmanagerSink(url: $0) }
                + hooks.map { try WebhookSink(url: $0.value, flag: $0.origin) }
                + (config?.webhook ?? []).map { try WebhookSink(url: $0) }
                + commands.map { try ExecSink(command: $0.value, flag: $0.origin) }
                + (config?.exec ?? []).map { try ExecSink(command: $0) }
        } catch let error as SinkConfigurationError {
            throw UsageFailure(error.description)
        }
    }

    /// A dispatcher over the sinks, or nil when there are none.
    func dispatcher(config: ConfigFile?, logger: Logger) throws -> AlertDispatcher? {
        let sinks = try sinks(config: config)
        guard !sinks.isEmpty else { return nil }
        return AlertDispatcher(sinks: sinks, instance: ProcessInfo.processInfo.hostName, logger: logger)
    }
}

extension AlertDispatcher {
    /// Waits for the sinks on the way out, saying what could not be delivered.
    func finish(logger: Logger, timeout: Double = 10) {
        let left = flushAndWait(timeout: timeout)
        if left > 0 { logger.error("\(left) alert message\(left == 1 ? "" : "s") not delivered after \(Int(timeout)) s; giving up") }
        if dropped > 0 { logger.error("\(dropped) alert message\(dropped == 1 ? "" : "s") dropped because a sink's queue was full") }
        close()
    }
}

import ArgumentParser
import Foundation
import Logging
import RatetopAlerting
import RatetopCore
import RatetopIO

/// Where alerts go besides stdout: `--alertmanager`, `--webhook`, `--exec` (each repeatable).
struct AlertOutputOptions: ParsableArguments {
    @Option(name: .customLong("alertmanager"), help: ArgumentHelp("Post alerts to this Alertmanager (v2 API); repeatable.", valueName: "URL"))
    var alertmanager: [String] = []

    @Option(name: .customLong("webhook"), help: ArgumentHelp("POST each transition in Alertmanager's webhook format; repeatable.", valueName: "URL"))
    var webhook: [String] = []

    @Option(name: .customLong("exec"), help: ArgumentHelp("Run this command per transition with the alert JSON on stdin; repeatable.", valueName: "CMD"))
    var exec: [String] = []

    var isEmpty: Bool { alertmanager.isEmpty && webhook.isEmpty && exec.isEmpty }

    /// The sinks named on the command line and in the config file, or a one-line error naming
    /// the bad one.
    func sinks(config: ConfigFile?) throws -> [any AlertSink] {
        do {
            return try (alertmanager + (config?.alertmanager ?? [])).map { try AlertmanagerSink(url: $0) }
                + (webhook + (config?.webhook ?? [])).map { try WebhookSink(url: $0) }
                + (exec + (config?.exec ?? [])).map { try ExecSink(command: $0) }
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

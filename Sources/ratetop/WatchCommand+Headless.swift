import ArgumentParser
import Foundation
import Logging
import RatetopAlerting
import RatetopCore
import RatetopIO
import RatetopMetrics
import RatetopOTLP
import RatetopScrape

extension WatchCommand {
    /// No screen: follow the sources, evaluate the rules every second, write JSON lines, feed
    /// the sinks and the metrics endpoint. SIGHUP reloads the config (a bad one keeps the old
    /// rules and says why); SIGINT or SIGTERM flush the sinks and exit 0.
    func runHeadless(arguments: [String], scraped: [PrometheusSource], receivers: [OTLPReceiver] = [],
                     resolved: CommonOptions.Resolved) throws {
        let kinds = emit.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for kind in kinds where !["state", "alerts"].contains(kind) {
            throw UsageFailure("--emit \(kind): unknown output for watch (use alerts, state)")
        }
        let seconds = try interval.map { try TimeArguments.duration($0, option: "--interval") } ?? resolved.config?.interval ?? 1
        let options = HeadlessWatch.Options(emitAlerts: kinds.contains("alerts"), emitState: kinds.contains("state"), interval: seconds)
        let logger = Logger(label: "ratetop")
        let dispatcher = try sinks.dispatcher(config: resolved.config, logger: logger)
        let output = try self.output.openOutput()
        let diagnostics = Diagnostics { logger.warning("\($0)") }
        let live = try LiveSources(arguments: arguments, format: resolved.format, models: ModelCatalog(), diagnostics: diagnostics,
                                   feeds: scraped + receivers as [any LiveFeed])
        let watch = HeadlessWatch(live: live, configuration: resolved.engineConfiguration, rules: resolved.rules,
                                  options: options, output: output, diagnostics: diagnostics)
        watch.notice = { logger.warning("\($0)") }

        var server: MetricsServer?
        let exporter = MetricsExporter(buildInfo: ["version": RatetopVersion.version, "limits_table": resolved.table.version])
        let admission = AdmissionDesk(table: resolved.table)
        let listenSetting = RatetopEnvironment.pick(metricsListen, flag: "--metrics-listen", RatetopEnvironment.metricsListen,
                                                    ProcessInfo.processInfo.environment)
        if let listen = listenSetting?.value ?? resolved.config?.metricsListen {
            do {
                var serverLogger = logger
                serverLogger.logLevel = .warning  // our own line says where it listens
                server = try MetricsServer.start(listen: listen, exporter: exporter, admission: admission, logger: serverLogger)
            } catch let error as MetricsServerError {
                if case .badListenAddress = error {
                    dispatcher?.close()
                    throw UsageFailure(listenSetting.map { "\($0.origin) \(error.detail)" } ?? error.description)
                }
                logger.error("\(error.description)")
                dispatcher?.close()
                throw ExitCode(1)
            }
        }
        var firing = FiringAlerts()
        watch.observe = { [unowned watch] evaluation in
            dispatcher?.publish(evaluation.transitions, wallNow: evaluation.wallNow)
            dispatcher?.tick(wallNow: evaluation.wallNow)
            if server != nil {
                firing.apply(evaluation.transitions)
                exporter.update(state: evaluation.state, totals: watch.engine.summary(from: nil, to: nil),
                                linesRead: live.lines, malformedLines: diagnostics.malformedLines, firingAlerts: firing.alerts)
                var typical: [String: RequestSize] = [:]
                for bucket in evaluation.state.buckets {
                    typical[bucket.classID] = watch.engine.typicalRequest(classID: bucket.classID)
                }
                admission.update(state: evaluation.state, typicalRequests: typical)
            }
        }

        ProcessSignals.install()
        do {
            try startReceivers(receivers, logger: logger)
        } catch {
            dispatcher?.close()
            server?.stop()
            throw error
        }
        defer { receivers.forEach { $0.stop() } }
        scraped.forEach { $0.start() }
        defer { scraped.forEach { $0.stop() } }
        let metricsNote = server.map { " and serving http://\($0.host):\($0.boundPort)/metrics" } ?? ""
        logger.info("watching \(live.sourceNames.count) source\(live.sourceNames.count == 1 ? "" : "s") headless\(metricsNote); SIGTERM or Ctrl-C stops, SIGHUP reloads the config")
        while true {
            watch.step(wallNow: Date().timeIntervalSince1970)
            let caught = ProcessSignals.take()
            if caught.contains(SIGINT) || caught.contains(SIGTERM) { break }
            if caught.contains(SIGHUP) { reload(into: watch, logger: logger) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        output.flush()
        dispatcher?.finish(logger: logger)
        server?.stop()
        if let overflow = diagnostics.overflowMessage { logger.warning("\(overflow.replacingOccurrences(of: "ratetop: ", with: ""))") }
        if let failure = output.failure {
            logger.error("cannot write the output: \(failure)")
            throw ExitCode(1)
        }
    }

    /// SIGHUP: the config file's rules again. Sources, sinks and limits stay as they started.
    private func reload(into watch: HeadlessWatch, logger: Logger) {
        do {
            guard let config = try common.loadConfig() else {
                logger.warning("SIGHUP: no config file to reload; rules unchanged")
                return
            }
            watch.replaceRules(config.rules)
            logger.info("SIGHUP: reloaded \(config.path): \(config.rules.count) alert rules in force")
        } catch let error as UsageFailure {
            logger.error("SIGHUP: \(error.message); keeping the previous rules")
        } catch let error as ConfigError {
            logger.error("SIGHUP: \(error.description.split(separator: "\n").joined(separator: "; ")); keeping the previous rules")
        } catch {
            logger.error("SIGHUP: \(error); keeping the previous rules")
        }
    }
}

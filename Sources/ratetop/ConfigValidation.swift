import Foundation
import RatetopAlerting
import RatetopCore
import RatetopIO
import RatetopMetrics
import RatetopOTLP
import RatetopScrape

/// The one way a configuration file is loaded: `config check`, and every command that reads
/// one (`watch`, its SIGHUP reload, `replay`, `limits`, `record --watch`). Besides the file's own
/// checks (syntax, keys, values, rules, the tier against the limits table in force) it runs
/// what the commands run on the settings before using them — the sink constructors, the
/// listen-address check, the source parsers — so a file `config check` passes is one `watch
/// --config` accepts, and every problem is reported at once.
enum ConfigValidation {
    static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> ConfigFile {
        try ConfigFile.load(path: path, environment: environment, checks: checks)
    }

    /// The problems of the settings other modules use, located in the file.
    static func checks(_ file: ConfigFile) -> [ConfigProblem] {
        let config = file.config
        var problems: [ConfigProblem] = []
        func problem(_ key: String, item: Int?, _ message: String) {
            let keyPath = item.map { (config.itemLines[key]?.count ?? 0) > 0 ? "\(key)[\($0)]" : key } ?? key
            problems.append(ConfigProblem(file: file.path, line: config.line(of: key, item: item), keyPath: keyPath, message: message))
        }
        for (index, url) in file.alertmanager.enumerated() {
            do { _ = try AlertmanagerSink(url: url, flag: "alertmanager") } catch { problem("alertmanager", item: index, error.detail) }
        }
        for (index, url) in file.webhook.enumerated() {
            do { _ = try WebhookSink(url: url, flag: "webhook") } catch { problem("webhook", item: index, error.detail) }
        }
        for (index, command) in file.exec.enumerated() {
            do { _ = try ExecSink(command: command, flag: "exec") } catch { problem("exec", item: index, error.detail) }
        }
        if let listen = file.metricsListen {
            do {
                _ = try MetricsServer.check(listen: listen)
            } catch let error as MetricsServerError {
                problem("metrics_listen", item: nil, error.detail)
            } catch {
                problem("metrics_listen", item: nil, "\(error)")
            }
        }
        for (index, source) in file.sources.enumerated() {
            if OTLPTarget.isOTLPURL(source) {
                do { _ = try OTLPTarget(source) } catch { problem("sources", item: index, error.description) }
            } else if ScrapeTarget.isScrapeURL(source) {
                do { _ = try ScrapeTarget(source) } catch { problem("sources", item: index, error.description) }
            }
        }
        return problems
    }
}

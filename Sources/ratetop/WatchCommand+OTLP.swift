import ArgumentParser
import Foundation
import Logging
import RatetopIO
import RatetopOTLP

extension WatchCommand {
    /// Splits the `otlp://HOST:PORT` receivers from the other sources. Nothing listens until
    /// `startReceivers`. A bad address is a usage error (exit 2).
    func otlpSources(arguments: [String]) throws -> (files: [String], receivers: [OTLPReceiver]) {
        var files: [String] = []
        var receivers: [OTLPReceiver] = []
        for argument in arguments {
            guard OTLPTarget.isOTLPURL(argument) else {
                files.append(argument)
                continue
            }
            do {
                receivers.append(OTLPReceiver(target: try OTLPTarget(argument)))
            } catch {
                throw UsageFailure("watch: \(error.description)")
            }
        }
        return (files, receivers)
    }

    /// Binds every receiver, or stops those already bound and fails with one line (exit 1).
    func startReceivers(_ receivers: [OTLPReceiver], logger: Logger? = nil) throws {
        for (position, receiver) in receivers.enumerated() {
            do {
                try receiver.start()
                logger?.info("\(receiver.name): receiving OTLP/HTTP on port \(receiver.boundPort ?? receiver.target.port) (/v1/logs, /v1/metrics)")
            } catch {
                receivers[..<position].forEach { $0.stop() }
                FileHandle.standardError.write(Data("ratetop: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

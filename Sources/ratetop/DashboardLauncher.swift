import Foundation
import RatetopCore
import RatetopDashboard
import RatetopIO

/// Starts the dashboard for a session and, once the terminal is restored, prints what went
/// wrong with the input (nothing may be printed while the screen is open).
enum DashboardLauncher {
    static func run(_ makeSession: (Diagnostics) throws -> DashboardSession) throws {
        var buffered: [String] = []
        let diagnostics = Diagnostics { buffered.append($0) }
        let session = try makeSession(diagnostics)
        do {
            try DashboardApp.run(session)
        } catch let error as DashboardError {
            throw UsageFailure("\(error.description) (use --headless for JSON output)")
        }
        for message in buffered { FileHandle.standardError.write(Data("ratetop: \(message)\n".utf8)) }
        if let overflow = diagnostics.overflowMessage { FileHandle.standardError.write(Data("\(overflow)\n".utf8)) }
    }
}

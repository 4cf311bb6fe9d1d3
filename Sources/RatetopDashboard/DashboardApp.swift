import Foundation
import RatetopCore
import RatetopTerminal
import RatetopUI

/// The dashboard in a real terminal: opens the screen, then loops — take in what arrived, draw
/// when something changed or a frame is due, wait for a key until the next poll — and restores
/// the terminal however it ends. Nothing is printed while the screen is open.
public enum DashboardApp {
    /// How often sources are polled (a line appended shows within this plus a frame).
    public static let pollMilliseconds = 100
    /// At most this many frames a second.
    public static let framesPerSecond = 8.0

    /// Runs until the user quits or a signal asks to. Throws when no terminal can be opened.
    public static func run(_ session: DashboardSession) throws {
        let terminal: Terminal
        do {
            terminal = isatty(STDIN_FILENO) != 0 && isatty(STDOUT_FILENO) != 0
                ? try Terminal.open() : try Terminal.openControllingTerminal()
        } catch {
            throw DashboardError("cannot open the dashboard: \(error)")
        }
        Terminal.installCrashRestore()
        defer { terminal.close() }
        // A parent that blocked signals (some supervisors and test runners do) must not keep
        // resizes and SIGTERM from reaching the screen loop.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for signal in [SIGWINCH, SIGTERM, SIGINT, SIGHUP] { sigaddset(&wanted, signal) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
        let glyphs = terminal.capabilities.unicode ? Glyphs.unicode : Glyphs.ascii
        var lastDraw = 0.0
        var dirty = true
        while !session.quit {
            let now = Date().timeIntervalSince1970
            if session.tick(wallNow: now) { dirty = true }
            if dirty && now - lastDraw >= 1 / framesPerSecond || now - lastDraw >= 1 {
                draw(session.model(), on: terminal, glyphs: glyphs)
                lastDraw = now
                dirty = false
            }
            guard let key = terminal.readKey(timeoutMilliseconds: pollMilliseconds) else { continue }
            dirty = true
            if key == .resize {
                terminal.invalidate()
                continue
            }
            let mode = session.model().mode
            if let action = KeyTable.action(for: key, mode: mode) { session.handle(action) }
        }
    }

    static func draw(_ model: DashboardModel, on terminal: Terminal, glyphs: Glyphs) {
        let size = terminal.size
        var grid = CellGrid(width: size.width, height: size.height)
        DashboardView.render(model, into: &grid, glyphs: glyphs)
        terminal.draw(TerminalFrame(grid))
    }
}

/// The dashboard could not start.
public struct DashboardError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

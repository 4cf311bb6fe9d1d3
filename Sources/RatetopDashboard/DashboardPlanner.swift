import Foundation
import RatetopCore
import RatetopPlanner
import RatetopUI

/// The plan view's data: the last hour of events the dashboard took in, replayed on every tier
/// of the scheme in force on a thread of its own, so the frame loop never waits for it. While
/// the view is open the table is recomputed once a minute of the dashboard's clock; the frame
/// shows the last finished table (or "computing…") meanwhile.
final class DashboardPlanner {
    /// How much of the past the plan replays, and how often (seconds of the dashboard's clock).
    static let window = 3_600.0
    static let refresh = 60.0
    /// At most this many events are kept (a very busy hour keeps its latest).
    static let maxEvents = 1_000_000

    private let table: LimitsTable
    /// The configured tier (`--tier`, the config's): the baseline when the events have no headers.
    private let tierID: String?
    private let models: ModelCatalog
    private var events: [Exchange] = []
    private var head = 0
    private(set) var isShown = false
    private var shown: PlanOverlay?
    private var computedFor = -Double.infinity
    private var running = false
    private let mailbox = PlanMailbox()

    init(table: LimitsTable, tierID: String?, models: ModelCatalog) {
        self.table = table
        self.tierID = tierID
        self.models = models
    }

    /// An event the monitor applied.
    func record(_ event: Exchange) {
        events.append(event)
        let horizon = event.end - Self.window
        while head < events.count, events[head].end < horizon || events.count - head > Self.maxEvents { head += 1 }
        if head > 4_096, head * 2 > events.count {
            events.removeFirst(head)
            head = 0
        }
    }

    func toggle() { isShown.toggle() }
    func close() { isShown = false }

    /// After a seek backwards: the events are played again from the start.
    func reset() {
        events.removeAll(keepingCapacity: true)
        head = 0
        shown = nil
        computedFor = -.infinity
    }

    /// The overlay to draw at `now`, starting a computation when the last one is a minute old.
    /// Never waits: a computation in flight is picked up by a later frame.
    func overlay(now: Double) -> PlanOverlay? {
        guard isShown else { return nil }
        if let finished = mailbox.take() {
            shown = finished
            running = false
        }
        if !running, shown == nil || abs(now - computedFor) >= Self.refresh {
            start(now: now)
        }
        if var shown {
            if running { shown.status += " · updating" }
            return shown
        }
        return PlanOverlay(subtitle: "the last hour on every tier", rows: [], status: "computing…")
    }

    private func start(now: Double) {
        running = true
        computedFor = now
        let slice = Array(events[head...].lazy.filter { $0.end > now - Self.window && $0.end <= now })
        let names = models.names
        let table = self.table
        let tierID = self.tierID
        let mailbox = self.mailbox
        Thread.detachNewThread {
            let begun = ContinuousClock.now
            var overlay = Self.compute(events: slice, modelNames: names, table: table, tierID: tierID)
            let took = ContinuousClock.now - begun
            let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
            overlay.status = "as of \(RFC3339.format(now).dropFirst(11).prefix(8)), \(PlanFormat.seconds(seconds))"
            mailbox.put(overlay)
        }
    }

    /// The plan of a slice of events: the baseline (their own limits) and every tier of the
    /// scheme, as the view's rows.
    static func compute(events: [Exchange], modelNames: [String], table: LimitsTable, tierID: String?) -> PlanOverlay {
        let models = ModelCatalog()
        for name in modelNames { _ = models.intern(name) }
        var builder = DemandBuilder(table: table, models: models)
        for event in events { builder.add(event) }
        let demand = builder.build()
        guard !demand.calls.isEmpty else {
            return PlanOverlay(subtitle: "no requests in the last hour", rows: [], status: "")
        }
        guard let setup = try? PlanRequest(tiers: ["all"], logTier: tierID).setup(for: demand, table: table),
              let results = try? Planner.run(demand, scenarios: setup.scenarios, table: table) else {
            return PlanOverlay(subtitle: "no plan for these limits", rows: [], status: "")
        }
        let report = PlanReport(demand: demand, setup: setup, results: results, paths: [])
        let observed = demand.observed
        let rows = results.map { result in
            var cost = PlanFormat.dollars(result.costUSD)
            if !result.unpricedModels.isEmpty { cost = "≥" + cost }
            if result.spendCapReachedAt != nil { cost += "!" }
            return PlanOverlay.Row(
                name: result.scenario.name, throttled: PlanFormat.percent(result.throttledShare),
                logShare: result.scenario.isBaseline ? PlanFormat.percent(observed.throttledShare) : "",
                minutes: PlanFormat.grouped(result.throttledMinutes), waitP50: PlanFormat.seconds(result.waitP50),
                waitP95: PlanFormat.seconds(result.waitP95), failed: PlanFormat.grouped(result.failed),
                peak: PlanFormat.peak(result.binding),
                cost: cost, isBaseline: result.scenario.isBaseline, isClear: result.throttled == 0)
        }
        let subtitle = "last hour: \(PlanFormat.grouped(observed.attempts)) attempts → \(PlanFormat.grouped(demand.calls.count)) calls"
            + " · \(setup.scheme?.name ?? "no scheme") · retry sdk"
        return PlanOverlay(subtitle: subtitle, rows: rows, notes: report.checkLines + setup.notes, status: "")
    }
}

/// The finished overlay, handed from the planning thread to the frame loop.
final class PlanMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: PlanOverlay?

    func put(_ overlay: PlanOverlay) {
        lock.lock()
        value = overlay
        lock.unlock()
    }

    func take() -> PlanOverlay? {
        lock.lock()
        defer { value = nil; lock.unlock() }
        return value
    }
}

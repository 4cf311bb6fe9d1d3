import RatetopCore
import RatetopUI
import Testing
import RatetopTestSupport

/// The plan view (`p`) over the dashboard at the two sizes that matter.
@Suite(.tags(.unit)) struct PlanOverlaySnapshotTests {
    typealias F = DashboardFixtures

    static let plan = PlanOverlay(
        subtitle: "last hour: 1,204 attempts → 1,012 calls · Tier 1-4 · retry sdk",
        rows: [
            PlanOverlay.Row(name: "Tier 1 (log)", throttled: "15.9%", logShare: "16.2%", minutes: "14", waitP50: "0s",
                            waitP95: "2.2s", failed: "61", peak: "ITPM 252%", cost: "$12.40", isBaseline: true),
            PlanOverlay.Row(name: "Tier 2", throttled: "0.0%", minutes: "0", waitP50: "0s", waitP95: "0s", failed: "0",
                            peak: "ITPM 16.8%", cost: "$12.93", isClear: true),
            PlanOverlay.Row(name: "Tier 3", throttled: "0.0%", minutes: "0", waitP50: "0s", waitP95: "0s", failed: "0",
                            peak: "OTPM 11.0%", cost: "$12.93", isClear: true),
            PlanOverlay.Row(name: "Tier 4", throttled: "0.0%", minutes: "0", waitP50: "0s", waitP95: "0s", failed: "0",
                            peak: "OTPM 4.4%", cost: "$12.93", isClear: true),
        ],
        notes: ["baseline: 15.9% of attempts throttled in the replay, 16.2% in the log",
                "          (within ±3.0 points); minutes with 429s: 14 vs 15"],
        status: "as of 10:42:07, 0.1s")

    @Test func plan80x24() {
        var model = F.model()
        model.plan = Self.plan
        assertSnapshot(F.render(model, width: 80, height: 24).lines(), named: "plan-80x24")
    }

    @Test func plan120x40() {
        var model = F.model(mode: .live)
        model.plan = Self.plan
        assertSnapshot(F.render(model, width: 120, height: 40).lines(), named: "plan-120x40")
    }

    @Test func computing80x24() {
        var model = F.model()
        model.plan = PlanOverlay(subtitle: "the last hour on every tier", rows: [], status: "computing…")
        assertSnapshot(F.render(model, width: 80, height: 24).lines(), named: "plan-computing-80x24")
    }

    @Test func pOpensThePlan() {
        #expect(KeyTable.action(for: .character("p"), mode: .live) == .plan)
        #expect(KeyTable.action(for: .character("p"), mode: .replay(speed: 1, paused: false, finished: false)) == .plan)
    }
}

import RatetopCore
import RatetopSimulation
import RatetopTestSupport
import Testing

@Suite("SimulationSpan and WorkCalendar", .tags(.unit))
struct SimulationSpanTests {
    @Test(arguments: [("74d", 74 * 86_400.0), ("8h", 28_800), ("90m", 5_400), ("45s", 45), ("2w", 1_209_600),
                      ("1h30m", 5_400), ("1.5h", 5_400), ("365d", 31_536_000)])
    func lengthsParse(_ text: String, _ seconds: Double) {
        #expect(SimulationSpan.seconds(text) == seconds)
    }

    @Test(arguments: ["", "10", "5x", "-3d", "0s", "h", "3d4"])
    func badLengthsDoNot(_ text: String) {
        #expect(SimulationSpan.seconds(text) == nil)
    }

    @Test func instantsParse() {
        #expect(SimulationSpan.instant("2026-09-21") == Double(RFC3339.daysFromCivil(year: 2026, month: 9, day: 21)) * 86_400)
        #expect(SimulationSpan.instant("2026-09-21T08:00:00Z") == Shapes.epoch("2026-09-21") + 8 * 3_600)
        #expect(SimulationSpan.instant("yesterday") == nil)
        #expect(SimulationSpan.format(Shapes.epoch("2026-09-21") + 61) == "2026-09-21T00:01:01Z")
    }

    @Test func workingWindowsAreWeekdaysEightToSeven() {
        // Monday 2026-09-21 to Monday 2026-10-05: ten working days.
        let calendar = WorkCalendar(from: Shapes.epoch("2026-09-21"), until: Shapes.epoch("2026-10-05"))
        #expect(calendar.windowStarts.count == 10)
        #expect(calendar.totalWorkTime == 10 * 11 * 3_600)
        for start in calendar.windowStarts {
            #expect(Shapes.isWorkingHours(start))
            #expect(start.truncatingRemainder(dividingBy: 86_400) == 8 * 3_600)
        }
        var previous = -Double.infinity
        for step in stride(from: 0.0, through: calendar.totalWorkTime, by: 1_237) {
            let wall = calendar.wallClock(step)
            #expect(wall >= previous)
            previous = wall
            if step < calendar.totalWorkTime { #expect(Shapes.isWorkingHours(wall)) }
        }
        #expect(calendar.wallClock(11 * 3_600 + 60) == Shapes.epoch("2026-09-22") + 8 * 3_600 + 60)
        // Friday's close is followed by Monday's opening.
        #expect(calendar.wallClock(5 * 11 * 3_600) == Shapes.epoch("2026-09-28") + 8 * 3_600)
    }
}

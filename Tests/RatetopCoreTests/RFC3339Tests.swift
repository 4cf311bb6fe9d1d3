import Foundation
import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct RFC3339Tests {
    static let valid: [(String, Double)] = [
        ("2026-11-20T09:00:02Z", 1_795_165_202),
        ("2026-11-20T09:00:02.422Z", 1_795_165_202.422),
        ("2026-11-20T09:00:02.5Z", 1_795_165_202.5),
        ("2026-11-20T09:00:02,5Z", 1_795_165_202.5),
        ("2026-11-20T09:00:02.123456789Z", 1_795_165_202.123456789),
        ("2026-11-20t09:00:02z", 1_795_165_202),
        ("2026-11-20 09:00:02Z", 1_795_165_202),
        ("2026-11-20T09:00:02", 1_795_165_202),
        ("2026-11-20T10:00:02+01:00", 1_795_165_202),
        ("2026-11-20T10:00:02.25+01:00", 1_795_165_202.25),
        ("2026-11-20T04:30:02-04:30", 1_795_165_202),
        ("2026-11-20T10:00:02+0100", 1_795_165_202),
        ("2026-11-20T10:00:02+01", 1_795_165_202),
        ("2026-11-20T09:00:02+00:00", 1_795_165_202),
        ("2026-11-20T09:00:02-00:00", 1_795_165_202),
        ("2026-11-21T00:30:02+15:30", 1_795_165_202),
        ("2026-11-20", 1_795_132_800),
        ("2024-02-29T23:59:59Z", 1_709_251_199),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("2000-03-01", 951_868_800),
        ("2026-11-20T23:59:60Z", 1_795_132_800 + 86_400),  // a leap second reads as the next midnight
    ]

    @Test(arguments: valid)
    func parses(text: String, expected: Double) throws {
        let parsed = try #require(RFC3339.parse(text))
        #expect(abs(parsed - expected) < 1e-6, "\(text) → \(parsed)")
    }

    static let invalid: [String] = [
        "", "2026", "2026-11-2", "2026-1-20", "20261120", "2026/11/20", "2026-11-20T", "2026-11-20T09:00",
        "2026-11-20T09:00:0", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-32", "2026-11-20T24:00:00Z",
        "2026-11-20T09:60:00Z", "2026-11-20T09:00:61Z", "2026-11-20T09:00:02.Z", "2026-11-20T09:00:02Zjunk",
        "2026-11-20T09:00:02+1", "2026-11-20T09:00:02+01:0", "2026-11-20T09:00:02+01:00junk", "2026-11-20X09:00:02Z",
        "2026-11-20T09:00:02 Z", "yesterday", "2026-11-20T09-00-02Z", "abcd-ef-ghT09:00:02Z", "2026-11-20T0a:00:02Z",
        "2026-11-20T09:00:02Q",
    ]

    @Test(arguments: invalid)
    func rejects(text: String) {
        #expect(RFC3339.parse(text) == nil, "\(text) parsed as \(String(describing: RFC3339.parse(text)))")
    }

    /// Days that do not exist and offsets beyond ±23:59 are not RFC 3339 timestamps.
    @Test(arguments: ["2026-02-30", "2026-02-29T09:00:00Z", "2026-04-31T00:00:00Z", "2026-11-20T09:00:02+25:00",
                      "2026-11-20T09:00:02+01:75"])
    func rejectsImpossibleDatesAndOffsets(text: String) {
        #expect(RFC3339.parse(text) == nil, "\(text) parsed as \(String(describing: RFC3339.parse(text)))")
    }

    @Test func parsesRawBytesWithoutATerminator() {
        var bytes = Array("2026-11-20T09:00:02Zgarbage".utf8)
        let parsed = bytes.withUnsafeMutableBytes { RFC3339.parse(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
        #expect(parsed == 1_795_165_202)
        #expect(RFC3339.parse(UnsafeRawBufferPointer(start: nil, count: 0)) == nil)
    }

    static let formatted: [(Double, Int, String)] = [
        (1_795_165_202, 0, "2026-11-20T09:00:02Z"),
        (1_795_165_202.422, 3, "2026-11-20T09:00:02.422Z"),
        (1_795_165_202.4, 1, "2026-11-20T09:00:02.4Z"),
        (1_795_165_202.05, 3, "2026-11-20T09:00:02.050Z"),
        (1_795_165_202.9996, 3, "2026-11-20T09:00:03.000Z"),
        (1_795_165_202.9, 0, "2026-11-20T09:00:02Z"),
        (1_795_132_799.9999999, 3, "2026-11-20T00:00:00.000Z"),
        (0, 0, "1970-01-01T00:00:00Z"),
        (-1, 0, "1969-12-31T23:59:59Z"),
        (-0.5, 1, "1969-12-31T23:59:59.5Z"),
        (-86_400, 0, "1969-12-31T00:00:00Z"),
        (1_709_251_199, 0, "2024-02-29T23:59:59Z"),
        (951_868_800, 6, "2000-03-01T00:00:00.000000Z"),
    ]

    @Test(arguments: formatted)
    func formats(seconds: Double, digits: Int, expected: String) {
        #expect(RFC3339.format(seconds, fractionDigits: digits) == expected)
    }

    @Test func formatThenParseRoundTrips() throws {
        var x = -2_000_000_000.0
        var checked = 0
        while x < 4_000_000_000 {
            for digits in [0, 3, 6] {
                let text = RFC3339.format(x, fractionDigits: digits)
                let back = try #require(RFC3339.parse(text), "\(text)")
                let tolerance = digits == 0 ? 1.0 : 0.5 * pow(10, -Double(digits)) + 1e-6
                #expect(back <= x + tolerance && back >= x - tolerance, "\(x) → \(text) → \(back)")
                if digits == 0 { #expect(back == x.rounded(.down)) }
            }
            checked += 1
            x += 7_777_777.123
        }
        #expect(checked > 700)
    }

    @Test func civilDateConversionOverARangeOfDays() {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        var previous = RFC3339.civilFromDays(-200_001)
        for days in -200_000...200_000 {
            let civil = RFC3339.civilFromDays(days)
            // Round trip.
            if RFC3339.daysFromCivil(year: civil.year, month: civil.month, day: civil.day) != days {
                Issue.record("day \(days): \(civil) does not round-trip")
                return
            }
            // Consecutive days: next day of the month, or the 1st of the next month / year.
            let nextDay = civil.day == previous.day + 1 && civil.month == previous.month && civil.year == previous.year
            let nextMonth = civil.day == 1 && (civil.month == previous.month + 1 && civil.year == previous.year
                                               || civil.month == 1 && previous.month == 12 && civil.year == previous.year + 1)
            if !(nextDay || nextMonth) {
                Issue.record("day \(days): \(previous) is followed by \(civil)")
                return
            }
            previous = civil
            // Against Foundation's calendar now and then.
            if days % 997 == 0, days > -100_000 {  // Foundation switches to the Julian calendar before 1582
                let date = Date(timeIntervalSince1970: Double(days) * 86_400)
                let parts = utc.dateComponents([.year, .month, .day], from: date)
                #expect(parts.year == civil.year && parts.month == civil.month && parts.day == civil.day,
                        "day \(days): \(civil) vs \(parts)")
            }
        }
    }

    @Test func leapYearsHaveFebruary29() {
        for (year, leap) in [(1900, false), (2000, true), (2023, false), (2024, true), (2100, false), (2400, true)] {
            let feb28 = RFC3339.daysFromCivil(year: year, month: 2, day: 28)
            let march1 = RFC3339.daysFromCivil(year: year, month: 3, day: 1)
            #expect(march1 - feb28 == (leap ? 2 : 1), "\(year)")
        }
    }
}

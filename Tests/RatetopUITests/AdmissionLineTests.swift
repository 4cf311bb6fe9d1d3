import RatetopCore
import RatetopTestSupport
import Testing
@testable import RatetopUI

/// The admission line's words for each kind of forecast, and the keys that change its size.
@Suite(.tags(.unit)) struct AdmissionLineTests {
    static func text(_ line: AdmissionLine?) -> String {
        DashboardView.admissionParts(line).map(\.0).joined()
    }

    static func line(wait: Double?, alone: Double?, binding: Dimension?, scale: Int = 0,
                     confidence: AdmissionForecast.Confidence = .high, note: String? = nil) -> AdmissionLine {
        AdmissionLine(request: RequestSize(inputTokens: 14_000, outputTokens: 900), scale: scale,
                      forecast: AdmissionForecast(waitSeconds: wait, waitIfAloneSeconds: alone, binding: binding,
                                                  confidence: confidence, note: note))
    }

    @Test(arguments: [
        (nil as AdmissionLine?, "next request  no request seen yet in this class"),
        (line(wait: 0, alone: 0, binding: nil), "next request  14.0k in / 900 out (p95): admitted now  confidence high  [ ] size"),
        (line(wait: 0.2, alone: 0.2, binding: .requests, scale: -1),
         "next request  14.0k in / 900 out (p95 ×1/2): waits ~<1s for RPM  confidence high  [ ] size"),
        (line(wait: 160, alone: 20.8, binding: .inputTokens, scale: 2, confidence: .medium),
         "next request  14.0k in / 900 out (p95 ×4): waits ~2m40s for ITPM  alone ~21s  confidence medium  [ ] size"),
        (line(wait: nil, alone: 8, binding: .inputTokens),
         "next request  14.0k in / 900 out (p95): no wait is enough at this load (ITPM)  alone ~8s  confidence high  [ ] size"),
        (line(wait: nil, alone: nil, binding: .inputTokens),
         "next request  14.0k in / 900 out (p95): never: more than the ITPM limit  confidence high  [ ] size"),
        (line(wait: nil, alone: nil, binding: nil, confidence: .low),
         "next request  14.0k in / 900 out (p95): limits unknown  confidence low  [ ] size"),
    ])
    func saysWhatTheForecastSays(_ line: AdmissionLine?, _ expected: String) {
        #expect(Self.text(line) == expected)
    }

    @Test func bracketsChangeTheSizeInBothModes() {
        let replay = DashboardModel.Mode.replay(speed: 60, paused: false, finished: false)
        #expect(KeyTable.action(for: .character("]"), mode: .live) == .largerRequest)
        #expect(KeyTable.action(for: .character("["), mode: .live) == .smallerRequest)
        #expect(KeyTable.action(for: .character("]"), mode: replay) == .largerRequest)
        #expect(KeyTable.action(for: .character("["), mode: replay) == .smallerRequest)
        // + and - keep one meaning: the replay's speed.
        #expect(KeyTable.action(for: .character("+"), mode: replay) == .faster)
        #expect(KeyTable.action(for: .character("-"), mode: replay) == .slower)
    }
}

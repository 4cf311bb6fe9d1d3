import Testing
@testable import RatetopScrape
import RatetopTestSupport

@Suite(.tags(.unit)) struct ScrapeTargetTests {
    @Test(arguments: [
        ("http://127.0.0.1:4000/metrics", "http://127.0.0.1:4000/metrics", "http://127.0.0.1:4000/metrics", "127.0.0.1:4000"),
        ("http://proxy:4000", "http://proxy:4000/metrics", "http://proxy:4000/metrics", "proxy:4000"),
        ("prometheus+https://u:secret@host:9464/metrics?token=abc", "https://u:secret@host:9464/metrics?token=abc",
         "https://host:9464/metrics", "host:9464"),
        ("PROMETHEUS+HTTP://h:1/x", "http://h:1/x", "http://h:1/x", "h:1"),
    ])
    func parses(_ example: (String, String, String, String)) throws {
        let target = try ScrapeTarget(example.0)
        #expect(target.url == example.1)
        #expect(target.displayName == example.2)
        #expect(target.hostPort == example.3)
    }

    @Test func recognisesOnlyURLs() {
        #expect(ScrapeTarget.isScrapeURL("http://x:1/metrics"))
        #expect(ScrapeTarget.isScrapeURL("prometheus+https://x/metrics"))
        #expect(!ScrapeTarget.isScrapeURL("logs/http.jsonl"))
        #expect(!ScrapeTarget.isScrapeURL("-"))
    }

    @Test func badTargetsSayWhy() {
        #expect(throws: ScrapeTargetError.self) { try ScrapeTarget("http://") }
        #expect(throws: ScrapeTargetError.self) { try ScrapeTarget("prometheus+ftp://x") }
        var message = ""
        do { _ = try ScrapeTarget("http://:80/metrics?secret=1") } catch { message = error.description }
        #expect(!message.contains("secret"))
        #expect(message.contains("the host is missing"))
    }
}

import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct PrometheusTextParserTests {
    /// One tricky snippet and what must come out of it.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var samples: [PrometheusSample]
        var malformed = 0
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "bare sample", text: "up 1\n", samples: [PrometheusSample(name: "up", value: 1)]),
        Case(name: "no final newline, CRLF endings", text: "a 1\r\nb 2",
             samples: [PrometheusSample(name: "a", value: 1), PrometheusSample(name: "b", value: 2)]),
        Case(name: "comments and blank lines", text: "# a comment\n\n   \n# EOF\nx 3\n", samples: [PrometheusSample(name: "x", value: 3)]),
        Case(name: "labels with escapes", text: #"m{path="C:\\dir",msg="say \"hi\"",multi="a\nb"} 1"# + "\n",
             samples: [PrometheusSample(name: "m", labels: [PrometheusLabel("path", #"C:\dir"#), PrometheusLabel("msg", #"say "hi""#),
                                                             PrometheusLabel("multi", "a\nb")], value: 1)]),
        Case(name: "unknown escape kept as written", text: #"m{a="x\ty"} 1"#,
             samples: [PrometheusSample(name: "m", labels: [PrometheusLabel("a", #"x\ty"#)], value: 1)]),
        Case(name: "blanks around labels, trailing comma, empty value", text: "m { a = \"1\" , b=\"\", } \t 2\n",
             samples: [PrometheusSample(name: "m", labels: [PrometheusLabel("a", "1"), PrometheusLabel("b", "")], value: 2)]),
        Case(name: "braces and commas inside values", text: #"m{a="{x,y}=z"} 4"#,
             samples: [PrometheusSample(name: "m", labels: [PrometheusLabel("a", "{x,y}=z")], value: 4)]),
        Case(name: "empty label set", text: "m{} 5", samples: [PrometheusSample(name: "m", value: 5)]),
        Case(name: "timestamps, negative too", text: "a 1 1700000000123\nb 2 -5\n",
             samples: [PrometheusSample(name: "a", value: 1, timestampMilliseconds: 1_700_000_000_123),
                       PrometheusSample(name: "b", value: 2, timestampMilliseconds: -5)]),
        Case(name: "exponents and signs", text: "a 1.5e3\nb -0.25\nc +7\nd 1E-2\n",
             samples: [PrometheusSample(name: "a", value: 1500), PrometheusSample(name: "b", value: -0.25),
                       PrometheusSample(name: "c", value: 7), PrometheusSample(name: "d", value: 0.01)]),
        Case(name: "infinities", text: "a +Inf\nb -Inf\nc Inf\n",
             samples: [PrometheusSample(name: "a", value: .infinity), PrometheusSample(name: "b", value: -.infinity),
                       PrometheusSample(name: "c", value: .infinity)]),
        Case(name: "colons in metric names", text: "job:rate5m:sum 3", samples: [PrometheusSample(name: "job:rate5m:sum", value: 3)]),
        Case(name: "malformed lines are counted and skipped",
             text: "good 1\n9bad 1\nm{a=\"x} 1\nm{a=x} 1\nm{a=\"1\",a=\"2\"} 1\nnovalue\nm 1 2 3\nm abc\nm 1 1.5\nm{a=\"1\" b=\"2\"} 1\nalso_good 2\n",
             samples: [PrometheusSample(name: "good", value: 1), PrometheusSample(name: "also_good", value: 2)], malformed: 9),
    ]

    @Test(arguments: cases) func parses(_ example: Case) {
        let exposition = PrometheusTextParser.parse(example.text)
        #expect(exposition.samples == example.samples)
        #expect(exposition.malformedLines == example.malformed)
    }

    @Test func notANumberIsKept() {
        let exposition = PrometheusTextParser.parse("a NaN\nb nan\n")
        #expect(exposition.samples.count == 2)
        #expect(exposition.samples.allSatisfy { $0.value.isNaN })
    }

    @Test func helpAndTypeDeclareFamilies() {
        let exposition = PrometheusTextParser.parse("""
            # HELP litellm_input_tokens_metric Total input tokens \\\\ per model\\nsecond line
            # TYPE litellm_input_tokens_metric counter
            litellm_input_tokens_metric_total{model="claude"} 10
            litellm_input_tokens_metric_created{model="claude"} 1.7e9
            # TYPE   weird_gauge   GAUGE
            # TYPE broken nonsense
            weird_gauge 1
            """)
        let family = exposition.families["litellm_input_tokens_metric"]
        #expect(family?.type == .counter)
        #expect(family?.help == "Total input tokens \\ per model\nsecond line")
        #expect(exposition.family(of: "litellm_input_tokens_metric_total")?.name == "litellm_input_tokens_metric")
        #expect(exposition.family(of: "litellm_input_tokens_metric_created")?.name == "litellm_input_tokens_metric")
        #expect(exposition.families["weird_gauge"]?.type == .gauge)
        #expect(exposition.malformedLines == 1)
        #expect(exposition.problems.first?.line == 6)
        #expect(exposition.problems.first?.reason.contains("unknown type") == true)
        #expect(exposition.samples.count == 3)
    }

    @Test func problemsNameTheLineAndOnlyTheFirstFewAreKept() {
        let text = (0..<8).map { "bad{ \($0)" }.joined(separator: "\n")
        let exposition = PrometheusTextParser.parse(text)
        #expect(exposition.malformedLines == 8)
        #expect(exposition.problems.count == PrometheusTextParser.keptProblems)
        #expect(exposition.problems.map(\.line) == [1, 2, 3, 4, 5])
    }

    @Test func seriesKeyIgnoresLabelOrderAndEscapes() {
        let a = PrometheusTextParser.parse(#"m{b="2",a="x\"y"} 1"#).samples[0]
        let b = PrometheusTextParser.parse(#"m{a="x\"y",b="2"} 1"#).samples[0]
        #expect(a.seriesKey == b.seriesKey)
        #expect(a.seriesKey == #"m{a="x\"y",b="2"}"#)
        #expect(a[label: "a"] == #"x"y"#)
        #expect(a[label: "missing"] == nil)
    }

    /// What ratetop's own endpoint writes reads back whole (the exposition of MetricsExporter).
    @Test func readsRatetopsOwnExposition() {
        let exposition = PrometheusTextParser.parse("""
            # HELP ratetop_bucket_limit Rate limit per minute of the bucket (requests or tokens); absent when unknown.
            # TYPE ratetop_bucket_limit gauge
            ratetop_bucket_limit{bucket="sonnet-4.x",dimension="input_tokens"} 30000.0
            # HELP ratetop_bucket_seconds_to_empty Seconds until the bucket is empty at the current rate; +Inf when not draining.
            # TYPE ratetop_bucket_seconds_to_empty gauge
            ratetop_bucket_seconds_to_empty{bucket="sonnet-4.x",dimension="input_tokens"} +Inf
            # TYPE ratetop_requests_total counter
            ratetop_requests_total{bucket="sonnet-4.x"} 12

            """)
        #expect(exposition.malformedLines == 0)
        #expect(exposition.samples.map(\.name) == ["ratetop_bucket_limit", "ratetop_bucket_seconds_to_empty", "ratetop_requests_total"])
        #expect(exposition.samples[1].value == .infinity)
    }
}

import ArgumentParser
import RatetopSimulation

/// `ratetop-gen sparse`: an exchange log over weeks with nights and weekends idle.
struct SparseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparse",
        abstract: "Write an exchange log spread over a long span: work-hour bursts, idle nights and weekends, 429 storms.",
        discussion: """
            Weekdays have two to five bursts of calls between 08:00 and 19:00 UTC (some days quiet), \
            a few evenings and weekends one small burst, and about one weekday in five a batch job \
            that overruns the input-token limit (a storm of 429s and retries). Exactly --lines lines; \
            the first opens the span's first working morning and the last lies in its last working \
            day, so --lines 2 --span 365d gives two lines a year apart.

            Examples:
              ratetop-gen sparse --lines 1000000 --span 74d -o bench-data/sparse.jsonl
              ratetop-gen sparse --lines 2 --span 365d --start 2025-12-01 -o bench-data/two-lines.jsonl
            """)

    @Option(help: "How many lines to write.")
    var lines: Int = 1_000_000

    @Option(help: "How long the log covers (74d, 10w, 365d).")
    var span: SpanArgument = SpanArgument(argument: "74d")!

    @Option(help: "When the span begins (RFC 3339 or a date, UTC).")
    var start: InstantArgument = InstantArgument(argument: "2026-09-21")!

    @Option(name: .shortAndLong, help: "Where to write the log ('-' for standard output).")
    var output: String

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 7

    @Flag(name: .customLong("no-headers"), help: "Leave out response headers.")
    var noHeaders = false

    func validate() throws {
        guard lines > 0 else { throw ValidationError("--lines must be positive") }
    }

    func run() throws {
        var traffic = SparseTraffic(lines: lines, start: start.epochSeconds, span: span.seconds, seed: seed)
        try ExchangeLogOutput(path: output, seed: seed, includeHeaders: !noHeaders).write(&traffic, lines: lines)
    }
}

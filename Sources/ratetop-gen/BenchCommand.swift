import ArgumentParser
import RatetopSimulation

/// `ratetop-gen bench`: a large exchange log for the replay benchmark, streamed to disk. The
/// dense shape: about 2,000 attempts a minute, or as many as `--span` asks for.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Write a large exchange log for benchmarks (Build tier, three model classes, hourly 429 storms).",
        discussion: """
            Without --span the organization makes about 2,000 attempts a minute, so 1,000,000 lines \
            take about 8 hours. With --span the rates are scaled so that the lines fill about that \
            span (the last line lands within a few percent of it).

            Example: ratetop-gen bench --lines 1000000 --span 8h -o bench-data/dense.jsonl
            """)

    @Option(help: "How many lines to write.")
    var lines: Int = 1_000_000

    @Option(help: "About how long the lines should cover (8h, 90m, 2d); the rates are scaled to fit.")
    var span: SpanArgument?

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
        let model: TrafficModel
        if let span {
            model = DenseTraffic.model(lines: lines, span: span.seconds, seed: seed)
        } else {
            // About 2,000 attempts a minute: enough simulated hours for the lines asked for, with room.
            model = .benchmark(hours: max(2, Double(lines) / 100_000 + 2))
        }
        var simulation = TrafficSimulation(model: model, seed: seed)
        try ExchangeLogOutput(path: output, seed: seed, includeHeaders: !noHeaders).write(&simulation, lines: lines)
    }
}

import ArgumentParser
import RatetopSimulation

/// `ratetop-gen late`: an exchange log appended to by several buffering workers.
struct LateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "late",
        abstract: "Write an exchange log from several workers: lines stamped seconds (rarely minutes) before lines above them.",
        discussion: """
            The traffic is the dense benchmark's (see bench), scaled to --lines over --span. Each \
            call belongs to one of --workers workers, which buffer their lines and write them out \
            0.2 s to --max-delay after the first one; with --stall-chance a write is held up a \
            further 30 s to 4 minutes. Every line keeps the time its response completed.

            Example: ratetop-gen late --lines 200000 --span 2h --workers 8 -o bench-data/late.jsonl
            """)

    @Option(help: "How many lines to write.")
    var lines: Int = 200_000

    @Option(help: "About how long the lines cover (2h, 30m, 1d).")
    var span: SpanArgument = SpanArgument(argument: "2h")!

    @Option(help: "How many workers append to the log.")
    var workers: Int = 8

    @Option(name: .customLong("max-delay"), help: "The longest a worker holds a line before writing it (4s, 1m).")
    var maxDelay: SpanArgument = SpanArgument(argument: "4s")!

    @Option(name: .customLong("stall-chance"), help: "The chance that a write is held up for minutes.")
    var stallChance: Double = 0.002

    @Option(name: .shortAndLong, help: "Where to write the log ('-' for standard output).")
    var output: String

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 7

    @Flag(name: .customLong("no-headers"), help: "Leave out response headers.")
    var noHeaders = false

    func validate() throws {
        guard lines > 0 else { throw ValidationError("--lines must be positive") }
        guard workers > 0 else { throw ValidationError("--workers must be positive") }
        guard (0...1).contains(stallChance) else { throw ValidationError("--stall-chance must be between 0 and 1") }
    }

    func run() throws {
        let simulation = TrafficSimulation(model: DenseTraffic.model(lines: lines, span: span.seconds, seed: seed), seed: seed)
        var late = LateLines(base: simulation, workers: workers, flushDelay: min(0.2, maxDelay.seconds)...maxDelay.seconds,
                             stallChance: stallChance, seed: seed)
        try ExchangeLogOutput(path: output, seed: seed, includeHeaders: !noHeaders).write(&late, lines: lines)
    }
}

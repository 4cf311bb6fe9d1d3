import ArgumentParser
import RatetopSimulation

/// `ratetop-gen sample`: the bundled sample, a Tier 1 team's day.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Write the bundled sample: a small team's day on Tier 1 (2026-04-14, 08:00-18:30 UTC).")

    @Option(name: .shortAndLong, help: "Where to write the log ('-' for standard output).")
    var output: String = "samples/day.jsonl"

    @Option(help: "Seed of the simulation; the bundled sample uses the default.")
    var seed: UInt64 = SampleCommand.defaultSeed

    @Flag(name: .customLong("no-headers"), help: "Leave out response headers.")
    var noHeaders = false

    static let defaultSeed: UInt64 = 20_260_414

    func run() throws {
        let attempts = TrafficSimulation.run(.sampleDay(), seed: seed)
        var writer = ExchangeLineWriter(seed: seed, includeHeaders: !noHeaders)
        let file = try OutputFile(path: output)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var byStatus: [Int: Int] = [:]
        for attempt in attempts {
            writer.append(attempt, to: &buffer)
            byStatus[attempt.status, default: 0] += 1
        }
        try file.write(buffer)
        try file.close()
        let statuses = byStatus.keys.sorted().map { "\($0): \(byStatus[$0] ?? 0)" }.joined(separator: ", ")
        printError("ratetop-gen: wrote \(attempts.count) lines (\(buffer.count) bytes) to \(output) [\(statuses)]")
    }
}

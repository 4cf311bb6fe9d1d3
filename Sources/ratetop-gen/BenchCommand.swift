import ArgumentParser
import RatetopSimulation

/// `ratetop-gen bench`: a large exchange log for the replay benchmark, streamed to disk.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Write a large exchange log for benchmarks (Build tier, three model classes, hourly 429 storms).")

    @Option(help: "How many lines to write.")
    var lines: Int = 1_000_000

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
        let clock = ContinuousClock()
        let began = clock.now
        // About 2,000 attempts a minute: enough simulated hours for the lines asked for, with room.
        let hours = max(2, Double(lines) / 100_000 + 2)
        var simulation = TrafficSimulation(model: .benchmark(hours: hours), seed: seed)
        var writer = ExchangeLineWriter(seed: seed, includeHeaders: !noHeaders)
        let file = try OutputFile(path: output)
        let flushAt = 8 << 20
        var buffer: [UInt8] = []
        buffer.reserveCapacity(flushAt + 4096)
        var written = 0
        var bytes = 0
        while written < lines, let attempt = simulation.nextAttempt() {
            writer.append(attempt, to: &buffer)
            written += 1
            if buffer.count >= flushAt {
                try file.write(buffer)
                bytes += buffer.count
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try file.write(buffer)
        bytes += buffer.count
        try file.close()
        let elapsed = (clock.now - began).components
        let tenths = Int(elapsed.seconds) * 10 + Int(elapsed.attoseconds / 100_000_000_000_000_000)
        printError("ratetop-gen: wrote \(written) lines (\(bytes / 1_000_000) MB) to \(output) in \(tenths / 10).\(tenths % 10) s")
        if written < lines {
            printError("ratetop-gen: the simulation ended after \(written) lines")
        }
    }
}

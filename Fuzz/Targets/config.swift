// Fuzz target `config`: the config file (`RatetopConfig.parse`, YAML through Yams), then what
// the program does with a config that parses: its tier checked against the bundled table, and
// its rules in force driven through a Monitor on a fixed quarter hour of traffic
// (`Replay.sampleTraffic`), so that odd thresholds, holds and dimensions reach the evaluator.
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let text = String(decoding: input, as: UTF8.self)
    let config: RatetopConfig
    do {
        config = try RatetopConfig.parse(text, path: "fuzz.yaml")
    } catch {
        for problem in error.problems { Fuzz.sink(problem.description) }
        return 0
    }
    do {
        try config.checkTier(in: Fuzz.bundledTable)
    } catch {
        Fuzz.sink(error.description)
    }
    Fuzz.sink(config.sources.count &+ config.rulesOverridden &+ config.rulesAdded &+ config.rulesDisabled)
    Fuzz.sink(Int(truncatingIfNeeded: (config.interval ?? 0).bitPattern &+ (config.staleAfter ?? 0).bitPattern))
    let models = ModelCatalog()
    let events = Replay.sampleTraffic(models: models, names: ["claude-sonnet-4-5-20250929", "claude-haiku-4-5"])
    let tier = config.tier.flatMap { Fuzz.bundledTable.tier(named: $0)?.tier.id }
    Replay.run(streams: [events], sourceNames: ["fuzz.jsonl"],
               configuration: EngineConfiguration(table: Fuzz.bundledTable, tierID: tier), models: models,
               rules: config.rulesInForce, interval: 10, lines: events.count, malformed: 0, duplicates: 0)
    return 0
}

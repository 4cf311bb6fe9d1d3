// Fuzz target `limits-table`: the limits table (`LimitsTable.decode`, YAML or JSON through Yams:
// ratetop's table format or a saved Admin API rate_limits response), alone and over the bundled
// table (`--limits FILE`), then what the program does with a table that decodes: the `ratetop
// limits` report for the whole table and for each tier, and a fixed quarter hour of traffic
// (`Replay.sampleTraffic`) on models of its classes through a Monitor on its first tier.
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLimitsTable(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let text = String(decoding: input, as: UTF8.self)
    for base in [nil, Fuzz.bundledTable] as [LimitsTable?] {
        let table: LimitsTable
        do {
            table = try LimitsTable.decode(text, base: base)
        } catch {
            Fuzz.sink(error.description)
            continue
        }
        use(table)
    }
    return 0
}

private func use(_ table: LimitsTable) {
    Fuzz.sink(LimitsReport.render(table: table, tier: nil, source: "fuzz.yaml"))
    for tier in table.tierIDs.prefix(8) { Fuzz.sink(LimitsReport.render(table: table, tier: tier, source: nil)) }
    // A model id per class: its first pattern with the globs' stars taken out.
    var names = table.classes.prefix(4).compactMap { $0.modelPatterns.first.map { String($0.map { $0 == "*" ? "x" : $0 }) } }
    names.append("claude-sonnet-4-5-20250929")
    for name in names { Fuzz.sink(table.modelClass(for: name)?.id ?? "") }
    let models = ModelCatalog()
    let events = Replay.sampleTraffic(models: models, names: names)
    Replay.run(streams: [events], sourceNames: ["fuzz.jsonl"],
               configuration: EngineConfiguration(table: table, tierID: table.tierIDs.first), models: models,
               interval: 10, lines: events.count, malformed: 0, duplicates: 0)
}

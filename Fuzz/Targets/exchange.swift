// Fuzz target `exchange`: ratetop's own exchange lines (`ExchangeLogDecoder`), one per line of
// the input, through a plain decoder and one with `--group-by app` (which reads one more field).
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExchange(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let models = ModelCatalog()
    let groups = ModelCatalog()
    var plain: any LogDecoder = ExchangeLogDecoder(models: models)
    var grouped: any LogDecoder = ExchangeLogDecoder(models: models, groupBy: "app", groups: groups)
    let first = Fuzz.decodeLines(input, with: &plain)
    let second = Fuzz.decodeLines(input, with: &grouped)
    Fuzz.consume(first.events, models: models)
    Fuzz.consume(second.events, models: models)
    for event in second.events where event.group >= 0 { Fuzz.sink(groups.name(ModelRef(index: event.group))) }
    return 0
}

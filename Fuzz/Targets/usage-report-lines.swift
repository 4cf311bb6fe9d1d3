// Fuzz target `usage-report-lines`: saved Admin API usage-report pages, one JSON page per line
// (`UsageReportDecoder.decode(line:)`).
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUsageReportLines(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let models = ModelCatalog()
    var decoder: any LogDecoder = UsageReportDecoder(models: models)
    let result = Fuzz.decodeLines(input, with: &decoder)
    Fuzz.consume(result.events, models: models)
    return 0
}

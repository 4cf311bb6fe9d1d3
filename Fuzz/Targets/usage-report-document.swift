// Fuzz target `usage-report-document`: a saved usage report as one document
// (`UsageReportDecoder.decodeDocument`: a pretty-printed page, pages one after another, or a
// JSON array of pages), the whole input in one allocation of its own; then the same input cut
// into lines and gathered again as RatetopIO's `DocumentDecoder` does (lines joined
// with `\n`, blank lines dropped).
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUsageReportDocument(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let models = ModelCatalog()
    let origin = LineOrigin(source: 0, line: 1)
    let (events, outcome) = Fuzz.withPrivateCopy(input) {
        UsageReportDecoder.decodeDocument($0, origin: origin, models: models)
    }
    Fuzz.consume(events, models: models)
    if case .malformed(let reason) = outcome { Fuzz.sink(reason) }
    var gathered: [UInt8] = []
    Fuzz.eachLine(input) { line, _ in
        gathered.append(contentsOf: line)
        gathered.append(0x0A)
    }
    guard !gathered.isEmpty else { return 0 }
    let (again, _) = gathered.withUnsafeBytes { bytes in
        Fuzz.withPrivateCopy(bytes) { UsageReportDecoder.decodeDocument($0, origin: origin, models: models) }
    }
    Fuzz.consume(again, models: models)
    return 0
}

// Fuzz target `prometheus-text`: the Prometheus text exposition parser (`PrometheusTextParser`)
// on the input as a scrape body (decoded as UTF-8 the way the scrape source reads it), then
// every sample read back (series key, family, labels), its label values escaped and the samples
// written out again and parsed a second time.
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrometheusText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let text = String(decoding: input, as: UTF8.self)
    let exposition = PrometheusTextParser.parse(text)
    Fuzz.sink(exposition.malformedLines)
    for problem in exposition.problems { Fuzz.sink(problem.reason) }
    var written = ""
    for sample in exposition.samples {
        Fuzz.sink(sample.seriesKey)
        Fuzz.sink(exposition.family(of: sample.name)?.type.rawValue ?? "")
        Fuzz.sink(sample[label: "bucket"] ?? "")
        let labels = sample.labels.map { "\($0.name)=\"\(PrometheusTextParser.escape($0.value))\"" }.joined(separator: ",")
        written += "\(sample.name){\(labels)} \(sample.value)"
        if let stamp = sample.timestampMilliseconds { written += " \(stamp)" }
        written += "\n"
    }
    for (name, family) in exposition.families { Fuzz.sink(name + (family.help ?? "")) }
    let again = PrometheusTextParser.parse(written)
    Fuzz.sink(again.samples.count &+ again.malformedLines)
    Fuzz.sink(RatetopMetricsMapper.recognises(exposition) ? 1 : 0)
    Fuzz.sink(LiteLLMMetricsMapper.recognises(exposition) ? 1 : 0)
    return 0
}

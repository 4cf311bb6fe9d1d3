// Fuzz target `litellm`: LiteLLM proxy log lines (`LiteLLMDecoder`), one per line of the input.
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLiteLLM(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let models = ModelCatalog()
    var decoder: any LogDecoder = LiteLLMDecoder(models: models)
    let result = Fuzz.decodeLines(input, with: &decoder)
    Fuzz.consume(result.events, models: models)
    return 0
}

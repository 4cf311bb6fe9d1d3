// Fuzz target `claude-code`: Claude Code transcript lines (`ClaudeCodeTranscriptDecoder`): the
// held-back streamed snapshots, the de-duplication memory shared by a second decoder (a resumed
// session's file re-writing old messages), and the final flush.
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClaudeCode(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let models = ModelCatalog()
    let memory = TranscriptDedupMemory()
    var decoder: any LogDecoder = ClaudeCodeTranscriptDecoder(models: models, memory: memory)
    let first = Fuzz.decodeLines(input, with: &decoder)
    Fuzz.consume(first.events, models: models)
    // The same lines again in another file of the same replay: every message is a repeat.
    var resumed: any LogDecoder = ClaudeCodeTranscriptDecoder(models: models, memory: memory, holdSeconds: 0, maxPending: 2)
    let second = Fuzz.decodeLines(input, with: &resumed, source: 1)
    Fuzz.consume(second.events, models: models)
    return 0
}

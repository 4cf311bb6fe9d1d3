// Fuzz target `claude-code`: Claude Code transcript lines (`ClaudeCodeTranscriptDecoder`): the
// held-back streamed snapshots, the de-duplication memory shared by a second decoder (a resumed
// session's file re-writing old messages), the final flush, and `claude -p` output placed at a
// reader's time.
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
    // As a reader that places lines without a time (`claude -p` output) does.
    var placing = ClaudeCodeTranscriptDecoder(models: models, memory: TranscriptDedupMemory())
    placing.untimedLineTime = 1_800_000_000
    var placed: any LogDecoder = placing
    let third = Fuzz.decodeLines(input, with: &placed, source: 2)
    Fuzz.consume(third.events, models: models)
    for event in third.events {
        do { try Plausible.check(event) } catch { fatalError("an event the engine would refuse: \(error.reason)") }
    }
    return 0
}

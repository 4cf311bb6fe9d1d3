// Fuzz target `sse-scanner`: the recording proxy's event-stream scanner (`StreamUsageScanner`,
// compiled in from Sources/RatetopRecord, see Fuzz/sources/sse-scanner), fed the way a network
// delivers a stream: in pieces of any size. The first bytes of the input choose the piece sizes,
// the rest is the stream. Whatever the cut, the scanner must find what it finds when fed the
// whole stream at once (model, usage, error, start/stop, skipped events): a difference is a
// bug, reported as a trap. A small event cap is used now and then so oversized events and
// lines are crossed by piece boundaries too.
@testable import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSEScanner(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    guard input.count >= 2 else { return 0 }
    let header = Int(input[0])
    // Piece sizes cycle through the next `count` bytes (1...256 each).
    let count = min(input.count - 1, 1 + header % 16)
    let sizes = (0..<count).map { Int(input[1 + $0]) + 1 }
    let stream = UnsafeRawBufferPointer(rebasing: input[(1 + count)...])
    let limit = header & 0x80 != 0 ? 64 : 1 << 20

    Fuzz.withPrivateCopy(stream) { bytes in
        var whole = StreamUsageScanner(eventLimit: limit)
        whole.feed(bytes)
        whole.finish()

        var pieces = StreamUsageScanner(eventLimit: limit)
        var offset = 0
        var index = 0
        while offset < bytes.count {
            let length = min(sizes[index % sizes.count], bytes.count - offset)
            // Each piece in an allocation of its own, as network buffers are.
            Fuzz.withPrivateCopy(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])) { pieces.feed($0) }
            offset += length
            index += 1
        }
        pieces.finish()

        precondition(whole.model == pieces.model, "model differs when fed in pieces")
        precondition(whole.usage == pieces.usage, "usage differs when fed in pieces")
        precondition(whole.error == pieces.error, "error differs when fed in pieces")
        precondition(whole.sawMessageStart == pieces.sawMessageStart && whole.sawMessageStop == pieces.sawMessageStop,
                     "start/stop differ when fed in pieces")
        precondition(whole.skippedEvents == pieces.skippedEvents, "skipped events differ when fed in pieces")
        var out: [UInt8] = []
        whole.usage.append(to: &out)
        Fuzz.sink(out.count + (whole.model?.utf8.count ?? 0))
    }
    return 0
}

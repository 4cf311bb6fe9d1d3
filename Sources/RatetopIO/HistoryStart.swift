#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the recent part of a log begins, found by bisection on byte offsets: a log is written
/// in time order (give or take lines a little late), so a few reads of a gigabyte file find the
/// last hour without reading, decoding or counting what came before it.
enum HistoryStart {
    /// Bytes read at each probe; a probe that finds no stamped line in them moves the search
    /// earlier (reading a little more is always safe).
    static let probeBytes = 256 << 10
    /// Below this span the search stops: at most this much older history is read.
    static let closeEnough = 64 << 10

    /// Where to start reading so that every line stamped at or after `cutoff` is read and none
    /// stamped before it: just after the last stamped line older than the cutoff that precedes
    /// the first one at or after it (the end of the file when there is none). `stamp` gives a
    /// line's time, nil for a line that carries none (a transcript's user lines).
    static func offset(descriptor fd: Int32, size: Int, cutoff: Double, stamp: (UnsafeRawBufferPointer) -> Double?) -> Int {
        let near = bisect(descriptor: fd, size: size, cutoff: cutoff, stamp: stamp)
        // From that boundary, line by line: a probe's span or two, whatever the file's size.
        let window = UnsafeMutableRawBufferPointer.allocate(byteCount: probeBytes, alignment: 16)
        defer { window.deallocate() }
        var position = near
        var start = near
        while position < size, let base = window.baseAddress {
            let count = pread(fd, base, probeBytes, off_t(position))
            guard count > 0 else { break }
            let bytes = UnsafeRawBufferPointer(start: base, count: count)
            var lineStart = 0
            var sawNewline = false
            while lineStart < count, let newline = bytes[lineStart...].firstIndex(of: 0x0A) {
                sawNewline = true
                if let time = stamp(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<newline])) {
                    if time >= cutoff { return start }
                    start = position + newline + 1
                }
                lineStart = newline + 1
            }
            guard sawNewline else { return start }  // a line longer than a probe: read from here
            position += lineStart
        }
        // Nothing at or after the cutoff (a last line without its newline is read as it comes).
        return start
    }

    /// A line boundary at or before the first line stamped at or after `cutoff`, by bisection.
    static func bisect(descriptor fd: Int32, size: Int, cutoff: Double, stamp: (UnsafeRawBufferPointer) -> Double?) -> Int {
        var low = 0
        var high = size
        let window = UnsafeMutableRawBufferPointer.allocate(byteCount: probeBytes, alignment: 16)
        defer { window.deallocate() }
        while high - low > closeEnough {
            let middle = low + (high - low) / 2
            guard let base = window.baseAddress else { break }
            let count = pread(fd, base, probeBytes, off_t(middle))
            guard count > 0 else {
                high = middle
                continue
            }
            let bytes = UnsafeRawBufferPointer(start: base, count: count)
            // The first whole line after the middle, then the first one that carries a time.
            guard let first = bytes.firstIndex(of: 0x0A) else {
                high = middle
                continue
            }
            var lineStart = first + 1
            var found: (time: Double, end: Int)?
            while lineStart < count, let newline = bytes[lineStart...].firstIndex(of: 0x0A) {
                if let time = stamp(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<newline])) {
                    found = (time, newline + 1)
                    break
                }
                lineStart = newline + 1
            }
            if let found, found.time < cutoff {
                low = middle + found.end
            } else {
                high = middle
            }
        }
        return low
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RatetopIO
import RatetopTestSupport
import Testing

/// Issue 14, a followed log under abuse, at the level of one `FollowedFile`: a writer thread
/// rotates the file by rename over and over, each time writing one line to the old file just
/// before renaming it away and creating the new one, while the reader polls in a loop. (Each
/// rotation waits until the reader has followed the previous one: a file renamed away before it
/// was ever opened is beyond any follower.) Every line must be read exactly once, in order: a
/// rotation that lands between the reader's last read of the old file and its look at the path
/// must not lose the line the old file got meanwhile.
@Suite(.serialized, .tags(.endToEnd)) struct ChaosRotationRaceEndToEndTests {
    @Test func aLineWrittenJustBeforeARenameIsNotLost() async throws {
        let scratch = Scratch()
        let path = scratch.file("race.jsonl")
        _ = scratch.write("race.jsonl", "")
        let rotations = Self.rotations
        let total = rotations * 2
        let lastSeen = Locked(0)
        let done = Locked(false)
        let thread = Thread {
            var descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            func put(_ number: Int) {
                let line = Array("\(number)\n".utf8)
                _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            }
            func waitFor(_ number: Int) -> Bool {
                let deadline = Date().addingTimeInterval(5)
                while lastSeen.current < number {
                    if Date() > deadline { return false }
                    sched_yield()
                }
                return true
            }
            for rotation in 0..<rotations {
                let first = rotation * 2 + 1
                // The line the old file gets at the last moment, then the rotation.
                put(first)
                rename(path, path + ".old")
                close(descriptor)
                descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
                put(first + 1)
                // The reader has followed the new file before the next rotation.
                guard waitFor(first + 1) else { break }
            }
            close(descriptor)
            done.update { $0 = true }
        }
        // The follower polls in a loop on a thread of its own (not one of the pool's).
        let follower = try FollowedFile(path: path)
        let box = Locked(Optional(follower))
        thread.start()
        let (seen, took) = await Chaos.offPool { () -> ([Int], Double) in
            guard let follower = box.update({ value -> FollowedFile? in defer { value = nil }; return value }) else { return ([], 0) }
            let started = Date()
            var seen: [Int] = []
            seen.reserveCapacity(total)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
            defer { buffer.deallocate() }
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let finished = done.current
                follower.poll(buffer: buffer) { bytes, _, _ in seen.append(Int(String(decoding: bytes, as: UTF8.self)) ?? -1) }
                if let last = seen.last, last > lastSeen.current { lastSeen.update { $0 = last } }
                if finished { break }
            }
            return (seen, Date().timeIntervalSince(started))
        }
        let missing = Set(1...total).subtracting(seen)
        #expect(missing.isEmpty, "\(missing.count) of \(total) lines lost over \(rotations) rotations, e.g. \(missing.sorted().prefix(10))")
        #expect(seen == Array(1...total).filter { !missing.contains($0) }, "read twice or out of order")
        print("ratetop chaos: \(rotations) rotations by rename under a polling follower, \(Int(took * 1000)) ms")
    }

    /// Enough rotations that the race (a rename between the follower's last read of the old file
    /// and its look at the path) is hit many times over: without the second drain about one
    /// rotation in 70 lost its line here (44 of 3,000), some fifteen in a run of 1,000.
    static let rotations = 1_000
}

import Foundation
import Testing

/// Compares text lines with a golden file in `__Snapshots__/NAME.txt` beside this file, line by
/// line (trailing spaces trimmed). With `RATETOP_RECORD_SNAPSHOTS=1` it writes the actual
/// output instead of failing: re-record, then eyeball the diff before committing.
func assertSnapshot(_ lines: [String], named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let actual = lines.map { line -> String in
        var trimmed = Substring(line)
        while trimmed.last == " " { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let file = directory.appendingPathComponent(name + ".txt")
    let text = actual.joined(separator: "\n") + "\n"
    if ProcessInfo.processInfo.environment["RATETOP_RECORD_SNAPSHOTS"] == "1" {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            Issue.record("could not record snapshot \(name): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let golden = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("missing snapshot \(file.path); run with RATETOP_RECORD_SNAPSHOTS=1 to record it",
                     sourceLocation: sourceLocation)
        return
    }
    var expected = golden.components(separatedBy: "\n")
    if expected.last == "" { expected.removeLast() }
    #expect(actual.count == expected.count, "snapshot \(name): line count", sourceLocation: sourceLocation)
    for index in 0..<min(actual.count, expected.count) where actual[index] != expected[index] {
        Issue.record("""
            snapshot \(name), line \(index + 1):
              expected: \(expected[index])
              actual:   \(actual[index])
            """, sourceLocation: sourceLocation)
    }
}

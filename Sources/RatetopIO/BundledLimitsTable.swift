import Foundation
import RatetopCore

/// Loads the limits table that ships with ratetop (compiled into the binary by the
/// EmbedResources build-tool plugin), and user tables from files.
public enum BundledLimitsTable {
    /// The bundled table's text.
    public static func text() -> String { EmbeddedResources.limitsTable }

    /// The bundled table's `version:`, read without decoding the table (for `--version`).
    public static var version: String {
        for line in EmbeddedResources.limitsTable.split(separator: "\n") where line.hasPrefix("version:") {
            return line.dropFirst("version:".count).trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        }
        return "unknown"
    }

    /// The bundled table, decoded.
    public static func load() throws(LimitsTableError) -> LimitsTable {
        try LimitsTable.decode(text())
    }

    /// The table in force: the bundled one, overlaid with a user's `--limits` file when given.
    public static func load(userFile path: String?) throws(LimitsTableError) -> LimitsTable {
        let bundled = try load()
        guard let path else { return bundled }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LimitsTableError("--limits \(path): cannot read the file")
        }
        do {
            return try LimitsTable.decode(text, base: bundled)
        } catch {
            throw LimitsTableError("--limits \(path): \(error.description)")
        }
    }
}

/// The sample `ratetop demo` replays (`samples/day.jsonl`: a Tier 1 team's day, with 429
/// storms), compiled into the binary.
public enum BundledSample {
    /// What the sample is, for a screen or a message.
    public static let description = "a day on Tier 1"

    /// The sample's lines.
    public static var text: String { EmbeddedResources.sampleDay }

    /// Writes the sample to a new file in the temporary directory (`TMPDIR`, else /tmp) for a
    /// replay to read, and returns its path; the caller removes it when done.
    public static func writeTemporaryCopy() throws(BundledSampleError) -> String {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let path = (directory as NSString).appendingPathComponent("ratetop-sample-\(getpid())-\(UInt32.random(in: 0 ... .max)).jsonl")
        // O_EXCL: never write through a file or link someone else put there.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw BundledSampleError(description: "cannot create \(path) for the demo's sample: \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            unlink(path)
            throw BundledSampleError(description: "cannot write \(path) for the demo's sample: \(error.localizedDescription)")
        }
        return path
    }
}

/// The demo's sample could not be written out (a full or read-only temporary directory).
public struct BundledSampleError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

import Foundation
import RatetopCore

/// Loads the limits table that ships with ratetop, and user tables from files.
public enum BundledLimitsTable {
    /// The bundled table's text.
    public static func text() throws(LimitsTableError) -> String {
        guard let url = resourceURL(), let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw LimitsTableError("the bundled limits table (limits-table.yaml) is missing from the installation")
        }
        return text
    }

    /// The bundled table, decoded.
    public static func load() throws(LimitsTableError) -> LimitsTable {
        try LimitsTable.decode(try text())
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

    /// The bundled sample log (`ratetop demo`), if the installation has it.
    public static func samplePath() -> String? {
        resourceURL(name: "sample-day", extension: "jsonl")?.path
    }

    /// Finds a resource without `Bundle.module`, which traps when the bundle is missing.
    static func resourceURL(name: String = "limits-table", extension ext: String = "yaml") -> URL? {
        let bundleNames = ["ratetop_RatetopIO.resources", "ratetop_RatetopIO.bundle"]
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            directories.append(executable)
            directories.append(executable.deletingLastPathComponent().appendingPathComponent("share/ratetop"))
        }
        directories.append(Bundle.main.bundleURL)
        for directory in directories {
            for bundleName in bundleNames {
                let candidate = directory.appendingPathComponent(bundleName).appendingPathComponent("\(name).\(ext)")
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            }
        }
        // Test bundles and other layouts: fall back to the bundle SwiftPM generated, when present.
        for bundle in Bundle.allBundles + [Bundle.main] {
            if let url = bundle.url(forResource: name, withExtension: ext) { return url }
        }
        let moduleURL = Bundle.module.url(forResource: name, withExtension: ext)
        return moduleURL
    }
}

import Foundation
import RatetopTestSupport
import Testing

/// The release tarball as a user gets it: `scripts/install PREFIX --tarball F` into a temporary
/// prefix, then the installed binary run from an empty directory with an empty environment
/// (`env -i`), far from any `.build`. `scripts/test` builds the tarball first (`scripts/release
/// --quiet`) and passes its path in `RATETOP_RELEASE_TARBALL`; building one takes minutes, so this
/// test never does. Without the variable it is skipped with one line (a failure under CI=true).
@Suite(.serialized, .tags(.endToEnd)) struct ReleaseEndToEndTests {
    static let tarball: String? = ProcessInfo.processInfo.environment["RATETOP_RELEASE_TARBALL"].flatMap { $0.isEmpty ? nil : $0 }
    static let envProgram = "/usr/bin/env"

    /// The installed files, relative to the prefix.
    static let installedFiles = [
        "bin/ratetop",
        "share/man/man1/ratetop.1",
        "share/bash-completion/completions/ratetop",
        "share/zsh/site-functions/_ratetop",
        "share/fish/vendor_completions.d/ratetop.fish",
        "share/doc/ratetop/LICENSE",
        "share/doc/ratetop/README.md",
        "share/doc/ratetop/THIRD-PARTY-NOTICES",
        "share/ratetop/contrib/systemd/ratetop.service",
        "share/ratetop/contrib/systemd/ratetop.env",
        "share/ratetop/contrib/prometheus/ratetop-rules.yml",
        "share/ratetop/contrib/prometheus/ratetop-rules.test.yml",
        "share/ratetop/contrib/grafana/ratetop-dashboard.json",
    ]

    @Test(.enabled(if: tarball != nil || ExternalTool.onCI,
                   "RATETOP_RELEASE_TARBALL is not set (scripts/test sets it after scripts/release; RATETOP_SKIP_RELEASE=1 skips it); skipped"),
          .timeLimit(.minutes(3)))
    func theInstalledReleaseRunsFromAnEmptyEnvironment() throws {
        guard let tarball = Self.tarball else {
            Issue.record("RATETOP_RELEASE_TARBALL is not set: run scripts/test (it builds the tarball with scripts/release)")
            return
        }
        try #require(FileManager.default.fileExists(atPath: tarball), "no tarball at \(tarball)")
        let name = URL(fileURLWithPath: tarball).lastPathComponent
        #expect(name.hasPrefix("ratetop-") && name.contains("-linux-") && name.hasSuffix(".tar.gz"), "\(name)")

        let scratch = Scratch()
        let prefix = scratch.file("prefix")
        let install = try runTool(packageRoot + "/scripts/install", [prefix, "--tarball", tarball])
        try #require(install.status == 0, "scripts/install failed: \(install.output)")
        for file in Self.installedFiles {
            let path = prefix + "/" + file
            #expect(FileManager.default.fileExists(atPath: path), "not installed: \(file)")
            #expect(install.output.contains(path), "scripts/install did not say it installed \(path): \(install.output)")
        }
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/ratetop"))
        let manual = (try? String(contentsOfFile: prefix + "/share/man/man1/ratetop.1", encoding: .utf8)) ?? ""
        #expect(manual.contains(".Dt RATETOP 1") && manual.contains(".Sh NAME") && manual.contains("replay"), "\(manual.prefix(300))")
        let bash = (try? String(contentsOfFile: prefix + "/share/bash-completion/completions/ratetop", encoding: .utf8)) ?? ""
        #expect(bash.contains("complete") && bash.contains("replay"), "\(bash.prefix(300))")

        // The binary: stripped, the Swift runtime inside, no resource bundle to look for.
        let binary = try Data(contentsOf: URL(fileURLWithPath: prefix + "/bin/ratetop"))
        let bundles = Self.bundleNames(in: binary)
        #expect(bundles.isEmpty, "the binary still looks for a resource bundle (Bundle.module): \(bundles)")
        let file = try runTool("/usr/bin/file", ["-L", prefix + "/bin/ratetop"])
        if file.status == 0 { #expect(file.output.contains("stripped") && !file.output.contains("not stripped"), "\(file.output)") }
        let libraries = try runTool("/usr/bin/ldd", [prefix + "/bin/ratetop"])
        #expect(!libraries.output.contains("libswift") && !libraries.output.contains("libFoundation"), "\(libraries.output)")

        // Run from an empty directory with nothing of ours in the environment.
        let home = scratch.file("empty")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        func installed(_ arguments: [String]) throws -> ToolRun {
            try runTool(Self.envProgram, ["-i", "-C", home, prefix + "/bin/ratetop"] + arguments, timeout: 60)
        }

        let version = try installed(["--version"])
        #expect(version.status == 0, "\(version.output)")
        let first = version.output.split(separator: "\n").first.map(String.init) ?? ""
        let words = first.split(separator: " ").map(String.init)
        #expect(words.count >= 2 && words[0] == "ratetop", "--version: \(version.output)")
        if words.count >= 2 {
            let number = words[1].hasPrefix("v") ? String(words[1].dropFirst()) : words[1]
            #expect(name.hasPrefix("ratetop-\(number)-linux-"), "the tarball \(name) is not named for the binary's version \(number)")
        }

        let limits = try installed(["limits"])
        #expect(limits.status == 0, "\(limits.output)")
        #expect(limits.output.contains("sonnet"), "\(limits.output.prefix(600))")

        // The bundled sample, compiled in: a Tier 1 team's day on two classes.
        let demo = try installed(["demo", "--headless"])
        #expect(demo.status == 0, "\(demo.output.suffix(600))")
        let demoSummary = Self.summary(in: demo.output)
        #expect((demoSummary?["lines"] as? NSNumber)?.intValue == 3291, "\(demo.output.suffix(600))")
        #expect((demoSummary?["buckets"] as? [Any])?.count == 2, "\(demo.output.suffix(600))")

        _ = scratch.write("empty/small.jsonl", sampleLog)
        let replay = try installed(["replay", "small.jsonl", "--headless", "--tier", "tier1"])
        #expect(replay.status == 0, "\(replay.output)")
        let summary = Self.summary(in: replay.output)
        #expect(summary?["type"] as? String == "summary", "\(replay.output)")
        #expect((summary?["lines"] as? NSNumber)?.intValue == 4, "\(replay.output)")

        // The unit as installed, pointed at the installed binary, with the man page it documents.
        if let analyze = ExternalTool.systemdAnalyze.path {
            let text = (try? String(contentsOfFile: prefix + "/share/ratetop/contrib/systemd/ratetop.service", encoding: .utf8)) ?? ""
            let unit = scratch.write("ratetop.service", text.replacingOccurrences(of: "/usr/local/bin/ratetop", with: prefix + "/bin/ratetop"))
            let verify = try runTool(analyze, ["verify", unit],
                                     environment: ["PATH=/usr/bin:/bin", "MANPATH=\(prefix)/share/man"])
            #expect(verify.status == 0 && verify.output.isEmpty, "\(verify.output)")
        }

        // And away again.
        let uninstall = try runTool(packageRoot + "/scripts/install", [prefix, "--uninstall"])
        #expect(uninstall.status == 0, "\(uninstall.output)")
        let left = FileManager.default.enumerator(atPath: prefix)?.compactMap { $0 as? String }
            .filter { !FileManager.default.isDirectory(atPath: prefix + "/" + $0) } ?? []
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// The last `summary` object among the JSON lines of an output (stderr is mixed in).
    static func summary(in output: String) -> [String: Any]? {
        output.split(separator: "\n").reversed().compactMap { jsonObject(String($0)) }.first { $0["type"] as? String == "summary" }
    }

    /// Names like `ratetop_RatetopIO.resources` in the binary: a `Bundle.module` accessor, which
    /// looks for its resources beside the build and traps when they are gone.
    static func bundleNames(in binary: Data) -> [String] {
        var names: [String] = []
        var start = binary.startIndex
        while let found = binary.range(of: Data(".resources".utf8), in: start..<binary.endIndex) {
            let before = binary[max(binary.startIndex, found.lowerBound - 48)..<found.upperBound]
            let text = String(decoding: before, as: UTF8.self)
            if let range = text.range(of: "ratetop_") { names.append(String(text[range.lowerBound...])) }
            start = found.upperBound
        }
        return names
    }
}

extension FileManager {
    func isDirectory(atPath path: String) -> Bool {
        var directory: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}

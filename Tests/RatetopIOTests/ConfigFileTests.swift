import Foundation
import RatetopCore
import Testing
@testable import RatetopIO
import RatetopTestSupport

/// `ConfigFile`: reading the file and resolving its paths.
@Suite(.tags(.unit)) struct ConfigFileLoadingTests {
    @Test func pathsResolveAgainstTheFilesDirectoryAndHome() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("config.yaml", "limits: ./limits.yaml\nsources: [~/logs/*.jsonl, /var/log/a.jsonl, logs/b.jsonl, \"-\"]\n")
        _ = directory.write("limits.yaml", "limits:\n  sonnet-4.x: [100, 1000, 100]\n")
        let loaded = try ConfigFile.load(path: path, environment: ["HOME": "/home/me"])
        #expect(loaded.limitsPath == (directory.path as NSString).appendingPathComponent("limits.yaml"))
        #expect(loaded.sources == ["/home/me/logs/*.jsonl", "/var/log/a.jsonl",
                                   (directory.path as NSString).appendingPathComponent("logs/b.jsonl"), "-"])
        #expect(ConfigFile.defaultPath(environment: ["HOME": "/home/me"]) == "/home/me/.config/ratetop/config.yaml")
    }

    @Test func aLimitsFileThatDoesNotLoadIsReportedAtItsKey() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("config.yaml", "# x\nlimits: ./missing.yaml\n")
        #expect {
            _ = try ConfigFile.load(path: path)
        } throws: { error in
            (error as? ConfigError)?.description.contains("config.yaml:2: limits: --limits") == true
        }
    }
}

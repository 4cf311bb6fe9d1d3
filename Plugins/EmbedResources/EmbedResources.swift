import Foundation
import PackagePlugin

/// Compiles a target's `Resources/` files into its code: `ratetop-embed` writes them as string
/// constants of `EmbeddedResources`, so the binary needs no resource bundle at run time (a copied
/// or installed `ratetop` has no `.build` beside it, and `Bundle.module` traps without one).
@main
struct EmbedResources: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let resources = target.directoryURL.appending(path: "Resources")
        let names = try FileManager.default.contentsOfDirectory(atPath: resources.path(percentEncoded: false))
            .filter { !$0.hasPrefix(".") }.sorted()
        let inputs = names.map { resources.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedResources.swift")
        return [.buildCommand(
            displayName: "Embedding \(names.joined(separator: ", ")) into \(target.name)",
            executable: try context.tool(named: "ratetop-embed").url,
            arguments: [output.path(percentEncoded: false)] + inputs.map { $0.path(percentEncoded: false) },
            inputFiles: inputs,
            outputFiles: [output])]
    }
}

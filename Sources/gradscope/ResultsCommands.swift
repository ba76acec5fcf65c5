import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// `gradscope export`: rewrite the CSV files and manifest of a results folder from its store.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Rewrite the CSV files (runs, layers, summary; training and spectra where present) and manifest.json of "
            + "a results folder."
    )

    @Argument(help: "Results folders (each holds results.sqlite).", completion: .directory)
    var folders: [String]

    func run() throws {
        for folder in folders { try ResultsMaintenance.export(folder: folder) }
    }
}

/// `gradscope merge`: join the shard folders of one sweep into one results folder.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join shard results folders of one sweep into OUTPUT/<name>/.",
        discussion:
            "Refuses folders written for different configs or by a gradscope of another numerics revision, and names "
            + "the cells whose runs are missing."
    )

    @Argument(help: "Shard results folders (each holds results.sqlite).", completion: .directory)
    var folders: [String]
    @Option(help: "Folder for the merged results (the experiment's subfolder is created in it).")
    var output = "results"
    @Flag(help: "Replace an existing merged folder.")
    var force = false

    func run() throws {
        let merged = try ResultsMaintenance.merge(folders: folders, output: output, force: force)
        if let mixed = merged.mixed { standardError(mixed.description) }
        standardError("merged \(folders.count) folders -> \(merged.folder)")
    }
}

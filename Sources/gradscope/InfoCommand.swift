import ArgumentParser
import Foundation
import GradScopeCore

/// `gradscope info`: the version, the BLAS and the kernels it runs (who chose them and why), the CPU's
/// features and the threads: what a results folder's manifest records of this machine, before a sweep.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print gradscope's version, the BLAS, its kernel set (core) and why, the CPU and the threads.",
        discussion: "One `key: value` per line. --blas-core (any command) changes the core; see gradscope --help."
    )

    func run() {
        let choice = BLASLibrary.coreChoice, processor = Processor.current
        let best = BLASCore.best(for: processor.features)
        let lines: [(String, String)] = [
            ("gradscope", "\(gradscopeVersion) (numerics revision \(numericsRevision))"),
            ("BLAS", BLASLibrary.configuration),
            ("BLAS core", choice.core),
            ("chosen by", choice.chosenBy.rawValue),
            ("why", choice.reason),
            ("OpenBLAS's own choice", choice.libraryCore),
            ("CPU", processor.description),
            ("CPU features", processor.features.names.joined(separator: " ")),
            ("best kernels for this CPU", "\(best.name) (\(best.level.label))"),
            (
                "cores --blas-core accepts here",
                BLASCore.selectable(on: processor.features).map(\.name).joined(separator: ", ")
            ),
            ("threads", "\(machineCores) cores; OpenBLAS 1 thread per call, the runs in flight share \(machineCores)"),
        ]
        for (key, value) in lines { print("\(key): \(value)") }
    }
}

import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// `gradscope validate`: check configs and estimate their work, without running anything.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract:
            "Check experiment configs; print cells, runs, estimated GFLOP and peak memory per run, and warn of CSV "
            + "files too long for a spreadsheet."
    )

    @OptionGroup var configs: ConfigArguments
    @Option(help: "Check memory for this many parallel runs (as run --jobs).")
    var jobs = 1

    func run() throws {
        let experiments = try configs.load()
        let available = MachineMemory.available
        for e in experiments {
            let runs = e.cells.count * e.seeds.count
            let peak = e.peakEstimate.map { Format.bytes($0.bytes) } ?? "-"
            let axes = e.axes.isEmpty ? "no axes" : "axes " + e.axes.joined(separator: " x ")
            print(
                "\(e.file): \(e.name): \(e.cells.count) cells x \(e.seeds.count) seeds = \(runs) runs (\(axes)); "
                    + "about \(String(format: "%.1f", e.totalFlops / 1e9)) GFLOP; peak memory per run \(peak)"
                    + (available.map { " of \(Format.bytes($0)) available" } ?? ""))
            if let warning = e.spreadsheetWarning { print(warning) }
        }
        let memoryErrors = experiments.compactMap { $0.memoryCheck(jobs: jobs, available: available) }
        guard memoryErrors.isEmpty else { throw ConfigErrors(memoryErrors) }
    }
}

import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// `gradscope run`: run sweeps into results folders, resumable and shardable.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the sweeps of one or more experiment configs.",
        discussion: """
            Results go to OUTPUT/<name>/: results.sqlite (every finished run, one transaction each), \
            runs.csv, layers.csv, summary.csv and manifest.json, plus training.csv and training_summary.csv \
            with a train object (and filters.csv when a conv net trains on images, coordinates.csv and \
            width_scaling.csv when cells of several widths train, learning_rates.csv when cells differ only \
            in the learning rate) and spectra.csv and spectra_histogram.csv with jacobian: true \
            (`gradscope report` draws them). Ctrl-C stops after the runs in flight; \
            --resume continues. Without --jobs gradscope runs one run per core (fewer when the sweep has \
            fewer weight families, or of a few large families fewer groups of runs that share a forward \
            pass, or memory is short) and gives the cores that runs leave idle to their matrix products; \
            the numbers do not depend on either choice.
            """
    )

    @OptionGroup var configs: ConfigArguments
    @Option(name: .long, help: "Folder for the results (one subfolder per experiment).")
    var output = "results"
    @Option(
        help:
            "Runs in parallel (default: chosen from the cells and the cores; the products of each use the cores left).")
    var jobs: Int?
    @Option(help: "Run only shard K of N (K in 0..N-1): a fixed subset of the cells, for job arrays.")
    var shard: String?
    @Flag(
        help: ArgumentHelp(
            "Continue an interrupted sweep in an existing results folder (refused if its config changed or another "
                + "numerics revision wrote it).")
    )
    var resume = false
    @Flag(help: "Delete existing results of these experiments and start afresh.")
    var force = false
    @Flag(help: "No progress line and no closing summary.")
    var quiet = false

    func validate() throws {
        if let jobs, !(1...1024).contains(jobs) { throw ValidationError("--jobs must be in 1 ... 1024, got \(jobs)") }
        guard !(resume && force) else { throw ValidationError("--resume and --force exclude each other") }
        if let shard, case .failure(let why) = Shard.parse(shard) {
            throw ValidationError("--shard: \(why.description)")
        }
    }

    func run() throws {
        var options = RunOptions()
        options.output = output
        options.jobs = jobs
        options.shard = shard.flatMap { try? Shard.parse($0).get() } ?? .whole
        options.resume = resume
        options.force = force
        let bar = !quiet && isatty(STDERR_FILENO) == 1 ? ProgressBar() : nil
        if let bar { options.progress = { snapshot in bar.draw(snapshot) } }
        options.stopRequested = { Interrupt.isRequested }
        let experiments = try configs.load()
        let memoryErrors = experiments.compactMap {
            $0.memoryCheck(jobs: jobs ?? 1, available: MachineMemory.available)
        }
        guard memoryErrors.isEmpty else { throw ConfigErrors(memoryErrors) }
        let runners = experiments.map { SweepRunner(experiment: $0, options: options) }
        for runner in runners { if let mixed = try runner.checkFolder() { standardError(mixed.description) } }
        for warning in experiments.compactMap(\.spreadsheetWarning) { standardError(warning) }
        BLASLibrary.configure(threads: machineCores)
        Interrupt.install()
        for runner in runners {
            let outcome = try runner.run()
            bar?.finish()
            if !quiet {
                let verb = outcome.interrupted ? "stopped" : "done", time = Format.duration(outcome.seconds)
                standardError(
                    "\(outcome.name): \(verb), \(outcome.runsDone) of \(outcome.runsTotal) runs this time (\(time)) "
                        + "-> \(outcome.folder)")
            }
            if outcome.interrupted {
                throw RunFailure.failed("interrupted; what finished is saved: rerun with --resume to continue")
            }
        }
    }
}

/// Writes a line to stderr.
func standardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

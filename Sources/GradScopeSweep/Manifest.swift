import GradScopeCore
import GradScopeResults
import Foundation

/// The sweep layer fills in the manifest (`GradScopeResults.Manifest`) of a results folder.
extension Manifest {
    /// The manifest of `experiment` as `store` holds it, written by the invocation `run`.
    init(_ experiment: Experiment, store: ResultStore, runs: [RunRecord], run: RunContext) throws {
        self.init()
        var seconds = [Int: Double]()
        for r in runs { seconds[r.cellIndex, default: 0] += r.seconds }
        (name, description, configFile) = (experiment.name, experiment.description, experiment.file)
        (configHash, config) = (experiment.configHash, experiment.document)
        (axes, seeds) = (experiment.axes, experiment.seeds)
        cells = experiment.cells.map { cell in
            GridCell(
                id: cell.id.description, index: cell.index, parameters: cell.draft.columns, seconds: seconds[cell.index]
            )
        }
        (runsDone, runsTotal) = (runs.count, experiment.cells.count * experiment.seeds.count)
        (gradscopeVersion, numericsRevision) = (
            GradScopeCore.gradscopeVersion, try ResultsFolder.numericsRevision(of: store)
        )
        (blasConfig, blasCore, coresOfRuns) = (
            BLASLibrary.configuration, BLASLibrary.coreName, try ResultsFolder.blasCores(of: store)
        )
        let choice = BLASLibrary.coreChoice
        (blasCoreChosenBy, blasCoreReason, blasLibraryCore) = (
            choice.chosenBy.rawValue, choice.reason, choice.libraryCore
        )
        (processor, processorFeatures) = (Processor.current.description, Processor.current.features.names)
        (threadsPerRun, jobs) = (run.threadsPerRun, run.jobs)
        let key = ResultsFolder.Key.self
        shard = try store.meta(key.shard) ?? run.shard.description
        started = try store.meta(key.started) ?? ""
        finished = try store.meta(key.finished) ?? ""
    }

    /// Now, as an ISO 8601 UTC time stamp.
    static var now: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}

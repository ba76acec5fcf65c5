import GradScopeCore
import GradScopeResults
import Foundation

/// Export and merge of existing results folders.
public enum ResultsMaintenance {
    /// Rewrites the CSV files and manifest of the results folder at `folder`.
    public static func export(folder path: String) throws {
        let folder = ResultsFolder(url: URL(fileURLWithPath: path))
        let (store, experiment) = try folder.openExisting()
        let shard = try store.meta(ResultsFolder.Key.shard).flatMap { try? Shard.parse($0).get() } ?? .whole
        try folder.export(experiment, store: store, run: RunContext(jobs: 1, threadsPerRun: BLASLibrary.threadsPerRun, shard: shard))
    }

    /// Joins shard folders of one sweep into `<output>/<name>/`; returns that folder's path and a warning
    /// when the shards were computed with different BLAS cores.
    public static func merge(folders paths: [String], output: String, force: Bool) throws -> (folder: String, warning: String?) {
        guard !paths.isEmpty else { throw RunFailure.usage("merge needs at least one results folder") }
        var experiment: Experiment?
        var runs = [RunKey: RunRecord]()
        var started = [String]()
        var revision: Int?
        var cores = [String]()
        for path in paths {
            let (store, e) = try ResultsFolder(url: URL(fileURLWithPath: path)).openExisting()
            if let first = experiment, first.configHash != e.configHash || first.name != e.name {
                throw RunFailure.usage("\(path) holds results of a different config (\(e.name), \(e.configHash)) than \(paths[0]) (\(first.name), \(first.configHash)); merge only shards of one sweep")
            }
            let shardRevision = try ResultsFolder.numericsRevision(of: store)
            if let first = revision, first != shardRevision {
                throw RunFailure.usage("\(path) was computed with numerics revision \(shardRevision), \(paths[0]) with revision \(first): their numbers differ in the last digits; rerun the older shards with --force and merge again")
            }
            revision = shardRevision
            experiment = e
            for run in try store.allRuns() where runs[RunKey(cellIndex: run.cellIndex, seed: run.seed)] == nil {
                runs[RunKey(cellIndex: run.cellIndex, seed: run.seed)] = run  // shards may overlap; runs are identical
            }
            started += try store.meta(ResultsFolder.Key.started).map { [$0] } ?? []
            for core in try ResultsFolder.blasCores(of: store) where !cores.contains(core) { cores.append(core) }
        }
        guard let experiment else { throw RunFailure.usage("no results folders given") }
        let missing = experiment.cells.filter { cell in experiment.seeds.contains { runs[RunKey(cellIndex: cell.index, seed: $0)] == nil } }
        guard missing.isEmpty else {
            let names = missing.prefix(10).map(\.id.description).joined(separator: ", ") + (missing.count > 10 ? ", ..." : "")
            throw RunFailure.failed("\(missing.count) of \(experiment.cells.count) cells have missing runs (\(names)); finish their shards (run them again with --resume) and merge again")
        }
        let folder = ResultsFolder(output: output, name: experiment.name)
        if folder.hasStore {
            guard force else { throw RunFailure.usage("\(folder.url.path) already exists; use --force to replace it") }
            try folder.clear()
        }
        try folder.create()
        let store = try ResultStore(path: folder.storePath)
        try store.setMeta([
            ResultsFolder.Key.configHash: experiment.configHash, ResultsFolder.Key.configText: experiment.document.serialized(),
            ResultsFolder.Key.configFile: experiment.file, ResultsFolder.Key.shard: Shard.whole.description,
            ResultsFolder.Key.version: gradscopeVersion, ResultsFolder.Key.started: started.min() ?? Manifest.now,
            ResultsFolder.Key.finished: Manifest.now, ResultsFolder.Key.numerics: "\(revision ?? numericsRevision)",
            ResultsFolder.Key.blasCores: cores.joined(separator: ","),
        ])
        try store.record(runs.values.sorted { ($0.cellIndex, $0.seed) < ($1.cellIndex, $1.seed) })
        try folder.export(experiment, store: store, run: RunContext(jobs: 1, threadsPerRun: BLASLibrary.threadsPerRun, shard: .whole))
        return (folder.url.path, cores.count > 1 ? ResultsFolder.mixedCoresWarning(folder.url.path, cores) : nil)
    }
}

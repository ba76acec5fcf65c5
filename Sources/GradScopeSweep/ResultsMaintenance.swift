import GradScopeCore
import GradScopeResults
import Foundation

/// Export and merge of existing results folders.
package enum ResultsMaintenance {
    /// Rewrites the CSV files and manifest of the results folder at `folder`.
    package static func export(folder path: String) throws {
        let folder = ResultsFolder(url: URL(fileURLWithPath: path))
        let (store, experiment) = try folder.openExisting()
        let shard = try store.meta(ResultsFolder.Key.shard).flatMap { try? Shard.parse($0).get() } ?? .whole
        try folder.export(
            experiment, store: store, run: RunContext(jobs: 1, threadsPerRun: BLASLibrary.threadsPerRun, shard: shard))
    }

    /// Joins shard folders of one sweep into `<output>/<name>/`; returns that folder's path, and the cores
    /// when the shards were computed with different BLAS cores. Throws `FolderConflict`.
    package static func merge(folders paths: [String], output: String, force: Bool) throws -> (
        folder: String, mixed: MixedBLASCores?
    ) {
        guard !paths.isEmpty else { throw RunFailure.usage("merge needs at least one results folder") }
        var experiment: Experiment?
        var runs = [RunKey: RunRecord]()
        var started = [String]()
        var revision: Int?
        var cores = [String]()
        for path in paths {
            let (store, e) = try ResultsFolder(url: URL(fileURLWithPath: path)).openExisting()
            if let first = experiment, first.configHash != e.configHash || first.name != e.name {
                throw FolderConflict.otherConfig(
                    path: path, name: e.name, hash: e.configHash, firstPath: paths[0], firstName: first.name,
                    firstHash: first.configHash)
            }
            let shardRevision = try ResultsFolder.numericsRevision(of: store)
            if let first = revision, first != shardRevision {
                throw FolderConflict.shardRevisions(
                    path: path, revision: shardRevision, firstPath: paths[0], firstRevision: first)
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
        let missing = experiment.cells.filter { cell in
            experiment.seeds.contains { runs[RunKey(cellIndex: cell.index, seed: $0)] == nil }
        }
        guard missing.isEmpty else {
            throw FolderConflict.missingRuns(
                count: missing.count, cells: experiment.cells.count, examples: missing.prefix(10).map(\.id.description))
        }
        let folder = ResultsFolder(output: output, name: experiment.name)
        if folder.hasStore {
            guard force else { throw FolderConflict.outputExists(folder: folder.url.path) }
            try folder.clear()
        }
        try folder.create()
        let store = try ResultStore(path: folder.storePath)
        try store.setMeta([
            ResultsFolder.Key.configHash: experiment.configHash,
            ResultsFolder.Key.configText: experiment.document.serialized(),
            ResultsFolder.Key.configFile: experiment.file, ResultsFolder.Key.shard: Shard.whole.description,
            ResultsFolder.Key.version: gradscopeVersion, ResultsFolder.Key.started: started.min() ?? Manifest.now,
            ResultsFolder.Key.finished: Manifest.now, ResultsFolder.Key.numerics: "\(revision ?? numericsRevision)",
            ResultsFolder.Key.blasCores: cores.joined(separator: ","),
        ])
        try store.record(runs.values.sorted { ($0.cellIndex, $0.seed) < ($1.cellIndex, $1.seed) })
        try folder.export(
            experiment, store: store, run: RunContext(jobs: 1, threadsPerRun: BLASLibrary.threadsPerRun, shard: .whole))
        return (folder.url.path, cores.count > 1 ? MixedBLASCores(folder: folder.url.path, cores: cores) : nil)
    }
}

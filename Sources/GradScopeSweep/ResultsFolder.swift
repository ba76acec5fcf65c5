import GradScopeCore
import GradScopeResults
import Foundation

/// `<output>/<name>/`: a sweep's results folder, its store and its exports.
package struct ResultsFolder: Sendable {
    package let url: URL

    package init(output: String, name: String) {
        url = URL(fileURLWithPath: output).appendingPathComponent(name)
    }

    package init(url: URL) { self.url = url }

    package var storePath: String { url.appendingPathComponent(ResultStore.fileName).path }
    package var hasStore: Bool { FileManager.default.fileExists(atPath: storePath) }

    /// Everything gradscope writes into the folder (the store and its WAL files, the exports).
    var ownedFiles: [String] {
        [ResultStore.fileName, ResultStore.fileName + "-wal", ResultStore.fileName + "-shm", Manifest.fileName]
            + Export.files
    }

    /// Deletes what gradscope wrote here (for --force); other files stay.
    func clear() throws {
        for name in ownedFiles {
            let path = url.appendingPathComponent(name).path
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        }
    }

    func create() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// Meta keys of the store.
    enum Key {
        static let configHash = "config_hash", configText = "config_text", configFile = "config_file"
        static let shard = "shard", version = "gradscope_version", started = "started", finished = "finished"
        static let numerics = "numerics_revision"
        /// The OpenBLAS cores (`openblas_get_corename()`) whose runs the store holds, comma-separated, in order of
        /// first use.
        static let blasCores = "blas_cores"
    }

    /// The BLAS cores whose runs `store` holds (empty for a store written before gradscope recorded them).
    static func blasCores(of store: ResultStore) throws -> [String] {
        try store.meta(Key.blasCores).map { $0.split(separator: ",").map(String.init) } ?? []
    }

    /// Records that runs of this machine's BLAS core go into `store`.
    static func recordBLASCore(in store: ResultStore) throws {
        let cores = try blasCores(of: store), core = BLASLibrary.coreName
        guard !cores.contains(core) else { return }
        try store.setMeta([Key.blasCores: (cores + [core]).joined(separator: ",")])
    }

    /// The numerics revision of the runs in `store` (1 when it predates the key).
    static func numericsRevision(of store: ResultStore) throws -> Int {
        try store.meta(Key.numerics).flatMap(Int.init) ?? 1
    }

    /// Opens the store and the experiment it was written for (from the config text it keeps).
    func openExisting() throws -> (ResultStore, Experiment) {
        guard hasStore else {
            throw RunFailure.usage("\(url.path) holds no \(ResultStore.fileName): not a gradscope results folder")
        }
        let store = try ResultStore(path: storePath)
        guard let text = try store.meta(Key.configText), let file = try store.meta(Key.configFile) else {
            throw RunFailure.failed("\(storePath) has no stored config: it was not finished being created")
        }
        do {
            return (store, try ExperimentLoader.load(bytes: Array(text.utf8), file: file))
        } catch {
            throw RunFailure.failed("\(storePath): its stored config no longer loads: \(error)")
        }
    }

    /// Writes the CSV files and manifest.json from the store. `theories` may have been started earlier (a sweep
    /// starts them with its runs); by default they start here and run while the store is read.
    func export(
        _ experiment: Experiment, store: ResultStore, run: RunContext, theories pending: PendingTheories? = nil
    ) throws {
        let pending = pending ?? PendingTheories(experiment)
        let runs = try store.allRuns()
        let theories = pending.value
        let cells = experiment.cells.map {
            CellColumns(
                index: $0.index, id: $0.id.description, depth: $0.cell.depth, width: $0.cell.width,
                parameters: $0.draft.columns,
                trains: $0.draft.training != nil, theory: theories[$0.index], jacobian: $0.draft.jacobian)
        }
        try Export.write(cells: cells, seeds: experiment.seeds, runs: runs, to: url)
        try Manifest(experiment, store: store, runs: runs, run: run).write(to: url)
    }
}

/// How a command failed: `usage` (exit 2: a mistake in the command or config) or `failed` (exit 1).
package enum RunFailure: Error, CustomStringConvertible {
    case usage(String)
    case failed(String)

    package var description: String {
        switch self {
        case .usage(let m), .failed(let m): return m
        }
    }
}

/// Facts about the current invocation that go into the manifest.
package struct RunContext: Sendable {
    package var jobs: Int
    package var threadsPerRun: Int
    package var shard: Shard

    package init(jobs: Int, threadsPerRun: Int, shard: Shard) {
        self.jobs = jobs
        self.threadsPerRun = threadsPerRun
        self.shard = shard
    }
}

import GradScopeCore
import GradScopeResults
import Foundation

/// `manifest.json`: the config as given, the resolved grid, the software and
/// BLAS, start and end times and the seconds each cell took. Timings live only
/// here, so that the CSV files are reproducible to the byte.
enum Manifest {
    static let fileName = ManifestFile.name

    static func document(_ experiment: Experiment, store: ResultStore, runs: [RunRecord], run: RunContext) throws
        -> JSONNode
    {
        var seconds = [Int: Double]()
        for r in runs { seconds[r.cellIndex, default: 0] += r.seconds }
        let cells: [JSONNode] = experiment.cells.map { cell in
            .object(
                [("cell", .string(cell.id.description)), ("index", .integer(cell.index))]
                    + cell.draft.columns.map { ($0.key, .string($0.value)) }
                    + [
                        (
                            "seconds",
                            seconds[cell.index].map { .number(($0 * 1000).rounded() / 1000) } ?? JSONNode(.null)
                        )
                    ])
        }
        let key = ResultsFolder.Key.self
        return .object([
            ("name", .string(experiment.name)),
            ("description", .string(experiment.description)),
            ("config_file", .string(experiment.file)),
            ("config_hash", .string(experiment.configHash)),
            ("config", experiment.document),
            (
                "grid",
                .object([
                    ("axes", .array(experiment.axes.map(JSONNode.string))),
                    ("seeds", .array(experiment.seeds.map(JSONNode.integer))),
                    ("cells", .array(cells)),
                ])
            ),
            (
                "runs",
                .object([
                    ("done", .integer(runs.count)),
                    ("total", .integer(experiment.cells.count * experiment.seeds.count)),
                ])
            ),
            ("gradscope_version", .string(gradscopeVersion)),
            ("numerics_revision", .integer(try ResultsFolder.numericsRevision(of: store))),
            (
                "blas",
                .object([
                    ("config", .string(BLASLibrary.configuration)),
                    ("core", .string(BLASLibrary.coreName)),
                    ("cores_of_runs", .array(try ResultsFolder.blasCores(of: store).map(JSONNode.string))),
                    ("openblas_threads", .integer(1)),
                    ("threads_per_run", .integer(run.threadsPerRun)),
                ])
            ),
            ("jobs", .integer(run.jobs)),
            ("shard", .string(try store.meta(key.shard) ?? run.shard.description)),
            ("started", .string(try store.meta(key.started) ?? "")),
            ("finished", .string(try store.meta(key.finished) ?? "")),
        ])
    }

    /// Now, as an ISO 8601 UTC time stamp.
    static var now: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}

import Foundation

/// `manifest.json`: the config as given, the resolved grid, the software and BLAS, start and end
/// times and the seconds each cell took. Timings live only here, so that the CSV files are reproducible
/// to the byte. One type writes it (the sweep layer fills it in) and reads it (the report), objects
/// in their order: the axes in the config's order, the config as the user wrote it.
package struct Manifest: Sendable {
    /// The file's name inside a results folder.
    package static let fileName = "manifest.json"

    /// One cell of the grid: its id, position, parameters as CSV columns, and the seconds its runs took.
    package struct GridCell: Sendable {
        package var id: String
        package var index: Int
        package var parameters: [(key: String, value: String)]
        /// nil while none of its runs has finished.
        package var seconds: Double?

        package init(id: String, index: Int, parameters: [(key: String, value: String)], seconds: Double?) {
            (self.id, self.index, self.parameters, self.seconds) = (id, index, parameters, seconds)
        }
    }

    package var name = "", description = "", configFile = "", configHash = ""
    /// The config as given, members in their order.
    package var config = JSONNode(.object([]))
    /// The swept keys, first (slowest) first.
    package var axes: [String] = []
    package var seeds: [Int] = []
    package var cells: [GridCell] = []
    package var runsDone = 0, runsTotal = 0
    package var gradscopeVersion = "", numericsRevision = 1
    /// `openblas_get_config()`, the core this process's OpenBLAS chose, and the cores whose runs the store holds.
    package var blasConfig = "", blasCore = "", coresOfRuns: [String] = []
    /// Who chose `blasCore` (`openblas`, `gradscope`, `user`), why, and the core OpenBLAS chose by itself.
    package var blasCoreChosenBy = "", blasCoreReason = "", blasLibraryCore = ""
    /// This machine's processor ("GenuineIntel family 6 model 207") and the features its kernels use.
    package var processor = "", processorFeatures: [String] = []
    package var threadsPerRun = 1, jobs = 1
    package var shard = "", started = "", finished = ""

    package init() {}

    /// The manifest as JSON, keys in a fixed order.
    package var document: JSONNode {
        let cells: [JSONNode] = cells.map { cell in
            .object(
                [("cell", .string(cell.id)), ("index", .integer(cell.index))]
                    + cell.parameters.map { ($0.key, .string($0.value)) }
                    + [("seconds", cell.seconds.map { .number(($0 * 1000).rounded() / 1000) } ?? JSONNode(.null))])
        }
        return .object([
            ("name", .string(name)), ("description", .string(description)),
            ("config_file", .string(configFile)), ("config_hash", .string(configHash)), ("config", config),
            (
                "grid",
                .object([
                    ("axes", .array(axes.map(JSONNode.string))), ("seeds", .array(seeds.map(JSONNode.integer))),
                    ("cells", .array(cells)),
                ])
            ),
            ("runs", .object([("done", .integer(runsDone)), ("total", .integer(runsTotal))])),
            ("gradscope_version", .string(gradscopeVersion)), ("numerics_revision", .integer(numericsRevision)),
            (
                "blas",
                .object([
                    ("config", .string(blasConfig)), ("core", .string(blasCore)),
                    ("core_chosen_by", .string(blasCoreChosenBy)), ("core_reason", .string(blasCoreReason)),
                    ("openblas_own_core", .string(blasLibraryCore)),
                    ("cores_of_runs", .array(coresOfRuns.map(JSONNode.string))),
                    ("openblas_threads", .integer(1)), ("threads_per_run", .integer(threadsPerRun)),
                ])
            ),
            (
                "cpu",
                .object([
                    ("processor", .string(processor)), ("features", .array(processorFeatures.map(JSONNode.string))),
                ])
            ),
            ("jobs", .integer(jobs)), ("shard", .string(shard)), ("started", .string(started)),
            ("finished", .string(finished)),
        ])
    }

    /// Writes the manifest into `folder` (atomically).
    package func write(to folder: URL) throws {
        try Data((document.serialized() + "\n").utf8).write(
            to: folder.appendingPathComponent(Self.fileName), options: .atomic)
    }

    /// Reads `folder`'s manifest; keys an older gradscope did not write keep their defaults.
    package init(folder: URL) throws {
        let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(Self.fileName)))
        try self.init(node: try JSONParser.parse(bytes))
    }

    /// The manifest a JSON document describes.
    package init(node m: JSONNode) throws {
        name = m["name"]?.string ?? ""
        description = m["description"]?.string ?? ""
        configFile = m["config_file"]?.string ?? ""
        configHash = m["config_hash"]?.string ?? ""
        config = m["config"] ?? JSONNode(.object([]))
        let grid = m["grid"]
        axes = grid?["axes"]?.elements.compactMap(\.string) ?? []
        seeds = grid?["seeds"]?.elements.compactMap(\.integer) ?? []
        cells = (grid?["cells"]?.elements ?? []).map { node in
            let members = node.members
            let parameters = members.filter { !["cell", "index", "seconds"].contains($0.key) }
                .map { (key: $0.key, value: $0.value.string ?? "") }
            return GridCell(
                id: node["cell"]?.string ?? "", index: node["index"]?.integer ?? 0,
                parameters: parameters, seconds: node["seconds"]?.number)
        }
        runsDone = m["runs"]?["done"]?.integer ?? 0
        runsTotal = m["runs"]?["total"]?.integer ?? 0
        gradscopeVersion = m["gradscope_version"]?.string ?? ""
        numericsRevision = m["numerics_revision"]?.integer ?? 1
        let blas = m["blas"]
        blasConfig = blas?["config"]?.string ?? ""
        blasCore = blas?["core"]?.string ?? ""
        coresOfRuns = blas?["cores_of_runs"]?.elements.compactMap(\.string) ?? []
        blasCoreChosenBy = blas?["core_chosen_by"]?.string ?? ""
        blasCoreReason = blas?["core_reason"]?.string ?? ""
        blasLibraryCore = blas?["openblas_own_core"]?.string ?? ""
        processor = m["cpu"]?["processor"]?.string ?? ""
        processorFeatures = m["cpu"]?["features"]?.elements.compactMap(\.string) ?? []
        threadsPerRun = blas?["threads_per_run"]?.integer ?? 1
        jobs = m["jobs"]?.integer ?? 1
        shard = m["shard"]?.string ?? ""
        started = m["started"]?.string ?? ""
        finished = m["finished"]?.string ?? ""
    }
}

extension JSONNode {
    /// The string, if this is one.
    package var string: String? { if case .string(let s) = value { s } else { nil } }
    /// The number, if this is one.
    package var number: Double? { if case .number(let d, _) = value { d } else { nil } }
    /// The number as an integer, if it is a whole number.
    package var integer: Int? { number.flatMap { $0.rounded() == $0 && abs($0) < 1e15 ? Int($0) : nil } }
    /// The elements, if this is an array (else none).
    package var elements: [JSONNode] { if case .array(let a) = value { a } else { [] } }
    /// The members in order, if this is an object (else none).
    package var members: [JSONMember] { if case .object(let m) = value { m } else { [] } }
}

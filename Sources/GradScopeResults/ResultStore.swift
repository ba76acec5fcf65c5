import GradScopeCore
import Foundation
import GRDB

/// `results.sqlite`: the durable store of a sweep. Each finished run is one
/// transaction, so a sweep killed at any moment loses at most the runs in flight.
package final class ResultStore: Sendable {
    /// The file name inside a results folder.
    package static let fileName = "results.sqlite"

    private let database: DatabaseQueue

    /// Opens (creating if needed) the store at `path`; `readOnly` opens an existing
    /// store without taking any lock a running sweep needs (to watch its progress).
    package init(path: String, readOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.readonly = readOnly
        if !readOnly {
            configuration.prepareDatabase { db in
                // WAL: a commit is atomic and survives kill -9; readers never see half a run.
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        if !readOnly { try Self.migrator.migrate(database) }
    }

    /// A stored status; text that no gradscope writes reads as `nan` (a run whose numbers are not to be used).
    static func status(_ text: String) -> RunStatus { RunStatus(rawValue: text) ?? .nan }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "run") { t in
                t.column("cell_index", .integer).notNull()
                t.column("seed", .integer).notNull()
                t.column("status", .text).notNull()
                t.column("loss", .double)
                t.column("seconds", .double).notNull()
                t.primaryKey(["cell_index", "seed"])
            }
            try db.create(table: "layer") { t in
                t.column("cell_index", .integer).notNull()
                t.column("seed", .integer).notNull()
                t.column("layer", .integer).notNull()
                layerColumns(t)
                t.primaryKey(["cell_index", "seed", "layer"])
            }
        }
        migrator.registerMigration("v2-training") { db in
            try db.create(table: "training_step") { t in
                t.column("cell_index", .integer).notNull()
                t.column("seed", .integer).notNull()
                t.column("step", .integer).notNull()
                t.column("status", .text).notNull()
                for name in ["train_loss", "test_loss", "train_accuracy", "test_accuracy"] { t.column(name, .double) }
                t.primaryKey(["cell_index", "seed", "step"])
            }
            try db.create(table: "training_layer") { t in
                t.column("cell_index", .integer).notNull()
                t.column("seed", .integer).notNull()
                t.column("step", .integer).notNull()
                t.column("layer", .integer).notNull()
                layerColumns(t)
                t.column("relative_update", .double).notNull()
                t.primaryKey(["cell_index", "seed", "step", "layer"])
            }
        }
        migrator.registerMigration("v3-per-example") { db in
            try addScaledNormColumns(perExampleQuantiles.map { "per_example_\($0)" }, to: db)
        }
        migrator.registerMigration("v4-spectrum") { db in
            try db.create(table: "singular_value") { t in
                t.column("cell_index", .integer).notNull()
                t.column("seed", .integer).notNull()
                t.column("rank", .integer).notNull()
                t.column("significand", .double).notNull()
                t.column("exponent", .integer).notNull()
                t.primaryKey(["cell_index", "seed", "rank"])
            }
        }
        migrator.registerMigration("v5-recurrent") { db in
            try addScaledNormColumns(recurrentNormNames.map { "grad_\($0)" }, to: db)
        }
        migrator.registerMigration("v6-correlation") { db in
            for table in ["layer", "training_layer"] {
                try db.alter(table: table) { t in
                    for name in correlationNames { t.add(column: name, .double) }
                }
            }
        }
        migrator.registerMigration("v7-log-ratio-variance") { db in
            try db.alter(table: "run") { t in
                t.add(column: Column.logRatioVariance, .double)
                t.add(column: Column.logRatioMean, .double)
            }
        }
        migrator.registerMigration("v8-filters") { db in
            try db.create(table: "filter_weight") { t in
                for name in ["cell_index", "seed", "step", "filter", "dy", "dx"] { t.column(name, .integer).notNull() }
                t.column("weight", .double).notNull()
                t.primaryKey(["cell_index", "seed", "step", "filter", "dy", "dx"])
            }
        }
        migrator.registerMigration("v9-coordinates") { db in
            try db.create(table: "coordinate") { t in
                for name in ["cell_index", "seed", "step", "layer"] { t.column(name, .integer).notNull() }
                t.column("act_l1", .double).notNull()
                t.column("delta_l1", .double).notNull()
                t.primaryKey(["cell_index", "seed", "step", "layer"])
            }
        }
        return migrator
    }

    /// Adds nullable `<name>_significand` and `<name>_exponent` columns for each name to both layer tables.
    private static func addScaledNormColumns(_ names: [String], to db: Database) throws {
        for table in ["layer", "training_layer"] {
            try db.alter(table: table) { t in
                for name in names {
                    t.add(column: "\(name)_significand", .double)
                    t.add(column: "\(name)_exponent", .integer)
                }
            }
        }
    }

    /// The four gradient norms of a layer, as named in the columns (`LayerRecord.norms` order).
    private static let normNames = GradientNorm.allCases.map(\.rawValue)

    /// The pair-correlation statistics of a layer, as named in the columns.
    static let correlationNames = [Column.correlationMean, Column.correlationStd]

    /// The norms of recurrent steps, as named in the columns (`LayerRecord.recurrentNorms` order).
    private static let recurrentNormNames = RecurrentNorm.allCases.map(\.rawValue)

    /// The quantiles of the per-example gradient norms that are stored, as named in the columns.
    static let perExampleQuantiles = PerExampleQuantile.allCases.map(\.rawValue)

    /// The columns of one layer's numbers: four norms as significand and exponent, then the activation statistics.
    private static func layerColumns(_ t: TableDefinition) {
        for name in normNames {
            t.column("grad_\(name)_significand", .double).notNull()
            t.column("grad_\(name)_exponent", .integer).notNull()
        }
        t.column("act_mean", .double).notNull()
        t.column("act_std", .double).notNull()
        t.column("saturated_fraction", .double).notNull()
    }

    /// The columns `LayerRecord(_:from:)` reads, in its order, as a SELECT list: those of
    /// `layerColumns`, then the per-example quantiles and the recurrent norms (significand, exponent).
    static let layerSelection: String = {
        let pairs = { (names: [String], prefix: String) -> [String] in
            names.flatMap { ["\(prefix)\($0)_significand", "\(prefix)\($0)_exponent"] }
        }
        let columns: [String] =
            pairs(normNames, "grad_") + ["act_mean", "act_std", "saturated_fraction"]
            + pairs(perExampleQuantiles, "per_example_") + pairs(recurrentNormNames, "grad_") + correlationNames
        return columns.joined(separator: ", ")
    }()

    /// The value stored under `key` in the metadata table.
    package func meta(_ key: String) throws -> String? {
        try database.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
    }

    /// Stores metadata (one transaction for all pairs).
    package func setMeta(_ pairs: [String: String]) throws {
        try database.write { db in
            for (key, value) in pairs.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
            }
        }
    }

    /// The runs already stored.
    package func completedRuns() throws -> Set<RunKey> {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT cell_index, seed FROM run")
            return Set(rows.map { RunKey(cellIndex: $0["cell_index"], seed: $0["seed"]) })
        }
    }

    /// Stores one finished run and its layers in one transaction; a run already stored is kept as it is.
    package func record(_ run: RunRecord) throws {
        try database.write { db in try Self.insert(run, into: db) }
    }

    /// Stores many runs in one transaction (used by merge).
    package func record(_ runs: [RunRecord]) throws {
        try database.write { db in
            for run in runs { try Self.insert(run, into: db) }
        }
    }

    private static func insert(_ run: RunRecord, into db: Database) throws {
        let exists =
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM run WHERE cell_index = ? AND seed = ?", arguments: [run.cellIndex, run.seed])
            ?? false
        guard !exists else { return }
        try db.execute(
            sql: """
                INSERT INTO run(cell_index, seed, status, loss, seconds,
                    \(Column.logRatioVariance), \(Column.logRatioMean)) VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                run.cellIndex, run.seed, run.status.rawValue, run.loss, run.seconds, run.logRatioVariance,
                run.logRatioMean,
            ])
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO layer VALUES (\(Array(repeating: "?", count: 26).joined(separator: ", ")))
                """)
        for (i, layer) in run.layers.enumerated() {
            try statement.execute(
                arguments: StatementArguments(
                    [run.cellIndex, run.seed, i + 1] + layer.databaseValues + layer.perExampleValues
                        + layer.recurrentValues + layer.correlationValues))
        }
        try insertTraining(run, into: db)
        let spectrum = try db.makeStatement(sql: "INSERT INTO singular_value VALUES (?, ?, ?, ?, ?)")
        for (rank, sigma) in run.singularValues.enumerated() {
            try spectrum.execute(arguments: [run.cellIndex, run.seed, rank + 1, sigma.significand, sigma.exponent])
        }
    }

    private static func insertTraining(_ run: RunRecord, into db: Database) throws {
        guard !run.training.isEmpty else { return }
        let filterStatement = try db.makeStatement(sql: "INSERT INTO filter_weight VALUES (?, ?, ?, ?, ?, ?, ?)")
        let coordinateStatement = try db.makeStatement(sql: "INSERT INTO coordinate VALUES (?, ?, ?, ?, ?, ?)")
        let stepStatement = try db.makeStatement(sql: "INSERT INTO training_step VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        let layerStatement = try db.makeStatement(
            sql: "INSERT INTO training_layer VALUES (\(Array(repeating: "?", count: 28).joined(separator: ", ")))")
        for point in run.training {
            try stepStatement.execute(arguments: [
                run.cellIndex, run.seed, point.step, point.status.rawValue,
                point.trainLoss, point.testLoss, point.trainAccuracy, point.testAccuracy,
            ])
            for (i, layer) in point.layers.enumerated() {
                let values: [DatabaseValueConvertible?] =
                    [run.cellIndex, run.seed, point.step, i + 1] + layer.databaseValues
                try layerStatement.execute(
                    arguments: StatementArguments(
                        values + [point.relativeUpdates[i]] + layer.perExampleValues + layer.recurrentValues
                            + layer.correlationValues))
            }
            for w in point.filters {
                try filterStatement.execute(arguments: [
                    run.cellIndex, run.seed, point.step, w.filter, w.dy, w.dx, w.weight,
                ])
            }
            for (i, c) in point.coordinates.enumerated() {
                try coordinateStatement.execute(arguments: [
                    run.cellIndex, run.seed, point.step, i + 1, c.actL1, c.deltaL1,
                ])
            }
        }
    }

    /// Every stored run with its layers, ordered by cell index, then seed.
    package func allRuns() throws -> [RunRecord] {
        try database.read { db in
            var layers = [RunKey: [LayerRecord]]()
            let layerRows = try Row.fetchCursor(
                db, sql: "SELECT cell_index, seed, \(Self.layerSelection) FROM layer ORDER BY cell_index, seed, layer")
            while let row = try layerRows.next() {
                layers[RunKey(cellIndex: row[0], seed: row[1]), default: []].append(LayerRecord(row, from: 2))
            }
            let training = try Self.allTraining(db)
            var spectra = [RunKey: [ScaledNorm]]()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM singular_value ORDER BY cell_index, seed, rank") {
                spectra[RunKey(cellIndex: row["cell_index"], seed: row["seed"]), default: []]
                    .append(ScaledNorm(significand: row["significand"], exponent: row["exponent"]))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY cell_index, seed").map { row in
                let key = RunKey(cellIndex: row["cell_index"], seed: row["seed"])
                return RunRecord(
                    cellIndex: key.cellIndex, seed: key.seed, status: ResultStore.status(row["status"]),
                    loss: row["loss"],
                    seconds: row["seconds"], layers: layers[key] ?? [], training: training[key] ?? [],
                    singularValues: spectra[key] ?? [], logRatioVariance: row[Column.logRatioVariance],
                    logRatioMean: row[Column.logRatioMean])
            }
        }
    }

    /// The recorded training steps of every run, in step order with their layers.
    private static func allTraining(_ db: Database) throws -> [RunKey: [TrainingStepRecord]] {
        struct StepKey: Hashable {
            var run: RunKey
            var step: Int
        }
        var layers = [StepKey: [(LayerRecord, Double)]]()
        let layerRows = try Row.fetchCursor(
            db,
            sql: """
                SELECT cell_index, seed, step, relative_update, \(layerSelection)
                    FROM training_layer ORDER BY cell_index, seed, step, layer
                """)
        while let row = try layerRows.next() {
            let key = StepKey(run: RunKey(cellIndex: row[0], seed: row[1]), step: row[2])
            layers[key, default: []].append((LayerRecord(row, from: 4), row[3]))
        }
        var filters = [StepKey: [FilterWeight]]()
        let filterRows = try Row.fetchCursor(
            db, sql: "SELECT * FROM filter_weight ORDER BY cell_index, seed, step, filter, dy, dx")
        while let row = try filterRows.next() {
            let key = StepKey(run: RunKey(cellIndex: row["cell_index"], seed: row["seed"]), step: row["step"])
            filters[key, default: []].append(
                FilterWeight(filter: row["filter"], dy: row["dy"], dx: row["dx"], weight: row["weight"]))
        }
        var coordinates = [StepKey: [Coordinate]]()
        let coordinateRows = try Row.fetchCursor(
            db, sql: "SELECT * FROM coordinate ORDER BY cell_index, seed, step, layer")
        while let row = try coordinateRows.next() {
            let key = StepKey(run: RunKey(cellIndex: row["cell_index"], seed: row["seed"]), step: row["step"])
            coordinates[key, default: []].append(Coordinate(actL1: row["act_l1"], deltaL1: row["delta_l1"]))
        }
        var result = [RunKey: [TrainingStepRecord]]()
        for row in try Row.fetchAll(db, sql: "SELECT * FROM training_step ORDER BY cell_index, seed, step") {
            let key = StepKey(run: RunKey(cellIndex: row["cell_index"], seed: row["seed"]), step: row["step"])
            let stepLayers = layers[key] ?? []
            result[key.run, default: []].append(
                TrainingStepRecord(
                    step: key.step, status: ResultStore.status(row["status"]), trainLoss: row["train_loss"],
                    testLoss: row["test_loss"],
                    trainAccuracy: row["train_accuracy"], testAccuracy: row["test_accuracy"],
                    layers: stepLayers.map(\.0), relativeUpdates: stepLayers.map(\.1), filters: filters[key] ?? [],
                    coordinates: coordinates[key] ?? []))
        }
        return result
    }
}

extension LayerRecord {
    /// A layer's numbers as stored: four (significand, exponent) pairs, then the activation statistics.
    var databaseValues: [DatabaseValueConvertible?] {
        norms.flatMap { [$0.significand, $0.exponent] as [DatabaseValueConvertible?] } + [
            actMean, actStd, saturatedFraction,
        ]
    }

    /// The per-example quantiles as stored: (significand, exponent) pairs, NULL when not recorded.
    var perExampleValues: [DatabaseValueConvertible?] {
        guard perExample.count == ResultStore.perExampleQuantiles.count else {
            return Array(repeating: nil, count: 2 * ResultStore.perExampleQuantiles.count)
        }
        return perExample.flatMap { [$0.significand, $0.exponent] as [DatabaseValueConvertible?] }
    }

    /// The recurrent norms as stored: (significand, exponent) pairs, NULL where the layer has none.
    var recurrentValues: [DatabaseValueConvertible?] {
        recurrentNorms.flatMap { [$0?.significand, $0?.exponent] as [DatabaseValueConvertible?] }
    }

    /// The pair correlation's mean and std as stored, NULL where not recorded.
    var correlationValues: [DatabaseValueConvertible?] { [correlation?.mean, correlation?.std] }

    /// Reads a layer's numbers from the columns of `ResultStore.layerSelection`, which start at
    /// index `first` of `row` (by position: a name lookup per value was most of reading a store).
    init(_ row: Row, from first: Int) {
        let statistics = first + 8, perExampleStart = statistics + 3  // after four (significand, exponent) pairs
        func norm(_ i: Int) -> ScaledNorm {
            ScaledNorm(significand: row[first + 2 * i], exponent: row[first + 2 * i + 1])
        }
        let stored = ResultStore.perExampleQuantiles.indices.compactMap { q -> ScaledNorm? in
            guard let significand: Double = row[perExampleStart + 2 * q],
                let exponent: Int = row[perExampleStart + 2 * q + 1]
            else { return nil }
            return ScaledNorm(significand: significand, exponent: exponent)
        }
        let recurrentStart = perExampleStart + 2 * ResultStore.perExampleQuantiles.count
        func optionalNorm(_ i: Int) -> ScaledNorm? {
            guard let significand: Double = row[recurrentStart + 2 * i],
                let exponent: Int = row[recurrentStart + 2 * i + 1]
            else { return nil }
            return ScaledNorm(significand: significand, exponent: exponent)
        }
        self.init(
            gradW: norm(0), gradB: norm(1), gradZ: norm(2), gradH: norm(3),
            actMean: row[statistics], actStd: row[statistics + 1], saturatedFraction: row[statistics + 2],
            perExample: stored.count == ResultStore.perExampleQuantiles.count ? stored : [],
            gradX: optionalNorm(0), gradC: optionalNorm(1), correlation: Self.correlation(row, from: recurrentStart + 4)
        )
    }

    private static func correlation(_ row: Row, from i: Int) -> PairCorrelation? {
        guard let mean: Double = row[i], let std: Double = row[i + 1] else { return nil }
        return PairCorrelation(mean: mean, std: std)
    }
}

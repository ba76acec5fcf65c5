import GradScopeCore
import Foundation

/// A cell as the exports see it: its id, its depth, and its parameters as columns.
package struct CellColumns: Sendable {
    /// The parameter columns without `key`'s.
    func parameters(except key: String) -> [(key: String, value: String)] { parameters.filter { $0.key != key } }

    package let index: Int
    package let id: String
    package let depth: Int
    /// Units per layer (the pair correlations' sampling error is about 1 / sqrt(width)).
    package let width: Int
    package let parameters: [(key: String, value: String)]
    /// Whether the cell trains (and so has rows in the training tables).
    package let trains: Bool
    /// Mean-field theory's prediction for the cell.
    package let theory: CellTheory?
    /// Whether the cell records the Jacobian's spectrum.
    package let jacobian: Bool

    package init(
        index: Int, id: String, depth: Int, width: Int, parameters: [(key: String, value: String)],
        trains: Bool = false,
        theory: CellTheory? = nil, jacobian: Bool = false
    ) {
        self.jacobian = jacobian
        self.index = index
        self.id = id
        self.depth = depth
        self.width = width
        self.parameters = parameters
        self.trains = trains
        self.theory = theory
    }

    /// The predicted mean log10 ||D_l|| per layer, anchored at the measured mean at layer L (from `profiles`).
    func theoryProfile(_ profiles: [[[Double]]]) -> [Double]? {
        guard let theory, let last = profiles.last.flatMap({ Statistics.mean($0[Export.zIndex]) }) else { return nil }
        return theory.zProfile(anchoredAt: last)
    }
}

/// Writes `runs.csv`, `layers.csv` and `summary.csv` from stored runs: rows in grid
/// order, then seed (in the config's order), then layer, so the bytes depend only on the numbers.
package enum Export {
    /// The file names written (the training and spectra tables only for experiments that have them).
    package static let files =
        ["runs.csv", "layers.csv", "summary.csv"] + TrainingExport.files + WidthScalingExport.files
        + [LearningRateExport.file]
        + SpectraExport.files
    /// The norms aggregated over seeds in layers.csv and summary.csv, with their index in `LayerRecord.norms`.
    static let aggregated: [(GradientNorm, Int)] = [(.w, 0), (.z, 2), (.h, 3)]
    /// The position of z in `aggregated`.
    static let zIndex = 1
    /// The per-example gradient-norm quantiles, as named in the columns.
    static let perExampleNames = PerExampleQuantile.allCases.map(\.rawValue)

    /// Writes the three tables into `directory`, and the training tables when a cell trains.
    package static func write(cells: [CellColumns], seeds: [Int], runs: [RunRecord], to directory: URL) throws {
        let seedOrder = Dictionary(uniqueKeysWithValues: seeds.enumerated().map { ($1, $0) })
        let byCell = Dictionary(grouping: runs, by: \.cellIndex).mapValues { runs in
            runs.sorted { (seedOrder[$0.seed] ?? Int.max, $0.seed) < (seedOrder[$1.seed] ?? Int.max, $1.seed) }
        }
        let present = cells.filter { byCell[$0.index] != nil }
        let profiles = Dictionary(
            uniqueKeysWithValues: present.map { ($0.index, logProfiles(byCell[$0.index] ?? [], depth: $0.depth)) })
        let training = present.filter(\.trains), spectra = present.filter(\.jacobian)
        var tables: [(name: String, build: () -> CSVTable)] = [
            ("runs.csv", { runsTable(present, byCell) }),
            ("layers.csv", { layersTable(present, byCell, profiles) }),
            ("summary.csv", { summaryTable(present, byCell, profiles, seedCount: seeds.count) }),
        ]
        if !training.isEmpty {
            tables += TrainingExport.tables(training, byCell, seedCount: seeds.count)
            tables += WidthScalingExport.tables(training, byCell)
            tables += LearningRateExport.tables(training, byCell)
        }
        if !spectra.isEmpty { tables += SpectraExport.tables(spectra, byCell) }
        // One table at a time, each with its cells' rows built on all cores (`cellTable`): a
        // concurrent map nested in another runs serially, which left the largest table on one core.
        for table in tables { try table.build().write(to: directory.appendingPathComponent(table.name)) }
    }

    /// The cells grouped by every parameter but `key`, in the order of each group's first cell; groups of one cell
    /// left out (width scaling: `width`; learning-rate transfer: `train_learning_rate`).
    static func groups(_ cells: [CellColumns], differingIn key: String) -> [[CellColumns]] {
        var order = [[String]](), members = [[String]: [CellColumns]]()
        for cell in cells {
            let others = cell.parameters(except: key).map(\.value)
            if members[others] == nil { order.append(others) }
            members[others, default: []].append(cell)
        }
        return order.compactMap { members[$0] }.filter { $0.count > 1 }
    }

    static func header(_ cells: [CellColumns]) -> [String] {
        [Column.cell] + (cells.first?.parameters.map(\.key) ?? [])
    }

    static func prefix(_ cell: CellColumns) -> [String?] {
        [cell.id] + cell.parameters.map(\.value)
    }

    /// A table of the cell columns and `columns`: each cell's rows (which `rows` appends after the
    /// cell columns) are built on a core of their own, and joined in the cells' order.
    static func cellTable(
        _ cells: [CellColumns], columns: [String], rows: @Sendable (CellColumns, inout CSVRows) -> Void
    ) -> CSVTable {
        var table = CSVTable(header: header(cells) + columns)
        let width = table.header.count
        let blocks = cells.concurrentMap { cell in
            var block = CSVRows(lead: prefix(cell), width: width)
            rows(cell, &block)
            return block
        }
        for block in blocks { table.append(block) }
        return table
    }

    static func runsTable(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> CSVTable {
        let columns =
            [Column.seed, Column.layer, Column.status, "loss_value"]
            + GradientNorm.allCases.map(Column.norm) + RecurrentNorm.allCases.map(Column.norm)
            + GradientNorm.allCases.map { Column.log10Norm($0) } + RecurrentNorm.allCases.map { Column.log10Norm($0) }
            + ["act_mean", "act_std", "saturated_fraction"]
            + perExampleNames.map { "per_example_grad_norm_\($0)" }
            + perExampleNames.map { "log10_per_example_grad_norm_\($0)" }
            + [Column.correlationMean, Column.correlationStd]
        return cellTable(cells, columns: columns) { cell, rows in
            for run in byCell[cell.index] ?? [] {
                for layer in 1...max(1, cell.depth) {
                    let common = ["\(run.seed)", "\(layer)", run.status.rawValue]
                    guard run.layers.indices.contains(layer - 1) else {
                        rows.append(common + Array(repeating: nil, count: 18 + 2 * perExampleNames.count))
                        continue
                    }
                    let l = run.layers[layer - 1]
                    let perExample =
                        l.perExample.count == perExampleNames.count
                        ? l.perExample.map(Optional.some) : perExampleNames.map { _ in nil }
                    rows.append(
                        common + [CSVTable.number(run.loss)]
                            + l.norms.map { CSVTable.number($0.value) }
                            + l.recurrentNorms.map { CSVTable.number($0?.value) }
                            + l.norms.map { CSVTable.number($0.log10) }
                            + l.recurrentNorms.map { CSVTable.number($0?.log10) }
                            + [l.actMean, l.actStd, l.saturatedFraction].map(CSVTable.number)
                            + perExample.map { CSVTable.number($0?.value) }
                            + perExample.map { CSVTable.number($0?.log10) }
                            + [l.correlation?.mean, l.correlation?.std].map(CSVTable.number))
                }
            }
        }
    }

    /// Per layer (index l - 1), per aggregated norm: the log10 values of the ok seeds.
    static func logProfiles(_ runs: [RunRecord], depth: Int) -> [[[Double]]] {
        let ok = runs.filter { $0.status == .ok && $0.layers.count == depth }
        return (0..<depth).map { l in
            aggregated.map { _, k in ok.compactMap { $0.layers[l].norms[k].log10 } }
        }
    }

    static func layersTable(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]], _ profilesByCell: [Int: [[[Double]]]])
        -> CSVTable
    {
        var columns = [Column.layer, "seeds"]
        for (x, _) in aggregated {
            columns += SeedStatistic.allCases.map { Column.log10Norm(x, $0) } + [Column.geometricMean(x)]
        }
        columns +=
            [Column.actStdMean, Column.saturatedFractionMean, Column.theoryLog10GradZNorm]
            + perExampleNames.map { "log10_per_example_grad_norm_\($0)_mean" }
            + [Column.correlationMean, Column.correlationStd, Column.theoryCorrelation]
        return cellTable(cells, columns: columns) { cell, rows in
            let runs = byCell[cell.index] ?? []
            let ok = runs.filter { $0.status == .ok && $0.layers.count == cell.depth }
            let profiles = profilesByCell[cell.index] ?? []
            let theory = cell.theoryProfile(profiles)
            for layer in 1...max(1, cell.depth) {
                var row: [String?] = ["\(layer)", "\(ok.count)"]
                for values in profiles.indices.contains(layer - 1) ? profiles[layer - 1] : aggregated.map({ _ in [] }) {
                    let mean = Statistics.mean(values)
                    row += [mean, Statistics.sampleStd(values), values.min(), values.max()].map(CSVTable.number)
                    row.append(CSVTable.number(mean.flatMap { $0 > -300 && $0 < 300 ? pow(10, $0) : nil }))
                }
                let stats = ok.map { $0.layers[layer - 1] }
                row += [Statistics.mean(stats.map(\.actStd)), Statistics.mean(stats.map(\.saturatedFraction))].map(
                    CSVTable.number)
                row.append(CSVTable.number(theory.flatMap { $0.indices.contains(layer - 1) ? $0[layer - 1] : nil }))
                row += perExampleNames.indices.map { q in
                    CSVTable.number(
                        Statistics.mean(
                            stats.compactMap { $0.perExample.indices.contains(q) ? $0.perExample[q].log10 : nil }))
                }
                row += [
                    Statistics.mean(stats.compactMap(\.correlation?.mean)),
                    Statistics.mean(stats.compactMap(\.correlation?.std)),
                    cell.theory.flatMap {
                        $0.correlations.indices.contains(layer - 1) ? $0.correlations[layer - 1] : nil
                    },
                ].map(CSVTable.number)
                rows.append(row)
            }
        }
    }

    static func summaryTable(
        _ cells: [CellColumns], _ byCell: [Int: [RunRecord]], _ profilesByCell: [Int: [[[Double]]]], seedCount: Int
    ) -> CSVTable {
        var columns = ["seeds"]
        for (x, _) in aggregated {
            columns += withErrors([Column.log10RatioFirstLast(x), Column.log10GainPerLayer(x)])
        }
        columns += [
            Column.theoryZRatio, Column.theoryZGain, "theory_q_star", "theory_chi_star", "theory_phase",
            "theory_depth_scale",
        ]
        columns += withErrors([Column.correlationLast, Column.correlationDepthScale])
        columns += [Column.theoryCStar, Column.theoryChiC, Column.theoryXiC, Column.sigmaW2, Column.sigmaB2]
        columns += withErrors([Column.logRatioVariance]) + [Column.status]
        return cellTable(cells, columns: columns) { cell, rows in
            let runs = byCell[cell.index] ?? []
            let profiles = profilesByCell[cell.index] ?? []
            let ok = runs.filter { $0.status == .ok && $0.layers.count == cell.depth }
            var row: [String?] = ["\(runs.filter { $0.status == .ok }.count)"]
            for (k, (_, index)) in aggregated.enumerated() {
                let means = profiles.map { Statistics.mean($0[k]) }
                let seedProfiles = ok.map { run in run.layers.map { $0.norms[index].log10 } }
                row += estimate(firstMinusLast(means), seedProfiles.compactMap(firstMinusLast))
                row += estimate(Statistics.gainPerLayer(means), seedProfiles.compactMap(Statistics.gainPerLayer))
            }
            row += theoryColumns(cell, profiles)
            let last = ok.compactMap { $0.layers.last?.correlation?.mean }
            let fixed = cell.theory?.correlationFixedPoint
            let depthScale = fixed.flatMap { fixed in
                CorrelationDepthScale.fit(
                    seeds: ok.map { run in run.layers.map { $0.correlation?.mean } }, fixedPoint: fixed.c,
                    width: cell.width)
            }
            row += estimate(Statistics.mean(last), last)
            row += [depthScale?.value, depthScale?.standardError].map(CSVTable.number)
            row += [
                fixed?.c, fixed?.chi, cell.theory?.correlationDepthScale, cell.theory?.weightVariance,
                cell.theory?.biasVariance,
            ].map(CSVTable.number)
            row += estimate(
                Statistics.pooledVariance(
                    ok.compactMap { run in
                        run.logRatioMean.flatMap { m in run.logRatioVariance.map { (m, $0) } }
                    }),
                ok.compactMap(\.logRatioVariance))
            row.append(CellStatus(runs.map(\.status), complete: runs.count >= seedCount).rawValue)
            rows.append(row)
        }
    }

    /// The value at layer 1 minus that at layer L, where both exist.
    static func firstMinusLast(_ profile: [Double?]) -> Double? {
        guard let first = profile.first ?? nil, let last = profile.last ?? nil else { return nil }
        return first - last
    }

    /// Each column followed by its standard-error column.
    static func withErrors(_ columns: [String]) -> [String] {
        columns.flatMap { [$0, Column.standardError($0)] }
    }

    /// A value fitted or averaged over seeds and its standard error from the per-seed values.
    static func estimate(_ value: Double?, _ perSeed: [Double]) -> [String?] {
        [CSVTable.number(value), CSVTable.number(value == nil ? nil : Statistics.standardError(perSeed))]
    }

    /// The theory columns of summary.csv: the predicted z ratio and gain, q*, chi_1, the phase and the depth scale.
    static func theoryColumns(_ cell: CellColumns, _ profiles: [[[Double]]]) -> [String?] {
        let profile = cell.theoryProfile(profiles)
        let ratio = profile.flatMap { p in p.first.flatMap { first in p.last.map { first - $0 } } }
        return [
            CSVTable.number(ratio), CSVTable.number(profile.flatMap(Statistics.gainPerLayer)),
            CSVTable.number(cell.theory?.fixedPoint), CSVTable.number(cell.theory?.chiAtFixedPoint),
            cell.theory?.phase.rawValue, CSVTable.number(cell.theory?.depthScale),
        ]
    }
}

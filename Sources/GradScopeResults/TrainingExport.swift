import GradScopeCore
import Foundation

/// `training.csv` (one row per cell, seed, recorded step and layer) and
/// `training_summary.csv` (one row per cell) for the cells that train.
enum TrainingExport {
    static let files = ["training.csv", "training_summary.csv", "filters.csv"]

    /// The tables as (file name, builder), for `Export.write` to build and write: `filters.csv` only when a
    /// conv net trained on images.
    static func tables(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]], seedCount: Int) -> [(
        name: String, build: () -> CSVTable
    )] {
        let filtered = cells.filter { cell in
            byCell[cell.index]?.contains { run in run.training.contains { !$0.filters.isEmpty } } ?? false
        }
        return [(files[0], { table(cells, byCell) }), (files[1], { summary(cells, byCell, seedCount: seedCount) })]
            + (filtered.isEmpty ? [] : [(files[2], { filterTable(filtered, byCell) })])
    }

    /// `filters.csv`: one row per (cell, seed, step, filter, dy, dx) of a conv net trained on images, at its first
    /// and last step: the weight K_1[(0, dy, dx), filter] that the filter puts on the image's pixel at (dy, dx).
    static func filterTable(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> CSVTable {
        Export.cellTable(cells, columns: [Column.seed, Column.step, "filter", "dy", "dx", "weight"]) { cell, rows in
            for run in byCell[cell.index] ?? [] {
                for point in run.training {
                    for w in point.filters {
                        rows.append(
                            [
                                "\(run.seed)", "\(point.step)", "\(w.filter)", "\(w.dy)", "\(w.dx)",
                                CSVTable.number(w.weight),
                            ])
                    }
                }
            }
        }
    }

    static func table(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> CSVTable {
        let columns =
            [Column.seed, Column.step, Column.layer, Column.status]
            + ["train_loss", Column.testLoss, "train_accuracy", "test_accuracy"]
            + GradientNorm.allCases.map(Column.norm) + GradientNorm.allCases.map { Column.log10Norm($0) }
            + [Column.relativeUpdate, "act_mean", "act_std", "saturated_fraction"]
        return Export.cellTable(cells, columns: columns) { cell, rows in
            for run in byCell[cell.index] ?? [] {
                for point in run.training {
                    let losses = [point.trainLoss, point.testLoss, point.trainAccuracy, point.testAccuracy].map(
                        CSVTable.number)
                    for layer in 1...max(1, cell.depth) {
                        let common = ["\(run.seed)", "\(point.step)", "\(layer)", point.status.rawValue]
                        guard point.layers.indices.contains(layer - 1) else {
                            rows.append(common + Array(repeating: nil, count: 16))
                            continue
                        }
                        let l = point.layers[layer - 1]
                        rows.append(
                            common + losses + l.norms.map { CSVTable.number($0.value) }
                                + l.norms.map { CSVTable.number($0.log10) }
                                + [point.relativeUpdates[layer - 1], l.actMean, l.actStd, l.saturatedFraction].map(
                                    CSVTable.number))
                    }
                }
            }
        }
    }

    /// The test loss of the best answer that ignores the input, where the task has one: `adding`, 1/6.
    static func baselineTestLoss(_ cell: CellColumns) -> Double? {
        cell.parameters.first { $0.key == Column.trainTask }?.value == TrainingTask.adding.rawValue
            ? AddingProblem.baseline : nil
    }

    /// `beats_baseline` asks for a final test loss below this fraction of the baseline: beyond the held-out
    /// estimate's noise (a standard error of about 4% of 1/6 for a constant answer on 1,024 sequences).
    static let baselineMargin = 0.9

    /// Means over the seeds whose training finished: losses at the first and last step, the
    /// first recorded step whose mean test loss is at most half the initial one, and
    /// log10(relative update of layer 1 / that of layer L) at the last step.
    static func summary(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]], seedCount: Int) -> CSVTable {
        let averaged = [
            "initial_test_loss", "final_train_loss", "final_test_loss", "final_train_accuracy", "final_test_accuracy",
        ]
        let columns =
            ["seeds"] + Export.withErrors(averaged) + ["steps_to_half_test_loss"]
            + Export.withErrors(["log10_update_ratio_first_last"]) + ["baseline_test_loss", "beats_baseline", "status"]
        return Export.cellTable(cells, columns: columns) { cell, rows in
            let runs = byCell[cell.index] ?? []
            let finished = runs.filter { $0.training.last?.status == .ok && !$0.training.isEmpty }
            let curves = finished.map(\.training)
            let steps = curves.first?.map(\.step) ?? []
            let meanTest = steps.indices.map { i in
                Statistics.mean(curves.compactMap { $0.indices.contains(i) ? $0[i].testLoss : nil })
            }
            let initial = meanTest.first ?? nil
            let half = initial.flatMap { start in
                meanTest.firstIndex { ($0 ?? .infinity) <= start / 2 }.map { steps[$0] }
            }
            let last = curves.compactMap(\.last)
            let ratios = last.compactMap { point -> Double? in
                guard let first = point.relativeUpdates.first, let final = point.relativeUpdates.last, first > 0,
                    final > 0
                else { return nil }
                return log10(first / final)
            }
            var row: [String?] = ["\(finished.count)"]
            row += Export.estimate(initial, curves.compactMap { $0.first?.testLoss })
            for value in [\TrainingStepRecord.trainLoss, \.testLoss, \.trainAccuracy, \.testAccuracy] {
                let perSeed = last.compactMap { $0[keyPath: value] }
                row += Export.estimate(Statistics.mean(perSeed), perSeed)
            }
            row.append(half.map { "\($0)" })
            row += Export.estimate(Statistics.mean(ratios), ratios)
            let baseline = baselineTestLoss(cell)
            let finalTest = Statistics.mean(last.compactMap(\.testLoss))
            row += [
                CSVTable.number(baseline),
                baseline.flatMap { b in finalTest.map { $0 < baselineMargin * b ? "true" : "false" } },
            ]
            let statuses = runs.compactMap { $0.training.last?.status }
            row.append(CellStatus(statuses, complete: runs.count >= seedCount).rawValue)
            rows.append(row)
        }
    }
}

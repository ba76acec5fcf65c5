import GradScopeCore
import Foundation

/// `learning_rates.csv`: learning-rate transfer (Yang et al. 2022). For each group of training cells that differ
/// only in `train_learning_rate`, the rate whose final training loss (mean over the seeds that finished) is the
/// lowest; written when some group has more than one rate.
enum LearningRateExport {
    static let file = "learning_rates.csv"
    static let key = "train_learning_rate"

    static func tables(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> [(
        name: String, build: () -> CSVTable
    )] {
        Export.groups(cells, differingIn: key).isEmpty ? [] : [(file, { table(cells, byCell) })]
    }

    /// One row per group: its parameter columns but the rate, `learning_rates` (how many), `best_learning_rate`
    /// and its `log2`, and that cell's mean final training loss with its standard error over seeds.
    static func table(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> CSVTable {
        let parameters = cells.first?.parameters(except: key) ?? []
        var table = CSVTable(
            header: parameters.map(\.key)
                + ["learning_rates", "best_learning_rate", "log2_best_learning_rate"]
                + Export.withErrors(["best_final_train_loss"]))
        for group in Export.groups(cells, differingIn: key) {
            let scored = group.compactMap { cell -> (rate: Double, loss: Double, perSeed: [Double])? in
                let losses = (byCell[cell.index] ?? []).compactMap { run -> Double? in
                    guard let last = run.training.last, last.status == .ok else { return nil }
                    return last.trainLoss
                }
                guard let rate = cell.parameters.first(where: { $0.key == key }).flatMap({ Double($0.value) }),
                    let mean = Statistics.mean(losses)
                else { return nil }
                return (rate, mean, losses)
            }
            let best = scored.min { $0.loss < $1.loss }
            table.append(
                group[0].parameters(except: key).map(\.value)
                    + ["\(group.count)", CSVTable.number(best?.rate), CSVTable.number(best.map { log2($0.rate) })]
                    + Export.estimate(best?.loss, best?.perSeed ?? []))
        }
        return table
    }
}

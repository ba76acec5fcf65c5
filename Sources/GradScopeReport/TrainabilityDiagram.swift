import GradScopeCore
import GradScopeResults
import Foundation

/// Trainability against the correlation depth scale (Schoenholz et al. 2017, Figure 5): when training cells of
/// one activation and one sigma_b^2 form a grid over depth and sigma_w^2, a heat map of log10(final test loss /
/// initial test loss) (blue: learned; 0: nothing learned), depth down and sigma_w^2 across, with theory's
/// curves L = xi_c and L = 6 xi_c over it.
struct TrainabilityDiagram {
    /// training_summary.csv's rows joined with summary.csv's theory columns, by cell.
    let rows: [[String: String]]
    let depths: [Double], weightVariances: [Double]

    init?(summary: [[String: String]], training: [[String: String]]) {
        let theory = Dictionary(summary.map { ($0[Column.cell] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let rows = training.compactMap { row -> [String: String]? in
            guard let id = row[Column.cell], let extra = theory[id] else { return nil }
            return row.merging(extra) { a, _ in a }
        }
        let depths = Array(Set(rows.compactMap { $0.number("depth") })).sorted()
        let w = Array(Set(rows.compactMap { $0.number(Column.sigmaW2) })).sorted()
        guard depths.count >= 2, w.count >= 2, Set(rows.compactMap { $0.number(Column.sigmaB2) }).count == 1,
            Set(rows.compactMap { $0["activation"] }).count == 1
        else { return nil }
        (self.rows, self.depths, weightVariances) = (rows, depths, w)
    }

    func cell(_ i: Int, _ j: Int) -> [String: String]? {
        rows.first { $0.number("depth") == depths[i] && $0.number(Column.sigmaW2) == weightVariances[j] }
    }

    /// The curve L = multiple x xi_c(sigma_w^2) in grid units (depth interpolated linearly between the rows),
    /// split where it leaves the grid's depths.
    func curve(_ multiple: Double) -> [[(x: Double, y: Double)]] {
        var segments = [[(x: Double, y: Double)]](), current = [(x: Double, y: Double)]()
        for j in weightVariances.indices {
            let xi = (0..<depths.count).lazy.compactMap { cell($0, j)?.number(Column.theoryXiC) }.first
            guard let xi, let y = Self.position(multiple * xi, in: depths) else {
                if current.count >= 2 { segments.append(current) }
                current = []
                continue
            }
            current.append((Double(j), y))
        }
        if current.count >= 2 { segments.append(current) }
        return segments
    }

    /// Where `value` lies among ascending `grid` values, in index units; nil outside.
    static func position(_ value: Double, in grid: [Double]) -> Double? {
        guard let first = grid.first, let last = grid.last, value >= first, value <= last else { return nil }
        let i = grid.indices.dropLast().first { grid[$0 + 1] >= value } ?? 0
        return Double(i) + (value - grid[i]) / (grid[i + 1] - grid[i])
    }

    var map: HeatMap {
        let (r, c) = (depths.indices, weightVariances.indices)
        var map = HeatMap(
            title: "Trainability: log10(final / initial test loss); dashed: L = xi_c and L = 6 xi_c (theory)",
            rowLabel: "depth", columnLabel: "sigma_w^2", rows: depths.map { String(Int($0)) },
            columns: weightVariances.map { String(format: "%.3g", $0) },
            values: r.map { i in
                c.map { j in
                    cell(i, j).flatMap { row in
                        guard let end = row.number("final_test_loss"), let start = row.number("initial_test_loss"),
                            end > 0, start > 0
                        else { return nil }
                        return log10(end / start)
                    }
                }
            },
            keys: r.map { i in c.map { j in cell(i, j)?[Column.cell] } })
        map.legend = "blue: the loss fell (the network trains), white: it did not; log10 of the ratio"
        map.lines = curve(1).map { ("L = xi_c", $0) } + curve(6).map { ("L = 6 xi_c", $0) }
        return map
    }
}

extension Report {
    /// The trainability figure, when the training results form its grid.
    func trainabilityFigure() -> Figure? {
        let training = tables.trainingSummary
        guard let diagram = TrainabilityDiagram(summary: tables.summary, training: training) else { return nil }
        let map = diagram.map
        return Figure(
            name: "trainability",
            caption: "Final test loss relative to the initial one over depth and sigma_w^2, from training_summary.csv.",
            nodes: map.nodes(), width: map.width, height: map.height)
    }
}

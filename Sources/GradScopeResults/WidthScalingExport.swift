import GradScopeCore
import Foundation

/// `coordinates.csv` (one row per cell, seed, recorded step and layer; layer L + 1 is the readout's logits) and
/// `width_scaling.csv` (one row per group of cells that differ only in width, step and layer): the coordinate
/// check of microsoft/mup with a number and a verdict (SPEC section 4), for sweeps that train cells of several
/// widths.
package enum WidthScalingExport {
    static let files = ["coordinates.csv", "width_scaling.csv"]
    /// |slope| below this is `flat`: over a 16-fold range of widths, less than a factor 1.75.
    static let flatLimit = 0.2

    /// The two tables when the training cells have coordinates and more than one width; else none.
    static func tables(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> [(
        name: String, build: () -> CSVTable
    )] {
        let checked = cells.filter { cell in
            byCell[cell.index]?.contains { run in run.training.contains { !$0.coordinates.isEmpty } } ?? false
        }
        guard Set(checked.map(\.width)).count > 1 else { return [] }
        return [(files[0], { coordinateTable(checked, byCell) }), (files[1], { scalingTable(checked, byCell) })]
    }

    static func coordinateTable(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> CSVTable {
        Export.cellTable(cells, columns: [Column.seed, Column.step, Column.layer, "act_l1", "delta_l1"]) { cell, rows in
            for run in byCell[cell.index] ?? [] {
                for point in run.training {
                    for (i, c) in point.coordinates.enumerated() {
                        rows.append(
                            ["\(run.seed)", "\(point.step)", "\(i + 1)"]
                                + [c.actL1, c.deltaL1].map(CSVTable.number))
                    }
                }
            }
        }
    }

    /// width_scaling.csv's columns after the group's parameters (the report tells the two apart by them).
    package static let scalingColumns =
        [Column.step, Column.layer, "widths"] + Export.withErrors(["act_slope"]) + ["verdict"]
        + Export.withErrors(["delta_slope"]) + ["delta_verdict"]

    static func scalingTable(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> CSVTable {
        let parameters = cells.first?.parameters(except: "width") ?? []
        var table = CSVTable(header: parameters.map(\.key) + scalingColumns)
        for group in Export.groups(cells, differingIn: "width") {
            let lead = group[0].parameters(except: "width").map(\.value)
            let points = (byCell[group[0].index]?.first?.training ?? []).filter { !$0.coordinates.isEmpty }
            for point in points {
                for layer in point.coordinates.indices {
                    let act = slope(group, byCell, step: point.step, layer: layer, \.actL1)
                    let delta = slope(group, byCell, step: point.step, layer: layer, \.deltaL1)
                    table.append(
                        lead + ["\(point.step)", "\(layer + 1)", "\(Set(group.map(\.width)).count)"]
                            + Export.estimate(act.slope, act.perSeed) + [verdict(act.slope)]
                            + Export.estimate(delta.slope, delta.perSeed) + [verdict(delta.slope)])
                }
            }
        }
        return table
    }

    /// The least-squares slope of log2 of the seed-mean coordinate against log2 width, and the per-seed slopes
    /// (of the seeds every width has); nil where a value is 0 (no logarithm: the change at step 0).
    static func slope(
        _ group: [CellColumns], _ byCell: [Int: [RunRecord]], step: Int, layer: Int,
        _ value: KeyPath<Coordinate, Double>
    ) -> (slope: Double?, perSeed: [Double]) {
        var bySeed = [Int: [(width: Double, value: Double)]]()
        for cell in group {
            for run in byCell[cell.index] ?? [] {
                guard let point = run.training.first(where: { $0.step == step }),
                    point.coordinates.indices.contains(layer)
                else { continue }
                bySeed[run.seed, default: []].append((Double(cell.width), point.coordinates[layer][keyPath: value]))
            }
        }
        let widths = group.map { Double($0.width) }
        let means = widths.map { w in
            Statistics.mean(bySeed.values.flatMap { $0.filter { $0.width == w }.map(\.value) })
        }
        let fit = { (pairs: [(width: Double, value: Double)]) -> Double? in
            guard pairs.count == widths.count, pairs.allSatisfy({ $0.value > 0 }) else { return nil }
            return Statistics.slope(x: pairs.map { log2($0.width) }, y: pairs.map { log2($0.value) })
        }
        let meanPairs = zip(widths, means).compactMap { w, m in m.map { (width: w, value: $0) } }
        return (fit(meanPairs), bySeed.keys.sorted().compactMap { bySeed[$0].flatMap(fit) })
    }

    /// `flat` when |slope| < 0.2, else `grows` or `shrinks`; empty without a slope.
    static func verdict(_ slope: Double?) -> String? {
        guard let slope else { return nil }
        return abs(slope) < flatLimit ? "flat" : slope > 0 ? "grows" : "shrinks"
    }
}

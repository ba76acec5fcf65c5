import GradScopeResults
import Algorithms
import Foundation

/// microsoft/mup's coordinate-check plot, with the numbers: for each group of cells that differ only in width
/// (a row of width_scaling.csv's parameter columns), the seed-mean |H_l| on the fixed batch against width,
/// log-log, one panel per recorded step, one line per layer (L + 1: the logits), and each layer's slope and
/// verdict in the panel's title.
extension Report {
    /// The columns of width_scaling.csv that are not the group's parameters.
    static let scalingColumns = Set(WidthScalingExport.scalingColumns)

    /// One figure per group of width_scaling.csv, when the folder has one.
    func coordinateFigures() -> [Figure] {
        guard let first = tables.widthScaling.first else { return [] }
        let keys = first.keys.filter { !Self.scalingColumns.contains($0) }.sorted()
        let groups = Array(tables.widthScaling.map { row in keys.map { row[$0] ?? "" } }.uniqued())
        return groups.enumerated().compactMap { index, values in
            coordinateFigure(index, keys: keys, values: values)
        }
    }

    private func coordinateFigure(_ index: Int, keys: [String], values: [String]) -> Figure? {
        let matches = { (row: [String: String]) in zip(keys, values).allSatisfy { row[$0.0] == $0.1 } }
        let scaling = tables.widthScaling.filter(matches)
        let coordinates = tables.coordinates.filter(matches)
        let steps = Array(scaling.compactMap { $0[Column.step] }.uniqued())
        let layers = Array(scaling.compactMap { $0[Column.layer] }.uniqued())
        let widths = Array(Set(coordinates.compactMap { $0.number("width") })).sorted()
        guard !steps.isEmpty, widths.count > 1 else { return nil }
        let panels = steps.map { step -> Panel in
            let series = layers.enumerated().map { i, layer -> Series in
                let y = widths.map { w -> Double? in
                    let seeds = coordinates.filter {
                        $0[Column.step] == step && $0[Column.layer] == layer && $0.number("width") == w
                    }.compactMap { $0.number("act_l1") }
                    return Statistics.mean(seeds).flatMap { $0 > 0 ? log10($0) : nil }
                }
                return Series(
                    name: "layer \(layer)", colour: Palette.colour(i), x: widths.map(log2), y: y, band: nil,
                    dash: nil, key: "layer-\(layer)")
            }
            let rows = layers.map { layer in scaling.first { $0[Column.step] == step && $0[Column.layer] == layer } }
            let slopes = zip(layers, rows).map { layer, row in
                "\(layer) " + (row?.number("act_slope").map { String(format: "%+.2f", $0) } ?? "-")
            }
            let odd = zip(layers, rows).compactMap { layer, row in
                row?["verdict"].flatMap { $0 == "flat" ? nil : "\(layer) \($0)" }
            }
            let verdicts = odd.isEmpty ? "all flat" : odd.joined(separator: ", ")
            return Panel(title: "step \(step): \(slopes.joined(separator: ", ")) (\(verdicts))", series: series)
        }
        let described = zip(keys, values).filter { key, _ in grouping.axes.contains(key) }
            .map { "\($0) = \($1)" }.joined(separator: ", ")
        let chart = LineChart(
            title: "Coordinate check\(described.isEmpty ? "" : " (\(described))"): mean |H_l| against width",
            xLabel: "log2 width", yLabel: "mean |H_l|", logY: true, panels: panels,
            legend: layers.enumerated().map { i, layer in
                (
                    "layer \(layer)\(i == layers.count - 1 && layers.count > depthOf(scaling) ? " (logits)" : "")",
                    Palette.colour(i), nil
                )
            })
        return Figure(
            name: "coordinates-\(index + 1)",
            caption: "The coordinate check of microsoft/mup from coordinates.csv and width_scaling.csv: seed-mean "
                + "|H_l| on a fixed batch against width, one panel per step, each layer's act_slope and verdict "
                + "in the panel's title (flat: |slope| < 0.2)\(described.isEmpty ? "" : "; \(described)").",
            nodes: chart.nodes(), width: chart.width, height: chart.height)
    }

    /// The group's depth L (layer L + 1 of coordinates.csv is the logits).
    private func depthOf(_ scaling: [[String: String]]) -> Int {
        scaling.first.flatMap { $0["depth"] }.flatMap { Int($0) } ?? Int.max
    }
}

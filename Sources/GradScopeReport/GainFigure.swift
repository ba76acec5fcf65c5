import Algorithms
import Foundation
import GradScopeResults

extension Report {
    /// The gradient gain per layer (summary.csv's z_log10_gain_per_layer) against the last numeric axis
    /// with three or more values (batch size, depth, width, ...): one line per value of the first axis
    /// (e.g. the normalisation), one panel per combination of the others, theory dashed where it exists.
    /// Nil when no axis qualifies or the first axis is that axis.
    func gainAgainstAxisFigure() -> Figure? {
        let axes = grouping.axes
        guard let lineAxis = axes.first,
            let xAxis = axes.last(where: { axis in
                let values = tables.cells.compactMap { $0[axis] }.uniqued()
                return Array(values).count >= 3 && values.allSatisfy { Double($0) != nil }
            }), xAxis != lineAxis
        else { return nil }
        let facetAxes = axes.filter { $0 != lineAxis && $0 != xAxis }
        let values = tables.cells.compactMap { $0.number(xAxis) }
        let logX = (values.max() ?? 1) / max(values.min() ?? 1, 1e-300) >= 16 && values.allSatisfy { $0 > 0 }
        let position = { (v: Double) in logX ? log2(v) : v }
        let lineValues = Array(tables.cells.compactMap { $0[lineAxis] }.uniqued())
        var panels = [Panel]()
        for facet in tables.cells.map({ cell in facetAxes.map { cell[$0] ?? "" } }).uniqued() {
            var series = [Series]()
            for (index, line) in lineValues.enumerated() {
                let cells = tables.cells.filter { cell in
                    cell[lineAxis] == line && facetAxes.map({ cell[$0] ?? "" }) == facet
                }.sorted { ($0.number(xAxis) ?? 0) < ($1.number(xAxis) ?? 0) }
                guard !cells.isEmpty else { continue }
                let style = Grouping.style(index), x = cells.compactMap { $0.number(xAxis) }.map(position)
                let measured = Series(
                    name: grouping.describe(lineAxis, cells[0]), colour: style.colour, x: x,
                    y: cells.map { $0.number(Column.log10GainPerLayer(.z)) },
                    band: Self.standardErrorBand(cells, Column.log10GainPerLayer(.z)), dash: style.dash, key: line)
                series.append(measured)
                let theory = cells.map { $0.number(Column.theoryZGain) }
                if theory.contains(where: { $0 != nil }) {
                    var dashed = measured
                    (dashed.y, dashed.band, dashed.dash, dashed.kind) = (theory, nil, "5 3", "theory")
                    series.append(dashed)
                }
            }
            let example = tables.cells.first { cell in facetAxes.map({ cell[$0] ?? "" }) == facet } ?? [:]
            let title = facetAxes.map { grouping.describe($0, example) }.joined(separator: ", ")
            panels.append(Panel(title: title, series: series))
        }
        var legend = lineValues.enumerated().map { i, v in
            (grouping.describe(lineAxis, [lineAxis: v]), Grouping.style(i).colour, Grouping.style(i).dash)
        }
        if panels.contains(where: { $0.series.contains { $0.kind == "theory" } }) {
            legend.append(("mean-field theory (dashed)", "#555555", "5 3"))
        }
        let chart = LineChart(
            title: "Gradient gain per layer against \(xAxis) (z_log10_gain_per_layer, mean over seeds; band: ±1 se)",
            xLabel: logX ? "log2 \(xAxis)" : xAxis, yLabel: "decades per layer", panels: panels, legend: legend)
        return Figure(
            name: "gain-against-\(xAxis)",
            caption: "Decades the backpropagated error gains per layer towards the input, from summary.csv, "
                + "one line per \(lineAxis); positive is exploding, negative vanishing.",
            nodes: chart.nodes(), width: chart.width, height: chart.height)
    }

    /// value ± its standard error (the column's `_se`) per cell, nil where either is missing.
    static func standardErrorBand(_ cells: [[String: String]], _ column: String) -> ([Double?], [Double?]) {
        let pairs = cells.map { cell in
            cell.number(column).flatMap { v in cell.number(Column.standardError(column)).map { (v, $0) } }
        }
        return (pairs.map { $0.map { $0.0 - $0.1 } }, pairs.map { $0.map { $0.0 + $0.1 } })
    }
}

import GradScopeCore
import GradScopeResults
import Algorithms
import Foundation
import Plot

/// `gradscope report`: draws a results folder as `report.html` (inline SVG and CSS, no scripts,
/// opens offline) and one SVG file per figure, from the folder's CSV files and manifest.
package struct Report {
    let tables: ResultTables
    let grouping: Grouping
    /// Each cell's summary row by its id.
    let cellRows: [String: [String: String]]

    /// Reads the results folder at `folder`.
    package init(folder: URL) throws {
        tables = try ResultTables(folder: folder)
        grouping = Grouping(axes: tables.axes, keys: tables.axisKeys, cells: tables.cells)
        cellRows = Dictionary(
            tables.cells.compactMap { row in row[Column.cell].map { ($0, row) } },
            uniquingKeysWith: { first, _ in first })
    }

    /// The figures: (file stem, caption, chart SVG nodes, width, height).
    struct Figure {
        var name: String
        var caption: String
        var nodes: [SVGNode]
        var width: Double
        var height: Double
    }

    /// Writes report.html and the SVG files into the results folder; returns the figure count.
    @discardableResult
    package func write() throws -> Int {
        let figures = self.figures()
        for figure in figures.flatMap({ $0 }) {
            let text = SVG.document(figure.nodes, width: figure.width, height: figure.height)
            try Data(text.utf8).write(to: tables.folder.appendingPathComponent(figure.name + ".svg"), options: .atomic)
        }
        try Data(html(figures).utf8).write(to: tables.folder.appendingPathComponent("report.html"), options: .atomic)
        return figures.count
    }

    /// Figure groups: each inner list is one figure of the page (the gradient figure holds z, h and w).
    func figures() -> [[Figure]] {
        var groups = [[GradientNorm.z, .h, .w].map(gradientFigure)]
        if let heat = gainHeatMap() { groups.append([heat]) }
        groups += phaseDiagramFigures().map { [$0] }
        if let gain = gainAgainstAxisFigure() { groups.append([gain]) }
        groups.append([
            lineFigure(
                "saturation", "Saturated fraction of units against layer",
                y: "saturated fraction (mean over seeds)", column: Column.saturatedFractionMean, logY: false)
        ])
        if !tables.spectra.isEmpty { groups.append([spectrumFigure()]) }
        if !tables.training.isEmpty { groups += [[trainingLossFigure()], [trainingUpdateFigure()]] }
        if let filters = filterFigure() { groups.append([filters]) }
        groups += coordinateFigures().map { [$0] }
        if let trainability = trainabilityFigure() { groups.append([trainability]) }
        return groups
    }

    // MARK: Figures

    func gradientFigure(_ x: GradientNorm) -> Figure {
        let names: [GradientNorm: (long: String, short: String)] = [
            .z: ("dLoss/dZ (backpropagated error)", "dZ"), .h: ("dLoss/dH", "dH"), .w: ("dLoss/dW", "dW"),
            .b: ("dLoss/db", "db"),
        ]
        let name = names[x] ?? ("", "")
        var chart = chart(
            title: "Gradient norm ‖\(name.long)‖ against \(tables.layerNoun) "
                + "(mean of log10 over seeds; band: ±1 standard error)",
            x: tables.layerAxis, y: "‖\(name.short)‖", logY: true
        ) { rows in
            let errors = rows.map { row in
                row.number(Column.log10Norm(x, .std)).flatMap { std in
                    row.number("seeds").map { std / $0.squareRoot() }
                }
            }
            let means = rows.map { $0.number(Column.log10Norm(x, .mean)) }
            return (
                means,
                (
                    zip(means, errors).map { m, e in m.flatMap { m in e.map { m - $0 } } },
                    zip(means, errors).map { m, e in m.flatMap { m in e.map { m + $0 } } }
                )
            )
        }
        if x == .z, tables.layers.values.joined().contains(where: { $0.number(Column.theoryLog10GradZNorm) != nil }) {
            addTheory(&chart)
        }
        return Figure(
            name: "gradient-\(x.rawValue)",
            caption:
                "‖\(name.long)‖ per layer, one line per "
                + "cell\(x == .z ? "; dashed: mean-field theory anchored at the last layer" : "").",
            nodes: chart.nodes(), width: chart.width, height: chart.height)
    }

    func lineFigure(_ name: String, _ title: String, y: String, column: String, logY: Bool) -> Figure {
        let chart = chart(title: title, x: tables.layerAxis, y: y, logY: logY) { rows in
            (rows.map { $0.number(column) }, nil)
        }
        return Figure(
            name: name, caption: title + ", one line per cell.", nodes: chart.nodes(), width: chart.width,
            height: chart.height)
    }

    /// A faceted chart of a per-layer column of layers.csv, one series per cell.
    func chart(
        title: String, x: String, y: String, logY: Bool,
        values: ([[String: String]]) -> ([Double?], ([Double?], [Double?])?)
    ) -> LineChart {
        let series = tables.cells.compactMap { cell -> Series? in
            guard let id = cell[Column.cell] else { return nil }
            let rows = tables.layers[id] ?? []
            let (ys, band) = values(rows)
            return self.series(cell, x: rows.compactMap { $0.number(Column.layer) }, y: ys, band: band)
        }
        return LineChart(
            title: title, xLabel: x, yLabel: y, logY: logY, panels: grouping.panels(series, cells: cellRows),
            legend: grouping.legend)
    }

    /// The line of `cell`, in its colour and pattern.
    func series(_ cell: [String: String], x: [Double], y: [Double?], band: ([Double?], [Double?])? = nil) -> Series {
        let style = grouping.style(cell)
        return Series(
            name: grouping.colourLabel(cell), colour: style.colour, x: x, y: y, band: band.map { ($0.0, $0.1) },
            dash: style.dash, key: cell[Column.cell] ?? "")
    }

    func addTheory(_ chart: inout LineChart) {
        for p in chart.panels.indices {
            chart.panels[p].series += chart.panels[p].series.map { line in
                let rows = tables.layers[line.key] ?? []
                var theory = line
                (theory.y, theory.band, theory.dash, theory.kind) = (
                    rows.map { $0.number(Column.theoryLog10GradZNorm) }, nil, "5 3", "theory"
                )
                return theory
            }
        }
        chart.legend.append(("mean-field theory (dashed)", "#555555", "5 3"))
    }

    func gainHeatMap() -> Figure? {
        guard let rowAxis = grouping.axes.first else { return nil }
        let columnAxis = grouping.axes.count > 1 ? grouping.axes[1] : nil
        let rest = Array(grouping.axes.dropFirst(2))
        let cells = tables.cells.filter { cell in rest.allSatisfy { cell[$0] == tables.cells.first?[$0] } }
        let rows = Array(cells.compactMap { $0[rowAxis] }.uniqued())
        let columns = columnAxis.map { a in Array(cells.compactMap { $0[a] }.uniqued()) } ?? ["all"]
        func find(_ r: String, _ c: String) -> [String: String]? {
            cells.first { $0[rowAxis] == r && (columnAxis == nil || $0[columnAxis!] == c) }
        }
        let fixed = rest.map { grouping.describe($0, tables.cells.first ?? [:]) }.joined(separator: ", ")
        let label = { (axis: String, text: String) in grouping.value(axis, [axis: text]) }
        let map = HeatMap(
            title: "Gradient gain per layer, z_log10_gain_per_layer (decades)" + (fixed.isEmpty ? "" : " at \(fixed)"),
            rowLabel: grouping.name(rowAxis), columnLabel: columnAxis.map(grouping.name) ?? "",
            rows: rows.map { label(rowAxis, $0) },
            columns: columnAxis.map { a in columns.map { label(a, $0) } } ?? columns,
            values: rows.map { r in columns.map { c in find(r, c)?.number(Column.log10GainPerLayer(.z)) } },
            keys: rows.map { r in columns.map { c in find(r, c)?[Column.cell] } })
        return Figure(
            name: "gain-heatmap",
            caption: "Decades the backpropagated error gains per layer towards the input, from summary.csv.",
            nodes: map.nodes(), width: map.width, height: map.height)
    }

    func spectrumFigure() -> Figure {
        let series = tables.cells.compactMap { cell -> Series? in
            guard let id = cell[Column.cell] else { return nil }
            let rows = (tables.spectra[id] ?? []).filter {
                $0.number(Column.log10SigmaLow) != nil && $0.number(Column.log10SigmaHigh) != nil
            }
            return self.series(
                cell, x: rows.map { ($0.number(Column.log10SigmaLow)! + $0.number(Column.log10SigmaHigh)!) / 2 },
                y: rows.map { $0.number(Column.fraction) })
        }
        let chart = LineChart(
            title: "Singular values of the input-output Jacobian (histogram over seeds)",
            xLabel: "log10 singular value",
            yLabel: "fraction per 1/4 decade", panels: grouping.panels(series, cells: cellRows), legend: grouping.legend
        )
        return Figure(
            name: "jacobian-spectrum",
            caption: "Histogram of log10 sigma from spectra_histogram.csv, one line per cell.",
            nodes: chart.nodes(), width: chart.width, height: chart.height)
    }

    /// Per cell, per recorded step, the mean over seeds of `column` at `layer` (the step-level columns repeat on every
    /// layer), and its band of ±1 standard error over the seeds.
    func trainingCurve(_ cell: String, column: String, layer: String, log: Bool) -> (
        x: [Double], y: [Double?], band: ([Double?], [Double?])
    ) {
        let rows = (tables.training[cell] ?? []).filter { $0[Column.layer] == layer }
        let steps = Array(rows.compactMap { $0.number(Column.step) }.uniqued())
        let points = steps.map { step -> (mean: Double, error: Double?)? in
            let values = rows.filter { $0.number(Column.step) == step }.compactMap { $0.number(column) }.filter {
                !log || $0 > 0
            }.map { log ? log10($0) : $0 }
            return Statistics.mean(values).map { ($0, Statistics.standardError(values)) }
        }
        let low = points.map { p in p.flatMap { p in p.error.map { p.mean - $0 } } }
        let high = points.map { p in p.flatMap { p in p.error.map { p.mean + $0 } } }
        return (steps, points.map { $0?.mean }, (low, high))
    }

    func trainingLossFigure() -> Figure {
        let series = tables.cells.compactMap { cell -> Series? in
            guard let id = cell[Column.cell] else { return nil }
            let curve = trainingCurve(id, column: Column.testLoss, layer: "1", log: true)
            return self.series(cell, x: curve.x, y: curve.y, band: curve.band)
        }
        var chart = LineChart(
            title: "Test loss during training (mean of log10 over seeds; band: ±1 se)", xLabel: "step",
            yLabel: "test loss",
            logY: true,
            panels: grouping.panels(series, cells: cellRows), legend: grouping.legend)
        let baselines = Set(tables.trainingSummary.compactMap { $0.number("baseline_test_loss") })
        if let baseline = baselines.first, baselines.count == 1 { addBaseline(baseline, to: &chart) }
        return Figure(
            name: "training-loss", caption: "Held-out loss against step, from training.csv, one line per cell.",
            nodes: chart.nodes(), width: chart.width, height: chart.height)
    }

    /// A dotted grey line at the task's baseline loss across every panel (1/6 for `adding`).
    func addBaseline(_ baseline: Double, to chart: inout LineChart) {
        for p in chart.panels.indices {
            let steps = chart.panels[p].series.flatMap(\.x)
            guard let first = steps.min(), let last = steps.max() else { continue }
            chart.panels[p].series.append(
                Series(
                    name: "baseline", colour: "#777777", x: [first, last], y: [log10(baseline), log10(baseline)],
                    band: nil, dash: "2 3", key: "", kind: "baseline"))
        }
        chart.legend.append(("baseline: always answering the mean (dotted)", "#777777", "2 3"))
    }

    /// How training moves the first and last layer (feedforward), or how the gradient reaching the first
    /// and the last time step evolves while a recurrent cell learns (its tied weights move as one).
    func trainingUpdateFigure() -> Figure {
        let recurrent = tables.layerNoun == "time step"
        var series = [Series]()
        for cell in tables.cells {
            guard let id = cell[Column.cell], let depth = cell["depth"] else { continue }
            for (layer, dashed) in [("1", true), (depth, false)] {
                let curve =
                    recurrent
                    ? trainingCurve(id, column: Column.log10Norm(GradientNorm.h), layer: layer, log: false)
                    : trainingCurve(id, column: Column.relativeUpdate, layer: layer, log: true)
                var line = self.series(cell, x: curve.x, y: curve.y, band: curve.band)
                (line.dash, line.kind) = (dashed ? "5 3" : nil, dashed ? "first-layer" : "line")
                series.append(line)
            }
        }
        let (title, y, caption) =
            recurrent
            ? (
                "The gradient reaching the first and the last time step while training: ‖dLoss/dh_t‖",
                "‖dLoss/dh_t‖",
                "‖dLoss/dh_1‖ (dashed) and ‖dLoss/dh_T‖ (solid) on each recorded minibatch, from training.csv."
            )
            : (
                "How far each layer has moved: ‖W_l(t) - W_l(0)‖ / ‖W_l(0)‖", "relative update",
                "Relative update of the first (dashed) and last (solid) layer against step, from training.csv."
            )
        var chart = LineChart(
            title: title, xLabel: "step", yLabel: y, logY: true, panels: grouping.panels(series, cells: cellRows),
            legend: grouping.legend)
        chart.legend.append(
            (
                recurrent ? "dashed: time step 1, solid: time step T" : "dashed: layer 1, solid: layer L", "#555555",
                "5 3"
            ))
        return Figure(
            name: "training-update", caption: caption, nodes: chart.nodes(), width: chart.width, height: chart.height)
    }
}

extension Report {
    /// Every activation phi (solid) and its derivative phi' (dashed) on [from, to], one panel each:
    /// the first picture of the vanishing-gradient story (sigmoid' never exceeds 1/4).
    package static func activationsSVG(from: Double, to: Double, points: Int) -> String {
        let xs = (0..<points).map { from + (to - from) * Double($0) / Double(max(1, points - 1)) }
        let panels = Activation.allCases.map { a in
            Panel(
                title: a.rawValue,
                series: [
                    Series(name: "phi", colour: Palette.colour(0), x: xs, y: xs.map { a.value($0) }, key: a.rawValue),
                    Series(
                        name: "phi'", colour: Palette.colour(1), x: xs, y: xs.map { a.derivative($0) }, dash: "5 3",
                        key: a.rawValue),
                ])
        }
        let chart = LineChart(
            title: "Activations phi(x) and their derivatives phi'(x)", xLabel: "x", yLabel: "phi(x), phi'(x)",
            panels: panels,
            legend: [("phi(x)", Palette.colour(0), nil), ("phi'(x) (dashed)", Palette.colour(1), "5 3")])
        return SVG.document(chart.nodes(), width: chart.width, height: chart.height)
    }
}

import GradScopeCore
import GradScopeResults
import Foundation

/// The phase diagram (Poole et al. 2016; Schoenholz et al. 2017, Figure 1): when the cells of one activation
/// form a grid over sigma_w^2 and sigma_b^2 (summary.csv's `theory_sigma_w2`, `theory_sigma_b2`), two heat
/// maps, sigma_w^2 across and sigma_b^2 down, with theory's order-to-chaos line chi_1 = 1 over them: the
/// measured log10 chi_1 (twice `z_log10_gain_per_layer`) and the measured log10 xi_c.
struct PhaseDiagram {
    let cells: [[String: String]]
    let activation: Activation
    /// The grid's sigma_w^2 (columns) and sigma_b^2 (rows), ascending.
    let weightVariances: [Double], biasVariances: [Double]
    /// Theory's line chi_1 = 1 in grid units (`criticalLine`), computed once for both maps.
    let line: [(x: Double, y: Double)]

    /// The diagram of `summary`, or nil when its cells do not form such a grid (at least 3 x 2).
    init?(summary: [[String: String]]) {
        let activations = Set(summary.compactMap { $0["activation"] })
        guard activations.count == 1, let name = activations.first, let activation = Activation(rawValue: name)
        else { return nil }
        let w = Array(Set(summary.compactMap { $0.number(Column.sigmaW2) })).sorted()
        let b = Array(Set(summary.compactMap { $0.number(Column.sigmaB2) })).sorted()
        guard w.count >= 3, b.count >= 2, summary.count >= w.count * b.count else { return nil }
        (cells, self.activation, weightVariances, biasVariances) = (summary, activation, w, b)
        line = Self.criticalLine(activation, weightVariances: w, biasVariances: b)
    }

    /// The cell at grid square (row i, column j), if any.
    func cell(_ i: Int, _ j: Int) -> [String: String]? {
        cells.first { $0.number(Column.sigmaB2) == biasVariances[i] && $0.number(Column.sigmaW2) == weightVariances[j] }
    }

    /// The critical line in grid units: per row, the column position of theory's sigma_w^2 with chi_1 = 1,
    /// interpolated linearly between the columns' sigma_w^2 (rows whose line leaves the grid are skipped).
    static func criticalLine(_ activation: Activation, weightVariances: [Double], biasVariances: [Double]) -> [(
        x: Double, y: Double
    )] {
        biasVariances.enumerated().compactMap { i, b in
            guard let w = MeanField.criticalWeightVariance(activation, biasVariance: b),
                let j = weightVariances.indices.dropLast().first(where: { weightVariances[$0 + 1] >= w }),
                w >= weightVariances[0]
            else { return nil }
            let fraction = (w - weightVariances[j]) / (weightVariances[j + 1] - weightVariances[j])
            return (Double(j) + fraction, Double(i))
        }
    }

    /// One heat map of `value` per square.
    func map(
        title: String, legend: String, missing: (text: String, meaning: String)? = nil,
        value: ([String: String]) -> Double?
    ) -> HeatMap {
        let rows = biasVariances.indices, columns = weightVariances.indices
        var map = HeatMap(
            title: title, rowLabel: "sigma_b^2", columnLabel: "sigma_w^2",
            rows: biasVariances.map { String(format: "%.3g", $0) },
            columns: weightVariances.map { String(format: "%.3g", $0) },
            values: rows.map { i in columns.map { j in cell(i, j).flatMap(value) } },
            keys: rows.map { i in columns.map { j in cell(i, j)?[Column.cell] } })
        (map.legend, map.lines, map.missing) = (legend, [("chi_1 = 1", line)], missing)
        return map
    }
}

extension Report {
    /// The phase diagram's two figures, when the results form one.
    func phaseDiagramFigures() -> [Figure] {
        guard let diagram = PhaseDiagram(summary: tables.summary) else { return [] }
        let chi = diagram.map(
            title: "Measured log10 chi_1 (\(diagram.activation.rawValue)); dashed: theory's chi_1 = 1",
            legend: "blue: ordered (gradients vanish), orange: chaotic (they explode); log10 chi_1 per layer"
        ) { row in row.number(Column.log10GainPerLayer(.z)).map { 2 * $0 } }
        let xi = diagram.map(
            title: "Measured log10 xi_c, the correlation depth scale; dashed: theory's chi_1 = 1",
            legend: "orange: correlations travel far (xi_c > 1 layer), blue: they settle within a layer; log10 xi_c",
            missing: ("–", "grey –: not measured, the data carry no depth scale there (docs/results.md)")
        ) { row in row.number(Column.correlationDepthScale).flatMap { $0 > 0 ? log10($0) : nil } }
        return [
            Figure(
                name: "phase-chi",
                caption: "The order-to-chaos transition: the gradient's gain per layer over sigma_w^2 and sigma_b^2.",
                nodes: chi.nodes(), width: chi.width, height: chi.height),
            Figure(
                name: "phase-xi",
                caption:
                    "The correlation depth scale xi_c (summary.csv's correlation_depth_scale) diverges at the line; "
                    + "grey squares: the measured correlations carry no depth scale (too few layers clear of their "
                    + "noise, or an approach that is not one exponential).",
                nodes: xi.nodes(), width: xi.width, height: xi.height),
        ]
    }
}

import GradScopeResults
import Foundation
import Plot

/// A heat map: one coloured, labelled square per (row value, column value), on a diverging scale
/// centred on 0 (blue below, orange above), with the number written in each square.
struct HeatMap {
    var title: String
    var rowLabel: String, columnLabel: String
    var rows: [String], columns: [String]
    /// values[row][column], nil where no cell has the pair.
    var values: [[Double?]]
    /// The cell id of each square, written as `data-cell`.
    var keys: [[String?]]
    /// What the colours mean (below the squares).
    var legend = "blue: vanishing (negative), orange: exploding (positive); decades per layer"
    /// Theory lines over the squares, in grid units: x = column index, y = row index (the centre of the
    /// square (i, j) is (j, i)); each drawn as a path of class `theory` with its values as `data-x`, `data-y`
    /// and its name as `data-label`.
    var lines: [(label: String, points: [(x: Double, y: Double)])] = []
    /// How a square whose cell exists but has no value is drawn: grey, with this text, and what it means
    /// (in the legend); nil leaves such squares white and blank.
    var missing: (text: String, meaning: String)? = nil

    static let squareHeight = 40.0
    /// The size of the numbers and labels: readable where the page shows the figure at its own size.
    static let fontSize = 12.0
    /// Wide enough for the longest column label and the numbers.
    var squareWidth: Double { max(64, 7.4 * Double(columns.map(\.count).max() ?? 0) + 12) }
    var left: Double { 20 + 8 * Double(max(rowLabel.count, rows.map(\.count).max() ?? 1)) }
    var width: Double {
        max(
            left + Double(columns.count) * squareWidth + 20, 7.5 * Double(title.count) + 40,
            6.1 * Double(legendText.count) + 16, 560)
    }
    var height: Double { 70 + Double(rows.count) * HeatMap.squareHeight + 40 }

    /// The largest |value|, the ends of the colour scale.
    var scale: Double { values.joined().compactMap { $0 }.map(abs).max() ?? 1 }

    /// The legend below the squares: what the colours mean, the scale, and the grey squares.
    var legendText: String {
        legend + ", scale +-\(String(format: "%.3g", scale))" + (missing.map { "; \($0.meaning)" } ?? "")
    }

    func nodes() -> [SVGNode] {
        var nodes: [SVGNode] = [
            SVG.background,
            SVG.text(title, x: width / 2, y: 22, size: 14, anchor: "middle", weight: "bold", className: "title"),
            SVG.text(
                columnLabel, x: left + Double(columns.count) * squareWidth / 2, y: 44, size: HeatMap.fontSize,
                anchor: "middle", className: "x-label"),
            SVG.text(rowLabel, x: 8, y: 64, size: HeatMap.fontSize, className: "y-label"),
        ]
        for (j, column) in columns.enumerated() {
            nodes.append(
                SVG.text(
                    column, x: left + (Double(j) + 0.5) * squareWidth, y: 64, size: HeatMap.fontSize,
                    anchor: "middle", className: "tick"))
        }
        for (i, row) in rows.enumerated() {
            let y = 70 + Double(i) * HeatMap.squareHeight
            nodes.append(
                SVG.text(
                    row, x: left - 6, y: y + HeatMap.squareHeight / 2 + 4, size: HeatMap.fontSize, anchor: "end",
                    className: "tick"))
            for j in columns.indices {
                let value = values[i][j], x = left + Double(j) * squareWidth
                let marked = value == nil && keys[i][j] != nil && missing != nil
                nodes.append(
                    .element(
                        named: "rect",
                        attributes: [
                            .attribute(named: "class", value: "cell"), .attribute(named: "x", value: SVG.coordinate(x)),
                            .attribute(named: "y", value: SVG.coordinate(y)),
                            .attribute(named: "width", value: SVG.coordinate(squareWidth - 2)),
                            .attribute(named: "height", value: SVG.coordinate(HeatMap.squareHeight - 2)),
                            .attribute(
                                named: "fill",
                                value: value.map { Palette.diverging($0 / max(scale, 1e-12)) }
                                    ?? (marked ? HeatMap.missingFill : "#ffffff")),
                            .attribute(named: "data-cell", value: keys[i][j] ?? ""),
                            .attribute(named: "data-value", value: value.map(SVG.number) ?? ""),
                        ]))
                nodes.append(
                    SVG.text(
                        value.map { String(format: "%.3f", $0) } ?? (marked ? missing?.text ?? "" : ""),
                        x: x + squareWidth / 2 - 1, y: y + HeatMap.squareHeight / 2 + 4, size: HeatMap.fontSize,
                        anchor: "middle", className: marked ? "missing" : "value"))
            }
        }
        let legendY = 70 + Double(rows.count) * HeatMap.squareHeight + 22
        nodes.append(
            SVG.text(
                legendText, x: 8, y: legendY, size: 11, className: "legend"))
        for (k, line) in lines.enumerated() where line.points.count >= 2 {
            let dash = lines.first?.label == line.label ? "6 3" : "2 3"  // the first curve dashed, others dotted
            nodes.append(lineNode(line.points, label: line.label, dash: dash))
            if lines.firstIndex(where: { $0.label == line.label }) == k, let end = line.points.last {
                nodes.append(
                    SVG.text(
                        line.label, x: left + (end.x + 0.5) * squareWidth + 4,
                        y: 70 + (end.y + 0.5) * HeatMap.squareHeight,
                        size: 10, weight: "bold", className: "theory-label"))
            }
        }
        return nodes
    }

    /// The fill of a square whose cell has no value (`missing`).
    static let missingFill = "#d4d4d4"

    /// A theory line as an SVG path through the square centres' coordinate system.
    private func lineNode(_ line: [(x: Double, y: Double)], label: String, dash: String) -> SVGNode {
        let points = line.map { p in
            (left + (p.x + 0.5) * squareWidth - 1, 70 + (p.y + 0.5) * HeatMap.squareHeight - 1)
        }
        let d = points.enumerated().map { i, p in "\(i == 0 ? "M" : "L")\(SVG.coordinate(p.0)) \(SVG.coordinate(p.1))" }
        return .element(
            named: "path",
            attributes: [
                .attribute(named: "class", value: "theory"), .attribute(named: "d", value: d.joined(separator: " ")),
                .attribute(named: "fill", value: "none"), .attribute(named: "stroke", value: "#222222"),
                .attribute(named: "stroke-width", value: "2"), .attribute(named: "stroke-dasharray", value: dash),
                .attribute(named: "data-x", value: line.map { SVG.number($0.x) }.joined(separator: " ")),
                .attribute(named: "data-y", value: line.map { SVG.number($0.y) }.joined(separator: " ")),
                .attribute(named: "data-label", value: label),
            ])
    }
}

import GradScopeResults
import Foundation
import Plot

/// The context of SVG nodes built with Plot's custom elements.
enum SVGContext {}
typealias SVGNode = Node<SVGContext>

/// One line of a chart: y against x (nil breaks the line), with an optional band (low, high) around it.
struct Series {
    var name: String
    var colour: String
    var x: [Double]
    var y: [Double?]
    var band: (low: [Double?], high: [Double?])?
    /// The SVG dash pattern, nil for a solid line.
    var dash: String?
    /// The cell (or other key) the line belongs to, written as `data-cell`.
    var key: String
    /// `line` for a measurement (one per cell), `theory` for a prediction.
    var kind = "line"
}

/// One panel of a faceted chart.
struct Panel {
    var title: String
    var series: [Series]
}

/// A faceted line chart, drawn as SVG: panels in a grid sharing the axes' ranges, a legend
/// naming the colours, axis labels, and ticks in decades (10^k) when the values are log10.
struct LineChart {
    var title: String
    var xLabel: String
    var yLabel: String
    /// The y values are log10 of a quantity: ticks are labelled 10^k.
    var logY = false
    var panels: [Panel]
    /// (label, colour, dash pattern or nil for solid) of each legend entry.
    var legend: [(String, String, String?)]

    static let panelSize = (width: 330.0, height: 220.0)
    static let margin = (left: 62.0, right: 14.0, top: 30.0, bottom: 44.0)

    var columns: Int { min(3, max(1, panels.count)) }
    var rows: Int { (panels.count + columns - 1) / columns }
    var cellWidth: Double { LineChart.margin.left + LineChart.panelSize.width + LineChart.margin.right }
    var cellHeight: Double { LineChart.margin.top + LineChart.panelSize.height + LineChart.margin.bottom }
    /// Legend columns: three, or fewer when the labels are long.
    var legendColumns: Int {
        let longest = legend.map(\.0.count).max() ?? 0
        return longest > 44 ? 1 : (longest > 28 ? 2 : 3)
    }
    var legendHeight: Double { 18 * Double((legend.count + legendColumns - 1) / legendColumns) + 8 }
    var width: Double {
        max(
            Double(columns) * cellWidth, 8.8 * Double(title.count) + 40,
            7.0 * Double(legend.map(\.0.count).max() ?? 0) + 60)
    }
    var height: Double { 36 + Double(rows) * cellHeight + legendHeight }

    /// The shared ranges: all x, and all y including the bands.
    var ranges: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let series = panels.flatMap(\.series)
        let xs = series.flatMap(\.x),
            ys = series.flatMap { s in
                s.y.compactMap { $0 } + (s.band.map { ($0.low + $0.high).compactMap { $0 } } ?? [])
            }
        return (ChartAxis.padded(xs), ChartAxis.padded(ys))
    }

    /// The chart's SVG children (the caller wraps them in an `svg` element of `width` x `height`).
    func nodes() -> [SVGNode] {
        let (xRange, yRange) = ranges
        var nodes: [SVGNode] = [
            SVG.background,
            SVG.text(title, x: width / 2, y: 22, size: 15, anchor: "middle", weight: "bold", className: "title"),
        ]
        for (i, panel) in panels.enumerated() {
            let origin = (
                x: Double(i % columns) * cellWidth + LineChart.margin.left,
                y: 36 + Double(i / columns) * cellHeight + LineChart.margin.top
            )
            let frame = Frame(
                x: origin.x, y: origin.y, width: LineChart.panelSize.width, height: LineChart.panelSize.height,
                xRange: xRange, yRange: yRange)
            nodes += panelNodes(panel, frame)
        }
        nodes += legendNodes(y: 36 + Double(rows) * cellHeight + 4)
        return nodes
    }

    private func panelNodes(_ panel: Panel, _ frame: Frame) -> [SVGNode] {
        var nodes = ChartAxis.nodes(frame, xLabel: xLabel, yLabel: yLabel, logY: logY)
        nodes.append(
            SVG.text(
                panel.title, x: frame.x + frame.width / 2, y: frame.y - 8, size: 12, anchor: "middle",
                className: "panel-title"))
        for series in panel.series {
            if let band = series.band, let d = SVG.bandPath(series.x, band.low, band.high, frame) {
                nodes.append(
                    .element(
                        named: "path",
                        attributes: [
                            .attribute(named: "class", value: "band"), .attribute(named: "d", value: d),
                            .attribute(named: "fill", value: series.colour),
                            .attribute(named: "fill-opacity", value: "0.18"),
                            .attribute(named: "stroke", value: "none"),
                            .attribute(named: "data-cell", value: series.key),
                        ]))
            }
        }
        for series in panel.series {
            var attributes: [Attribute<SVGContext>] = [
                .attribute(named: "class", value: series.kind),
                .attribute(named: "d", value: SVG.linePath(series.x, series.y, frame)),
                .attribute(named: "fill", value: "none"), .attribute(named: "stroke", value: series.colour),
                .attribute(named: "stroke-width", value: series.kind == "theory" ? "1.2" : "1.8"),
                .attribute(named: "data-cell", value: series.key),
                .attribute(named: "data-x", value: series.x.map(SVG.number).joined(separator: " ")),
                .attribute(named: "data-y", value: series.y.map { $0.map(SVG.number) ?? "" }.joined(separator: " ")),
            ]
            if let dash = series.dash { attributes.append(.attribute(named: "stroke-dasharray", value: dash)) }
            nodes.append(
                .element(named: "path", attributes: attributes + [.attribute(named: "aria-label", value: series.name)]))
        }
        return nodes
    }

    private func legendNodes(y: Double) -> [SVGNode] {
        var nodes = [SVGNode]()
        let columnWidth = width / Double(legendColumns)
        for (i, entry) in legend.enumerated() {
            let x = 12 + Double(i % legendColumns) * columnWidth, row = y + 18 * Double(i / legendColumns) + 8
            var attributes: [Attribute<SVGContext>] = [
                .attribute(named: "x1", value: SVG.number(x)), .attribute(named: "x2", value: SVG.number(x + 24)),
                .attribute(named: "y1", value: SVG.number(row)), .attribute(named: "y2", value: SVG.number(row)),
                .attribute(named: "stroke", value: entry.1), .attribute(named: "stroke-width", value: "2.5"),
            ]
            if let dash = entry.2 { attributes.append(.attribute(named: "stroke-dasharray", value: dash)) }
            nodes.append(.element(named: "line", attributes: attributes))
            nodes.append(SVG.text(entry.0, x: x + 30, y: row + 4, size: 11, className: "legend"))
        }
        return nodes
    }
}

/// Where a panel sits and what it shows: data coordinates to SVG coordinates.
struct Frame {
    var x, y, width, height: Double
    var xRange, yRange: ClosedRange<Double>

    func px(_ v: Double) -> Double { x + (v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * width }
    func py(_ v: Double) -> Double {
        y + height - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * height
    }
}

/// Axes with readable ticks.
enum ChartAxis {
    /// The range of `values` with 4% padding (a unit range around a single value; [0, 1] when empty).
    static func padded(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        guard high > low else { return (low - 0.5)...(high + 0.5) }
        let pad = (high - low) * 0.04
        return (low - pad)...(high + pad)
    }

    /// About five ticks at 1, 2 or 5 times a power of ten (whole numbers only when `integers`).
    static func ticks(_ range: ClosedRange<Double>, integers: Bool = false) -> [Double] {
        let raw = (range.upperBound - range.lowerBound) / 5
        let power = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        if integers { step = max(1, step.rounded(.up)) }
        let first = (range.lowerBound / step).rounded(.up) * step
        return stride(from: first, through: range.upperBound, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    static func nodes(_ frame: Frame, xLabel: String, yLabel: String, logY: Bool) -> [SVGNode] {
        var nodes: [SVGNode] = [
            .element(
                named: "rect",
                attributes: [
                    .attribute(named: "class", value: "axes"), .attribute(named: "x", value: SVG.number(frame.x)),
                    .attribute(named: "y", value: SVG.number(frame.y)),
                    .attribute(named: "width", value: SVG.number(frame.width)),
                    .attribute(named: "height", value: SVG.number(frame.height)),
                    .attribute(named: "fill", value: "none"), .attribute(named: "stroke", value: "#444"),
                ])
        ]
        for t in ticks(frame.xRange, integers: true) {
            let x = frame.px(t)
            nodes.append(SVG.line(x, frame.y + frame.height, x, frame.y + frame.height + 4, colour: "#444"))
            nodes.append(
                SVG.text(
                    SVG.label(t), x: x, y: frame.y + frame.height + 16, size: 10, anchor: "middle", className: "tick"))
        }
        for t in ticks(frame.yRange, integers: logY) {
            let y = frame.py(t)
            nodes.append(SVG.line(frame.x, y, frame.x + frame.width, y, colour: "#e3e3e3"))
            nodes.append(
                logY
                    ? SVG.power(t, x: frame.x - 6, y: y + 4)
                    : SVG.text(SVG.label(t), x: frame.x - 6, y: y + 4, size: 10, anchor: "end", className: "tick"))
        }
        nodes.append(
            SVG.text(
                xLabel, x: frame.x + frame.width / 2, y: frame.y + frame.height + 34, size: 11, anchor: "middle",
                className: "x-label"))
        nodes.append(
            .element(
                named: "text",
                nodes: [
                    .attribute(named: "class", value: "y-label"), .attribute(named: "font-size", value: "11"),
                    .attribute(named: "text-anchor", value: "middle"),
                    .attribute(
                        named: "transform",
                        value:
                            "translate(\(SVG.number(frame.x - 46)) \(SVG.number(frame.y + frame.height / 2))) "
                            + "rotate(-90)"
                    ),
                    .text(yLabel),
                ]))
        return nodes
    }
}

/// Small SVG builders.
enum SVG {
    /// A white rectangle over the whole picture, drawn first.
    static var background: SVGNode {
        .element(
            named: "rect",
            attributes: [
                .attribute(named: "width", value: "100%"), .attribute(named: "height", value: "100%"),
                .attribute(named: "fill", value: "white"),
            ])
    }

    /// A number for an attribute: at most 3 decimals for coordinates would lose the data, so round trip.
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    }

    /// A tick label: 0.5, 2, 1e-05 style without trailing noise.
    static func label(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: "%g", v)
    }

    static func text(
        _ content: String, x: Double, y: Double, size: Double, anchor: String = "start",
        weight: String = "normal", className: String
    ) -> SVGNode {
        .element(
            named: "text",
            nodes: [
                .attribute(named: "class", value: className), .attribute(named: "x", value: coordinate(x)),
                .attribute(named: "y", value: coordinate(y)),
                .attribute(named: "font-size", value: number(size)), .attribute(named: "text-anchor", value: anchor),
                .attribute(named: "font-weight", value: weight), .text(content),
            ])
    }

    /// "10^k" with k raised, right-aligned at (x, y).
    static func power(_ k: Double, x: Double, y: Double) -> SVGNode {
        .element(
            named: "text",
            nodes: [
                .attribute(named: "class", value: "tick"), .attribute(named: "x", value: coordinate(x)),
                .attribute(named: "y", value: coordinate(y)),
                .attribute(named: "font-size", value: "10"), .attribute(named: "text-anchor", value: "end"),
                .text("10"),
                .element(
                    named: "tspan",
                    nodes: [
                        .attribute(named: "dy", value: "-5"), .attribute(named: "font-size", value: "8"),
                        .text(label(k)),
                    ]),
            ])
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, colour: String) -> SVGNode {
        .element(
            named: "line",
            attributes: [
                .attribute(named: "x1", value: coordinate(x1)), .attribute(named: "y1", value: coordinate(y1)),
                .attribute(named: "x2", value: coordinate(x2)), .attribute(named: "y2", value: coordinate(y2)),
                .attribute(named: "stroke", value: colour),
            ])
    }

    static func coordinate(_ v: Double) -> String { String(format: "%.2f", v) }

    /// "M x y L x y ..." through the points with a value; a missing value starts a new piece.
    static func linePath(_ x: [Double], _ y: [Double?], _ frame: Frame) -> String {
        var parts = [String](), pen = false
        for (xi, yi) in zip(x, y) {
            guard let yi, yi.isFinite else {
                pen = false
                continue
            }
            parts.append("\(pen ? "L" : "M")\(coordinate(frame.px(xi))) \(coordinate(frame.py(yi)))")
            pen = true
        }
        return parts.isEmpty ? "M0 0" : parts.joined(separator: " ")
    }

    /// The closed outline of a band between `low` and `high` over the points where both exist.
    static func bandPath(_ x: [Double], _ low: [Double?], _ high: [Double?], _ frame: Frame) -> String? {
        let points = x.indices.compactMap { i -> (Double, Double, Double)? in
            guard i < low.count, i < high.count, let l = low[i], let h = high[i], l.isFinite, h.isFinite else {
                return nil
            }
            return (x[i], l, h)
        }
        guard points.count >= 2 else { return nil }
        let top = points.map { "\(coordinate(frame.px($0.0))) \(coordinate(frame.py($0.2)))" }
        let bottom = points.reversed().map { "\(coordinate(frame.px($0.0))) \(coordinate(frame.py($0.1)))" }
        return "M" + (top + bottom).joined(separator: " L") + " Z"
    }

    /// A standalone SVG document of `width` x `height` around `nodes`.
    static func document(_ nodes: [SVGNode], width: Double, height: Double) -> String {
        XML(.element(named: "svg", nodes: root(nodes, width: width, height: height))).render(indentedBy: nil)
    }

    /// The root element's attributes and children.
    static func root(_ nodes: [SVGNode], width: Double, height: Double) -> [SVGNode] {
        [
            .attribute(named: "xmlns", value: "http://www.w3.org/2000/svg"),
            .attribute(named: "width", value: coordinate(width)),
            .attribute(named: "height", value: coordinate(height)),
            .attribute(named: "viewBox", value: "0 0 \(coordinate(width)) \(coordinate(height))"),
            .attribute(named: "font-family", value: "DejaVu Sans, Helvetica, Arial, sans-serif"),
            .attribute(named: "role", value: "img"),
        ] + nodes
    }
}

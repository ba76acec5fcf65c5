import GradScopeResults
import Foundation
import Plot

/// The first layer's filters of each conv cell trained on images, before and after training (filters.csv, the
/// first seed): one row per cell, each filter a k x k greyscale picture, its step-0 picture on the left and its
/// last-step picture on the right. Each filter is drawn on its own scale, shared by its two pictures: mid grey is
/// 0, white +max|w| and black -max|w| over both, so a filter that did not learn looks the same twice.
struct FilterFigure {
    /// One row: the cell's label and id, and each step's filters as weights[filter][dy * k + dx].
    struct Row {
        var label: String
        var cell: String
        var before: [[Double]]
        var after: [[Double]]
    }

    let rows: [Row]
    let kernel: Int
    let steps: (first: Int, last: Int)

    static let pixel = 9.0
    var filterSide: Double { Double(kernel) * Self.pixel }
    var filterCount: Int { rows.map(\.before.count).max() ?? 0 }
    var blockWidth: Double { Double(filterCount) * (filterSide + 4) }
    var left: Double { 16 + 6.6 * Double(rows.map(\.label.count).max() ?? 0) }
    var width: Double { max(left + 2 * blockWidth + 40, 560) }
    var rowHeight: Double { filterSide + 12 }
    var height: Double { 64 + Double(rows.count) * rowHeight + 28 }

    /// The figure from filters.csv's rows grouped by cell, for the cells in `cells` order, labelled by `label`.
    init?(filters: [String: [[String: String]]], cells: [[String: String]], label: ([String: String]) -> String) {
        var kernel = 0, first = Int.max, last = Int.min
        var rows = [Row]()
        for cell in cells {
            guard let id = cell[Column.cell], let table = filters[id], let seed = table.first?[Column.seed] else {
                continue
            }
            let mine = table.filter { $0[Column.seed] == seed }
            let steps = mine.compactMap { $0.number(Column.step).map(Int.init) }
            guard let start = steps.min(), let end = steps.max(), end > start else { continue }
            (first, last) = (min(first, start), max(last, end))
            func pictures(_ step: Int) -> [[Double]] {
                var byFilter = [Int: [Double]]()  // filters.csv is ordered filter, dy, dx
                for row in mine where row.number(Column.step).map(Int.init) == step {
                    guard let f = row.number("filter"), let dy = row.number("dy"), let dx = row.number("dx"),
                        let w = row.number("weight")
                    else { continue }
                    kernel = max(kernel, Int(dy) + 1)
                    kernel = max(kernel, Int(dx) + 1)
                    byFilter[Int(f), default: []].append(w)
                }
                return byFilter.keys.sorted().map { byFilter[$0, default: []] }
            }
            rows.append(Row(label: label(cell), cell: id, before: pictures(start), after: pictures(end)))
        }
        guard !rows.isEmpty, kernel > 0 else { return nil }
        (self.rows, self.kernel, self.steps) = (rows, kernel, (first, last))
    }

    func nodes() -> [SVGNode] {
        var nodes: [SVGNode] = [
            SVG.background,
            SVG.text(
                "First-layer filters before (step \(steps.first)) and after (step \(steps.last)) training",
                x: width / 2, y: 22, size: 14, anchor: "middle", weight: "bold", className: "title"),
            SVG.text("before", x: left + blockWidth / 2, y: 50, size: 12, anchor: "middle", className: "x-label"),
            SVG.text(
                "after", x: left + blockWidth + 24 + blockWidth / 2, y: 50, size: 12, anchor: "middle",
                className: "x-label"),
        ]
        for (i, row) in rows.enumerated() {
            let y = 60 + Double(i) * rowHeight
            nodes.append(
                SVG.text(row.label, x: left - 8, y: y + filterSide / 2 + 4, size: 11, anchor: "end", className: "tick"))
            for (f, before) in row.before.enumerated() {
                let after = row.after.indices.contains(f) ? row.after[f] : before
                let scale = max((before + after).map(abs).max() ?? 0, 1e-300)
                let x = left + Double(f) * (filterSide + 4)
                nodes += picture(before, scale: scale, x: x, y: y, cell: row.cell, filter: f, step: steps.first)
                nodes += picture(
                    after, scale: scale, x: x + blockWidth + 24, y: y, cell: row.cell, filter: f, step: steps.last)
            }
        }
        nodes.append(
            SVG.text(
                "each filter on its own scale, shared by its two pictures: mid grey 0, white +max|w|, black -max|w|; "
                    + "the first seed",
                x: 8, y: height - 10, size: 11, className: "legend"))
        return nodes
    }

    /// One filter as k x k grey squares with a thin frame.
    private func picture(_ weights: [Double], scale: Double, x: Double, y: Double, cell: String, filter: Int, step: Int)
        -> [SVGNode]
    {
        var nodes = [SVGNode]()
        for (tap, w) in weights.enumerated() {
            let level = Int((255 * (0.5 + 0.5 * w / scale)).rounded())
            let grey = String(format: "#%02x%02x%02x", level, level, level)
            nodes.append(
                .element(
                    named: "rect",
                    attributes: [
                        .attribute(named: "class", value: "filter-pixel"),
                        .attribute(named: "x", value: SVG.coordinate(x + Double(tap % kernel) * Self.pixel)),
                        .attribute(named: "y", value: SVG.coordinate(y + Double(tap / kernel) * Self.pixel)),
                        .attribute(named: "width", value: SVG.coordinate(Self.pixel)),
                        .attribute(named: "height", value: SVG.coordinate(Self.pixel)),
                        .attribute(named: "fill", value: grey),
                        .attribute(named: "data-cell", value: cell),
                        .attribute(named: "data-filter", value: "\(filter)"),
                        .attribute(named: "data-step", value: "\(step)"),
                        .attribute(named: "data-value", value: SVG.number(w)),
                    ]))
        }
        nodes.append(
            .element(
                named: "rect",
                attributes: [
                    .attribute(named: "x", value: SVG.coordinate(x - 0.5)),
                    .attribute(named: "y", value: SVG.coordinate(y - 0.5)),
                    .attribute(named: "width", value: SVG.coordinate(filterSide + 1)),
                    .attribute(named: "height", value: SVG.coordinate(filterSide + 1)),
                    .attribute(named: "fill", value: "none"),
                    .attribute(named: "stroke", value: "#888888"), .attribute(named: "stroke-width", value: "0.5"),
                ]))
        return nodes
    }
}

extension Report {
    /// The first-layer filters before and after training, when filters.csv has any.
    func filterFigure() -> Figure? {
        let label = { (cell: [String: String]) in
            grouping.axes.isEmpty
                ? cell[Column.cell] ?? "" : grouping.axes.map { grouping.value($0, cell) }.joined(separator: ", ")
        }
        guard let map = FilterFigure(filters: tables.filters, cells: tables.cells, label: label) else { return nil }
        let axes = grouping.axes.map(grouping.name).joined(separator: ", ")
        return Figure(
            name: "filters",
            caption: "The first layer's filters (k x k weights on the image) before and after training, from "
                + "filters.csv, one row per cell (\(axes)): did the first layer learn?",
            nodes: map.nodes(), width: map.width, height: map.height)
    }
}

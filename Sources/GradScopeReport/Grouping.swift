import GradScopeResults
import Algorithms
/// How the cells of a sweep are laid out in a figure: the first swept axis makes the facets
/// (when there are two or more axes), the other axes the colours, named by their values.
struct Grouping {
    /// The swept keys as CSV columns, in the config's order.
    let axes: [String]
    /// The distinct colour labels in grid order, and the position of each.
    let labels: [String]
    private let index: [String: Int]

    init(axes: [String], cells: [[String: String]]) {
        self.axes = axes
        let colourAxes = axes.count >= 2 ? Array(axes.dropFirst()) : axes
        labels = Array(cells.map { Grouping.label($0, colourAxes) }.uniqued())
        index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
    }

    var facetAxis: String? { axes.count >= 2 ? axes[0] : nil }
    var colourAxes: [String] { axes.count >= 2 ? Array(axes.dropFirst()) : axes }

    func facet(_ cell: [String: String]) -> String {
        facetAxis.map { "\($0) = \(cell[$0] ?? "")" } ?? ""
    }

    func colourLabel(_ cell: [String: String]) -> String { Grouping.label(cell, colourAxes) }

    private static func label(_ cell: [String: String], _ colourAxes: [String]) -> String {
        colourAxes.isEmpty
            ? (cell[Column.cell] ?? "") : colourAxes.map { "\($0) = \(cell[$0] ?? "")" }.joined(separator: ", ")
    }

    /// The colour of the cell's label, and (past the palette's eight colours) a dotted pattern.
    func style(_ cell: [String: String]) -> (colour: String, dash: String?) {
        Grouping.style(index[colourLabel(cell)] ?? 0)
    }

    static func style(_ index: Int) -> (colour: String, dash: String?) {
        (Palette.colour(index), index < Palette.categorical.count ? nil : "2 2")
    }

    var legend: [(String, String, String?)] {
        labels.enumerated().map { i, label in (label, Grouping.style(i).colour, Grouping.style(i).dash) }
    }

    /// One panel per facet, in order of first appearance, holding the series of its cells
    /// (`cells` maps a series' key to its cell's row).
    func panels(_ series: [Series], cells: [String: [String: String]]) -> [Panel] {
        var panels = [String: Panel](), order = [String]()
        for s in series {
            let facet = cells[s.key].map(self.facet) ?? ""
            if panels[facet] == nil {
                order.append(facet)
                panels[facet] = Panel(title: facet, series: [])
            }
            panels[facet]?.series.append(s)
        }
        return order.compactMap { panels[$0] }
    }
}

import GradScopeResults
import Algorithms
/// How the cells of a sweep are laid out in a figure: the first swept axis makes the facets
/// (when there are two or more axes), the other axes the colours, named by their values.
struct Grouping {
    /// The swept keys as CSV columns, in the config's order.
    let axes: [String]
    /// The swept keys inside a column, by column (`init` -> [`init.scale`]): a label names them and their
    /// values, not the whole column.
    let keys: [String: [String]]
    /// The distinct colour labels in grid order, and the position of each.
    let labels: [String]
    private let index: [String: Int]

    init(axes: [String], keys: [String: [String]] = [:], cells: [[String: String]]) {
        (self.axes, self.keys) = (axes, keys)
        let colourAxes = axes.count >= 2 ? Array(axes.dropFirst()) : axes
        labels = Array(cells.map { Grouping.label($0, colourAxes, keys) }.uniqued())
        index = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
    }

    var facetAxis: String? { axes.count >= 2 ? axes[0] : nil }
    var colourAxes: [String] { axes.count >= 2 ? Array(axes.dropFirst()) : axes }

    func facet(_ cell: [String: String]) -> String {
        facetAxis.map { describe($0, cell) } ?? ""
    }

    func colourLabel(_ cell: [String: String]) -> String { Grouping.label(cell, colourAxes, keys) }

    private static func label(_ cell: [String: String], _ colourAxes: [String], _ keys: [String: [String]]) -> String {
        colourAxes.isEmpty
            ? (cell[Column.cell] ?? "")
            : colourAxes.map { describe($0, cell, keys[$0] ?? []) }.joined(separator: ", ")
    }

    /// "bias_std = 0.1", or for a column with swept keys inside it "init.scale = 0.5" (not the whole object).
    func describe(_ axis: String, _ cell: [String: String]) -> String {
        Grouping.describe(axis, cell, keys[axis] ?? [])
    }

    /// The axis's value in `cell`: the swept keys' values inside its column ("0.5"), or the column's text.
    func value(_ axis: String, _ cell: [String: String]) -> String {
        let inner = keys[axis] ?? []
        guard !inner.isEmpty else { return cell[axis] ?? "" }
        return inner.map { Grouping.member($0, of: cell[axis] ?? "") }.joined(separator: ", ")
    }

    /// The axis's name: its swept keys ("init.scale"), or the column.
    func name(_ axis: String) -> String {
        let inner = keys[axis] ?? []
        return inner.isEmpty ? axis : inner.joined(separator: ", ")
    }

    private static func describe(_ axis: String, _ cell: [String: String], _ inner: [String]) -> String {
        guard !inner.isEmpty else { return "\(axis) = \(cell[axis] ?? "")" }
        return inner.map { "\($0) = \(member($0, of: cell[axis] ?? ""))" }.joined(separator: ", ")
    }

    /// The value of `key`'s last part in a column written as `name(k=v,k=v)`: "0.5" for `init.scale` in
    /// `variance_scaling(scale=0.5,mode=fan_in)`; the name for `init.name`; the whole text otherwise.
    static func member(_ key: String, of text: String) -> String {
        let field = key.split(separator: ".").last.map(String.init) ?? key
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return text }
        if field == "name" { return String(text[..<open]) }
        for pair in text[text.index(after: open)..<text.index(before: text.endIndex)].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == field { return String(parts[1]) }
        }
        return text
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

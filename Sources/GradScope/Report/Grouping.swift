/// How the cells of a sweep are laid out in a figure: the first swept axis makes the facets
/// (when there are two or more axes), the other axes the colours, named by their values.
struct Grouping {
    /// The swept keys as CSV columns, in the config's order.
    let axes: [String]

    var facetAxis: String? { axes.count >= 2 ? axes[0] : nil }
    var colourAxes: [String] { axes.count >= 2 ? Array(axes.dropFirst()) : axes }

    func facet(_ cell: [String: String]) -> String {
        facetAxis.map { "\($0) = \(cell[$0] ?? "")" } ?? ""
    }

    func colourLabel(_ cell: [String: String]) -> String {
        colourAxes.isEmpty ? (cell["cell"] ?? "") : colourAxes.map { "\($0) = \(cell[$0] ?? "")" }.joined(separator: ", ")
    }

    /// The distinct colour labels in grid order.
    func labels(_ cells: [[String: String]]) -> [String] { cells.map(colourLabel).uniqued() }

    /// The colour of the cell's label, and (past the palette's eight colours) a dotted pattern.
    func style(_ cell: [String: String], _ cells: [[String: String]]) -> (colour: String, dash: String?) {
        Grouping.style(labels(cells).firstIndex(of: colourLabel(cell)) ?? 0)
    }

    static func style(_ index: Int) -> (colour: String, dash: String?) {
        (Palette.colour(index), index < Palette.categorical.count ? nil : "2 2")
    }

    func legend(_ cells: [[String: String]]) -> [(String, String, String?)] {
        labels(cells).enumerated().map { i, label in (label, Grouping.style(i).colour, Grouping.style(i).dash) }
    }
}

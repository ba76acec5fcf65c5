extension CellTheory {
    /// Mean-field theory for each cell (index in `cells`), computed once per network family: cells
    /// that differ only in depth share the deepest one's layer sequence (a shallower net is its prefix).
    static func forCells(_ cells: [Cell]) -> [Int: CellTheory] {
        var families = [String: (theory: MeanField, deepest: Cell)]()
        func key(_ c: Cell) -> String {
            "\(c.activation);\(c.width);\(c.initializer);\(c.biasStd);\(c.inputStd);\(c.architecture);\(c.residualScale)"
        }
        for cell in cells where families[key(cell)].map({ $0.deepest.depth < cell.depth }) ?? true {
            families[key(cell)] = (MeanField(cell), cell)
        }
        var gains = [String: [Double]](), points = [String: (q: Double, chi: Double)]()
        for (k, family) in families {
            gains[k] = family.theory.squaredGains(family.deepest)
            points[k] = family.theory.fixedPoint
        }
        var result = [Int: CellTheory]()
        for (index, cell) in cells.enumerated() {
            let k = key(cell)
            guard let all = gains[k], let point = points[k] else { continue }
            result[index] = CellTheory(squaredGains: Array(all.prefix(cell.depth)), fixedPoint: point.q,
                                       chiAtFixedPoint: point.chi, phase: Phase(chi: point.chi).rawValue)
        }
        return result
    }
}

/// What one step of a gated recurrent kind (`LSTMStep`, `GRUStep`) saves for its backward pass.
package struct GatedTape<Scalar: BLASScalar>: LayerTape {
    /// The activated gates side by side: LSTM [s(i) s(f) tanh(g) s(o)], GRU [r u n]; batch x gates·width.
    var gates: Matrix<Scalar>
    /// LSTM: tanh(c_t). GRU: A_n + b_hn, the candidate's recurrent part before r. batch x width.
    var auxiliary: Matrix<Scalar>
    /// LSTM: the cell state c_t; empty for the GRU.
    var cellState: Matrix<Scalar>
    /// Mean and std of h_t's entries, and the saturated fraction of the step's gates.
    package var statistics: ActivationStatistics = .zero
    /// The pair correlation of h_t, when recorded.
    package var correlation: PairCorrelation?

    /// A gated step's tapes are its own (never from the pool).
    package var pooled: [[Scalar]] { [] }

    /// A tape for `rows` examples of a step of `gateCount` gates and `width` units, `cellState` holding c_t or not.
    init(rows: Int, width: Int, gateCount: Int, cellState: Bool) {
        gates = Matrix(rows: rows, columns: gateCount * width)
        auxiliary = Matrix(rows: rows, columns: width)
        self.cellState = cellState ? Matrix(rows: rows, columns: width) : .empty
    }

    /// Row 0 (the batch's first example) of `m`, in float64.
    static func firstRow(_ m: Matrix<Scalar>) -> [Double] { (0..<m.columns).map { Double(m.elements[$0]) } }
}

extension GatedTape {
    /// Mean and population std of h_t's entries, with the saturated fraction of the step's gates.
    static func statistics(_ h: Matrix<Scalar>, saturated: Double) -> ActivationStatistics {
        let count = Double(h.elements.count)
        let mean = h.elements.reduce(0.0) { $0 + Double($1) } / count
        let variance = h.elements.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
        return ActivationStatistics(mean: mean, std: variance.squareRoot(), saturatedFraction: saturated)
    }
}

extension LayerKind where Tape == GatedTape<Scalar> {
    /// h_t, the state: a gated step's gates have no single pre-activation.
    package func correlationRows(input: Matrix<Scalar>, scratch: Matrix<Scalar>, output: Matrix<Scalar>)
        -> Matrix<Scalar>
    { output }
}

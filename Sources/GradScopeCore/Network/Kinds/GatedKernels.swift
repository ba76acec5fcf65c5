import Foundation

/// The elementwise maps of one gated step, forward and backward, in float64 arithmetic on each entry.
enum GatedKernels {
    /// A gated step has its own nonlinearities (sigmoid gates, tanh): `activation` must be unset or tanh;
    /// and it has no kernel for `delta_orthogonal`.
    static func validateActivation(_ cell: Cell) throws(ParameterError) {
        try cell.requireNoDeltaOrthogonal()
        guard cell.activation != .tanh, cell.activation != Cell.defaults.activation else { return }
        throw ParameterError(
            key: "activation",
            message: "\(cell.architecture.rawValue) has its own nonlinearities (sigmoid gates, tanh); leave activation "
                + "unset or set \"tanh\", got \(cell.activation.rawValue)")
    }

    @inline(__always) static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

    /// Whether an activated gate's derivative is below 0.05 of its maximum (sigmoid: s(1-s) < 0.0125,
    /// tanh: 1 - t^2 < 0.05): what `saturated_fraction` counts.
    @inline(__always) static func saturated(_ value: Double, tanh: Bool) -> Bool {
        tanh ? 1 - value * value < 0.05 : value * (1 - value) < 0.05 * 0.25
    }

    /// Calls `body(unit, base, j)` for every unit of a rows x width state: `unit` is its index in the state,
    /// `j` its column and `base` where its row starts in the rows x gates·width gate matrix (its gate k
    /// is at base + k width + j).
    @inline(__always) static func forEachUnit(
        rows: Int, width: Int, gates: Int, _ body: (_ unit: Int, _ base: Int, _ j: Int) -> Void
    ) {
        for row in 0..<rows {
            for j in 0..<width { body(row * width + j, row * gates * width, j) }
        }
    }

    /// out = x_t U + b: the input's and the bias's share of every gate's pre-activation.
    static func inputTerm<S: BLASScalar>(_ drive: InputDrive<S>, bias: [S], into out: inout Matrix<S>) {
        S.gemm(drive.input, transposeA: false, drive.weights, transposeB: false, into: &out, alpha: 1, beta: 0)
        Kernels.addBias(bias, to: &out.elements, columns: out.columns)
    }

    /// How many of the two are true.
    @inline(__always) static func count(_ a: Bool, _ b: Bool) -> Int { (a ? 1 : 0) + (b ? 1 : 0) }

    /// LSTM forward from P (batch x 4n) and c_{t-1}: the tape, c_t and h_t; the saturated gate fraction.
    static func lstmForward<S: BLASScalar>(
        _ p: Matrix<S>, previousCellState: Matrix<S>, tape: inout GatedTape<S>, cellState: inout Matrix<S>,
        hidden: inout Matrix<S>
    ) -> Double {
        let n = hidden.columns
        var saturatedCount = 0
        forEachUnit(rows: hidden.rows, width: n, gates: 4) { e, base, j in
            let i = sigmoid(Double(p.elements[base + j])), f = sigmoid(Double(p.elements[base + n + j]))
            let g = Foundation.tanh(Double(p.elements[base + 2 * n + j]))
            let o = sigmoid(Double(p.elements[base + 3 * n + j]))
            let c = f * Double(previousCellState.elements[e]) + i * g, tc = Foundation.tanh(c)
            (tape.gates.elements[base + j], tape.gates.elements[base + n + j]) = (S(i), S(f))
            (tape.gates.elements[base + 2 * n + j], tape.gates.elements[base + 3 * n + j]) = (S(g), S(o))
            saturatedCount +=
                count(saturated(i, tanh: false), saturated(f, tanh: false))
                + count(saturated(g, tanh: true), saturated(o, tanh: false))
            tape.auxiliary.elements[e] = S(tc)
            cellState.elements[e] = S(c)
            hidden.elements[e] = S(o * tc)
        }
        return Double(saturatedCount) / Double(4 * n * hidden.rows)
    }

    /// GRU forward from X = x_t U + b and A = h_{t-1} W (batch x 3n each), b_hn and h_{t-1}.
    static func gruForward<S: BLASScalar>(
        input x: Matrix<S>, recurrent a: Matrix<S>, hiddenBias: [S], previous: Matrix<S>,
        tape: inout GatedTape<S>, hidden: inout Matrix<S>
    ) -> Double {
        let n = hidden.columns
        var saturatedCount = 0
        forEachUnit(rows: hidden.rows, width: n, gates: 3) { e, base, j in
            let r = sigmoid(Double(x.elements[base + j]) + Double(a.elements[base + j]))
            let u = sigmoid(Double(x.elements[base + n + j]) + Double(a.elements[base + n + j]))
            let candidate = Double(a.elements[base + 2 * n + j]) + Double(hiddenBias[j])
            let m = Foundation.tanh(Double(x.elements[base + 2 * n + j]) + r * candidate)
            (tape.gates.elements[base + j], tape.gates.elements[base + n + j]) = (S(r), S(u))
            tape.gates.elements[base + 2 * n + j] = S(m)
            saturatedCount +=
                count(saturated(r, tanh: false), saturated(u, tanh: false))
                + count(saturated(m, tanh: true), false)
            tape.auxiliary.elements[e] = S(candidate)
            hidden.elements[e] = S((1 - u) * m + u * Double(previous.elements[e]))
        }
        return Double(saturatedCount) / Double(3 * n * hidden.rows)
    }

    /// LSTM backward of one step: from dh_t (the total derivative) and dc from step t+1, the total dc_t
    /// (into `cellStateGradient`, then replaced by dc_{t-1} = dc_t s(f)) and dP (into `delta`).
    static func lstmBackward<S: BLASScalar>(
        hiddenGradient dh: Matrix<S>, cellStateGradient dc: inout Matrix<S>, totalCellStateGradient: inout Matrix<S>,
        tape: GatedTape<S>, previousCellState: Matrix<S>, delta: inout Matrix<S>
    ) {
        let n = dh.columns
        forEachUnit(rows: dh.rows, width: n, gates: 4) { e, base, j in
            let i = Double(tape.gates.elements[base + j]), f = Double(tape.gates.elements[base + n + j])
            let g = Double(tape.gates.elements[base + 2 * n + j]), o = Double(tape.gates.elements[base + 3 * n + j])
            let tc = Double(tape.auxiliary.elements[e]), h = Double(dh.elements[e])
            let total = Double(dc.elements[e]) + h * o * (1 - tc * tc)
            totalCellStateGradient.elements[e] = S(total)
            delta.elements[base + j] = S(total * g * i * (1 - i))
            delta.elements[base + n + j] = S(total * Double(previousCellState.elements[e]) * f * (1 - f))
            delta.elements[base + 2 * n + j] = S(total * i * (1 - g * g))
            delta.elements[base + 3 * n + j] = S(h * tc * o * (1 - o))
            dc.elements[e] = S(total * f)
        }
    }

    /// GRU backward of one step from dh_t: dX (into `delta`, the gates' pre-activations), dA (into
    /// `recurrentDelta`) and the direct part u dh_t of dh_{t-1} (into `direct`).
    static func gruBackward<S: BLASScalar>(
        hiddenGradient dh: Matrix<S>, tape: GatedTape<S>, previous: Matrix<S>, delta: inout Matrix<S>,
        recurrentDelta: inout Matrix<S>, direct: inout Matrix<S>
    ) {
        let n = dh.columns
        forEachUnit(rows: dh.rows, width: n, gates: 3) { e, base, j in
            let r = Double(tape.gates.elements[base + j]), u = Double(tape.gates.elements[base + n + j])
            let m = Double(tape.gates.elements[base + 2 * n + j]), h = Double(dh.elements[e])
            let dm = h * (1 - u) * (1 - m * m)  // dLoss/d(pre-activation of n)
            let dr = dm * Double(tape.auxiliary.elements[e]) * r * (1 - r)
            let du = h * (Double(previous.elements[e]) - m) * u * (1 - u)
            (delta.elements[base + j], delta.elements[base + n + j], delta.elements[base + 2 * n + j]) = (
                S(dr), S(du), S(dm)
            )
            (recurrentDelta.elements[base + j], recurrentDelta.elements[base + n + j]) = (S(dr), S(du))
            recurrentDelta.elements[base + 2 * n + j] = S(dm * r)
            direct.elements[e] = S(h * u)
        }
    }
}

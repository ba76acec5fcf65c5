/// One step of PyTorch's `nn.LSTM` cell (gates [i f g o] side by side, one product per step for all
/// gates): P = x_t U + h_{t-1} W + b, c_t = s(f) c_{t-1} + s(i) tanh(g), h_t = s(o) tanh(c_t) (s the
/// logistic sigmoid), `forget_bias` added to b_f. The state is (h, c); the backward pass carries dc.
package struct LSTMStep<Scalar: BLASScalar>: LayerKind {
    let forgetBias: Double

    package init(_ cell: Cell) { forgetBias = cell.forgetBias }

    package var layout: ParameterLayout { ParameterLayout(gates: 4, recurrent: true) }
    package var options: Set<CellOption> { [.inputSize, .inputInit, .forgetBias] }
    /// No mean-field theory here yet.
    package var meanField: MeanFieldForm? { nil }
    /// The gates (one batch x width block each), h_t and two more.
    package var savedStates: Int { 7 }

    package func validate(_ cell: Cell) throws(ParameterError) { try GatedKernels.validateActivation(cell) }

    /// b_f += forget_bias.
    package func initialBias(_ drawn: [Double]) -> [Double] {
        let n = drawn.count / 4
        var b = drawn
        for j in n..<(2 * n) { b[j] += forgetBias }
        return b
    }

    /// P for the forward pass; dc (carried), the total dc_t and c_0 = 0 for the backward pass.
    package struct Workspace: LayerWorkspace {
        var preActivations: Matrix<Scalar>
        /// dc from the step above (then dc_{t-1} for the step below).
        var cellStateGradient: Matrix<Scalar>
        var totalCellStateGradient: Matrix<Scalar>
        let zero: Matrix<Scalar>

        package var carried: Matrix<Scalar>? { cellStateGradient }
        package mutating func scaleCarried(byPowerOfTwo n: Int) { cellStateGradient.scaleByPowerOfTwo(n) }
        package mutating func startBackward() { cellStateGradient = zero }
    }

    package func makeTape(rows: Int, features: Int, buffer: () -> Matrix<Scalar>) -> GatedTape<Scalar> {
        GatedTape(rows: rows, width: features, gateCount: 4, cellState: true)
    }

    package func makeWorkspace(rows: Int, features: Int) -> Workspace {
        let zero = Matrix<Scalar>(rows: rows, columns: features)
        return Workspace(
            preActivations: Matrix(rows: rows, columns: 4 * features), cellStateGradient: zero,
            totalCellStateGradient: zero, zero: zero)
    }

    package func forward(
        _ input: Matrix<Scalar>, _ map: AffineMap<Scalar>, previous: GatedTape<Scalar>?, tape: inout GatedTape<Scalar>,
        workspace: inout Workspace, scratch: inout Matrix<Scalar>, output: inout Matrix<Scalar>
    ) -> RunStatus {
        guard let drive = map.drive else { return .nan }
        var p = Matrix<Scalar>.empty, c = Matrix<Scalar>.empty
        swap(&p, &workspace.preActivations)
        swap(&c, &tape.cellState)
        defer {
            swap(&p, &workspace.preActivations)
            swap(&c, &tape.cellState)
        }
        GatedKernels.inputTerm(drive, bias: map.bias, into: &p)
        Scalar.gemm(input, transposeA: false, map.weights, transposeB: false, into: &p, alpha: 1, beta: 1)
        if !InRangeProduct.maxMagnitude(p.elements).isFinite {
            let status = map.applyInRange(input, into: &p)
            guard status == .ok else { return status }
        }
        let saturated = GatedKernels.lstmForward(
            p, previousCellState: previous?.cellState ?? workspace.zero, tape: &tape, cellState: &c, hidden: &output)
        tape.statistics = GatedTape.statistics(output, saturated: saturated)
        return .ok
    }

    /// dP into `delta` from dh_t and the carried dc; the total dc_t into the workspace, and dc_{t-1} = dc_t s(f)
    /// carried to the step below.
    package func delta(
        gradient: Matrix<Scalar>, input: Matrix<Scalar>, tape: GatedTape<Scalar>, previous: GatedTape<Scalar>?,
        workspace: inout Workspace, into delta: inout Matrix<Scalar>
    ) -> RowAndColumnSums? {
        GatedKernels.lstmBackward(
            hiddenGradient: gradient, cellStateGradient: &workspace.cellStateGradient,
            totalCellStateGradient: &workspace.totalCellStateGradient,
            tape: tape,
            previousCellState: previous?.cellState ?? workspace.zero, delta: &delta)
        return nil
    }

    /// dh_{t-1} = dP W^T.
    package func propagate(
        delta: Matrix<Scalar>, gradient: Matrix<Scalar>, weights: Matrix<Scalar>, tape: GatedTape<Scalar>,
        workspace: Workspace, into out: inout Matrix<Scalar>
    ) {
        Scalar.gemm(delta, transposeA: false, weights, transposeB: true, into: &out, alpha: 1, beta: 0)
    }

    package func cellStateGradient(_ workspace: Workspace) -> Matrix<Scalar>? { workspace.totalCellStateGradient }

    /// The state is h and c side by side.
    package func stateColumns(features: Int) -> Int { 2 * features }

    /// Tangents [dh | dc] of step t from those of step t-1, with A = dh_{t-1} W:
    /// dc_t = A_i g i(1-i) + A_f c_{t-1} f(1-f) + A_g i (1-g^2) + dc_{t-1} f,
    /// dh_t = A_o tanh(c_t) o(1-o) + o (1 - tanh(c_t)^2) dc_t.
    package func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>, tape: GatedTape<Scalar>,
        previous: GatedTape<Scalar>?, input: Matrix<Scalar>
    ) {
        let n = weights.rows, rows = product.rows
        let hidden = product.columns(0..<n)
        var a = Matrix<Double>(rows: rows, columns: 4 * n)
        Double.gemm(hidden, transposeA: false, weights, transposeB: false, into: &a, alpha: 1, beta: 0)
        let gates = GatedTape.firstRow(tape.gates), tc = GatedTape.firstRow(tape.auxiliary)
        let cPrevious = previous.map { GatedTape.firstRow($0.cellState) } ?? [Double](repeating: 0, count: n)
        for r in 0..<rows {
            for j in 0..<n {
                let (i, f, g, o) = (gates[j], gates[n + j], gates[2 * n + j], gates[3 * n + j])
                let row = r * 4 * n
                let dc =
                    a.elements[row + j] * g * i * (1 - i) + a.elements[row + n + j] * cPrevious[j] * f * (1 - f)
                    + a.elements[row + 2 * n + j] * i * (1 - g * g) + product.elements[r * 2 * n + n + j] * f
                let dh = a.elements[row + 3 * n + j] * tc[j] * o * (1 - o) + o * (1 - tc[j] * tc[j]) * dc
                (next.elements[r * 2 * n + j], next.elements[r * 2 * n + n + j]) = (dh, dc)
            }
        }
        swap(&product, &next)
    }
}

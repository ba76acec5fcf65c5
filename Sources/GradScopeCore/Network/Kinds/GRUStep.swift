/// One step of PyTorch's `nn.GRU` cell (gates [r u n] side by side): X = x_t U + b, A = h_{t-1} W,
/// r = s(X_r + A_r), u = s(X_u + A_u), n = tanh(X_n + r (A_n + b_hn)), h_t = (1 - u) n + u h_{t-1}.
/// D_l is dX (what U and b see); W sees dA, which differs from dX in the candidate's block (times r).
package struct GRUStep<Scalar: BLASScalar>: LayerKind {
    package init(_ cell: Cell) {}

    package var layout: ParameterLayout { ParameterLayout(gates: 3, recurrent: true, hiddenBias: true) }
    package var options: Set<CellOption> { [.inputSize, .inputInit] }
    /// No mean-field theory here yet.
    package var meanField: MeanFieldForm? { nil }
    /// The gates (one batch x width block each), h_t and two more.
    package var savedStates: Int { 6 }

    package func validate(_ cell: Cell) throws(ParameterError) { try GatedKernels.validateActivation(cell) }

    /// X and A for the forward pass; dA and the direct part u dh_t of dh_{t-1} for the backward pass.
    package struct Workspace: LayerWorkspace {
        var input: Matrix<Scalar>
        var recurrent: Matrix<Scalar>
        var recurrentDelta: Matrix<Scalar>
        var direct: Matrix<Scalar>
        package var carried: Matrix<Scalar>? { nil }
        package func scaleCarried(byPowerOfTwo n: Int) {}
        package func startBackward() {}
    }

    package func makeTape(rows: Int, features: Int, buffer: () -> Matrix<Scalar>) -> GatedTape<Scalar> {
        GatedTape(rows: rows, width: features, gateCount: 3, cellState: false)
    }

    package func makeWorkspace(rows: Int, features: Int) -> Workspace {
        let gates = Matrix<Scalar>(rows: rows, columns: 3 * features)
        return Workspace(
            input: gates, recurrent: gates, recurrentDelta: gates, direct: Matrix(rows: rows, columns: features))
    }

    package func forward(
        _ input: Matrix<Scalar>, _ map: AffineMap<Scalar>, previous: GatedTape<Scalar>?, tape: inout GatedTape<Scalar>,
        workspace: inout Workspace, scratch: inout Matrix<Scalar>, output: inout Matrix<Scalar>
    ) -> RunStatus {
        guard let drive = map.drive else { return .nan }
        let inputMap = AffineMap(weights: drive.weights, bias: map.bias)
        var (x, a) = (Matrix<Scalar>.empty, Matrix<Scalar>.empty)
        swap(&x, &workspace.input)
        swap(&a, &workspace.recurrent)
        defer {
            swap(&x, &workspace.input)
            swap(&a, &workspace.recurrent)
        }
        GatedKernels.inputTerm(drive, bias: map.bias, into: &x)
        Scalar.gemm(input, transposeA: false, map.weights, transposeB: false, into: &a, alpha: 1, beta: 0)
        if !InRangeProduct.maxMagnitude(x.elements).isFinite {
            let status = inputMap.applyInRange(drive.input, into: &x)
            guard status == .ok else { return status }
        }
        if !InRangeProduct.maxMagnitude(a.elements).isFinite {
            let recurrentMap = AffineMap(weights: map.weights, bias: [Scalar](repeating: 0, count: map.bias.count))
            let status = recurrentMap.applyInRange(input, into: &a)
            guard status == .ok else { return status }
        }
        let saturated = GatedKernels.gruForward(
            input: x, recurrent: a, hiddenBias: map.hiddenBias, previous: input, tape: &tape, hidden: &output)
        tape.statistics = GatedTape.statistics(output, saturated: saturated)
        return .ok
    }

    /// dX into `delta`; dA and u dh_t into the workspace.
    package func delta(
        gradient: Matrix<Scalar>, input: Matrix<Scalar>, tape: GatedTape<Scalar>, previous: GatedTape<Scalar>?,
        workspace: inout Workspace, into delta: inout Matrix<Scalar>
    ) -> RowAndColumnSums? {
        GatedKernels.gruBackward(
            hiddenGradient: gradient, tape: tape, previous: input, delta: &delta,
            recurrentDelta: &workspace.recurrentDelta, direct: &workspace.direct)
        return nil
    }

    /// dh_{t-1} = dA W^T + u dh_t.
    package func propagate(
        delta: Matrix<Scalar>, gradient: Matrix<Scalar>, weights: Matrix<Scalar>, tape: GatedTape<Scalar>,
        workspace: Workspace, into out: inout Matrix<Scalar>
    ) {
        Scalar.gemm(
            workspace.recurrentDelta, transposeA: false, weights, transposeB: true, into: &out, alpha: 1, beta: 0)
        Kernels.add(workspace.direct.elements, to: &out.elements)
    }

    package func propagationMagnitudes(delta: Matrix<Scalar>, gradient: Matrix<Scalar>, workspace: Workspace)
        -> [Double]
    {
        [
            InRangeProduct.maxMagnitude(workspace.recurrentDelta.elements),
            InRangeProduct.maxMagnitude(workspace.direct.elements),
        ]
    }

    package func scalePropagation(
        delta: inout Matrix<Scalar>, gradient: inout Matrix<Scalar>, workspace: inout Workspace, byPowerOfTwo n: Int
    ) {
        workspace.recurrentDelta.scaleByPowerOfTwo(n)
        workspace.direct.scaleByPowerOfTwo(n)
    }

    /// One bit for the sum with u dh_t.
    package var propagationHeadroom: Int { 1 }

    package func weightDelta(_ delta: Matrix<Scalar>, workspace: Workspace) -> Matrix<Scalar> {
        workspace.recurrentDelta
    }

    /// db (dX's column sums) and db_hn (the candidate block of dA's).
    package func biasGradient(_ delta: Matrix<Scalar>, sums: RowAndColumnSums?, workspace: Workspace) -> [Double] {
        delta.columnSums + workspace.recurrentDelta.columnSums.suffix(delta.columns / 3)
    }

    /// ||dX_b||^2 + ||dA_{n,b}||^2: what b and b_hn see beyond W's share ||dA_b||^2 ||h_{t-1,b}||^2.
    package func perExampleBiasSquares(_ delta: Matrix<Scalar>, workspace: Workspace) -> [Double]? {
        let n = delta.columns / 3
        let candidate = Kernels.rowSquares(workspace.recurrentDelta.columns((2 * n)..<(3 * n)).elements, columns: n)
        return zip(Kernels.rowSquares(delta.elements, columns: delta.columns), candidate).map { $0 + $1 }
    }

    /// Tangents dh_t from dh_{t-1}, with A = dh_{t-1} W: dr = r(1-r) A_r, du = u(1-u) A_u,
    /// dn = (1 - n^2)(r A_n + dr (a_n + b_hn)), dh_t = (1 - u) dn + du (h_{t-1} - n) + u dh_{t-1}.
    package func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>, tape: GatedTape<Scalar>,
        previous: GatedTape<Scalar>?, input: Matrix<Scalar>
    ) {
        let n = weights.rows, rows = product.rows
        var a = Matrix<Double>(rows: rows, columns: 3 * n)
        Double.gemm(product, transposeA: false, weights, transposeB: false, into: &a, alpha: 1, beta: 0)
        let gates = GatedTape.firstRow(tape.gates), candidate = GatedTape.firstRow(tape.auxiliary)
        let h = GatedTape.firstRow(input)
        for r in 0..<rows {
            for j in 0..<n {
                let (reset, update, m) = (gates[j], gates[n + j], gates[2 * n + j])
                let row = r * 3 * n
                let dr = reset * (1 - reset) * a.elements[row + j]
                let du = update * (1 - update) * a.elements[row + n + j]
                let dm = (1 - m * m) * (reset * a.elements[row + 2 * n + j] + dr * candidate[j])
                next.elements[r * n + j] =
                    (1 - update) * dm + du * (h[j] - m) + update * product.elements[r * n + j]
            }
        }
        swap(&product, &next)
    }
}

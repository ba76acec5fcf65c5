/// A pre-activation residual block: Z_l = phi(N(H_{l-1})) W_l + b_l, H_l = H_{l-1} + alpha Z_l
/// (N the identity without normalisation). Backward: D_l = alpha G_l,
/// G_{l-1} = G_l + N'((D_l W_l^T) * phi'(N(H_{l-1}))).
package struct ResidualLayer<Scalar: BLASScalar>: LayerKind {
    let activation: Activation
    let normalizer: Normalizer?
    /// alpha, the branch's weight.
    let scale: Double

    package init(_ cell: Cell) {
        (activation, normalizer, scale) = (cell.activation, Normalizer(cell), cell.residualScale)
    }

    package var layout: ParameterLayout { ParameterLayout() }
    package var options: Set<CellOption> { [.normalization, .inputCorrelation] }
    package var meanField: MeanFieldForm? { .residual(scale: scale) }
    /// The stream, phi of it and the branch (and N of the stream with a normaliser).
    package var savedStates: Int { normalizer == nil ? 3 : 4 }

    package func makeTape(rows: Int, features: Int, buffer: () -> Matrix<Scalar>) -> ActivationTape<Scalar> {
        ActivationTape(slopes: buffer(), branch: buffer(), normalized: normalizer == nil ? .empty : buffer())
    }

    package func forward(
        _ input: Matrix<Scalar>, _ map: AffineMap<Scalar>, previous: ActivationTape<Scalar>?,
        tape: inout ActivationTape<Scalar>, workspace: inout NoWorkspace<Scalar>, scratch: inout Matrix<Scalar>,
        output: inout Matrix<Scalar>
    ) -> RunStatus {
        // The branch is taken out of the tape while the tape fills, then put back (no copy).
        var branch = Matrix<Scalar>.empty
        swap(&branch, &tape.branch)
        let status = tape.activate(activation, normalizer, input, into: &branch)
        swap(&branch, &tape.branch)
        guard status == .ok else { return status }
        map.apply(tape.branch, into: &scratch)
        let alpha = Scalar(scale)
        let add = { (scratch: Matrix<Scalar>, output: inout Matrix<Scalar>) in
            Kernels.residualAdd(input.elements, scratch.elements, scale: alpha, into: &output.elements)
        }
        guard add(scratch, &output) != .ok else { return .ok }
        let product = map.applyInRange(tape.branch, into: &scratch)
        return product == .ok ? add(scratch, &output) : product
    }

    /// H_{l-1}, the stream the nonlinearity reads.
    package func correlationRows(input: Matrix<Scalar>, scratch: Matrix<Scalar>, output: Matrix<Scalar>) -> Matrix<
        Scalar
    > {
        input
    }

    package func delta(
        gradient: Matrix<Scalar>, input: Matrix<Scalar>, tape: ActivationTape<Scalar>,
        previous: ActivationTape<Scalar>?, workspace: inout NoWorkspace<Scalar>, into delta: inout Matrix<Scalar>
    ) -> RowAndColumnSums? {
        Kernels.scale(gradient.elements, by: Scalar(scale), into: &delta.elements)
        return nil
    }

    package func propagate(
        delta: Matrix<Scalar>, gradient: Matrix<Scalar>, weights: Matrix<Scalar>, tape: ActivationTape<Scalar>,
        workspace: NoWorkspace<Scalar>, into out: inout Matrix<Scalar>
    ) {
        Scalar.gemm(delta, transposeA: false, weights, transposeB: true, into: &out, alpha: 1, beta: 0)
        guard let normalizer else {
            Kernels.residualBackward(
                gradient: gradient.elements, slopes: tape.slopes.elements, accumulated: &out.elements)
            return
        }
        Kernels.multiply(&out.elements, by: tape.slopes.elements)
        normalizer.backward(&out, normalized: tape.normalized, inverseStd: tape.inverseStd)
        Kernels.add(gradient.elements, to: &out.elements)
    }

    package func propagationMagnitudes(
        delta: Matrix<Scalar>, gradient: Matrix<Scalar>, workspace: NoWorkspace<Scalar>
    ) -> [Double] {
        [InRangeProduct.maxMagnitude(delta.elements), InRangeProduct.maxMagnitude(gradient.elements)]
    }

    package func scalePropagation(
        delta: inout Matrix<Scalar>, gradient: inout Matrix<Scalar>, workspace: inout NoWorkspace<Scalar>,
        byPowerOfTwo n: Int
    ) {
        Kernels.scaleByPowerOfTwo(&delta.elements, n)
        Kernels.scaleByPowerOfTwo(&gradient.elements, n)
    }

    package func weightInput(_ input: Matrix<Scalar>, tape: ActivationTape<Scalar>) -> Matrix<Scalar> { tape.branch }

    /// Two bits for the sum with G_l and a slope phi' of up to 2 (selu's is 1.76); with normalisation also
    /// the inverse std, at most eps^-1/2, and the two subtracted means.
    package var propagationHeadroom: Int {
        guard let normalizer else { return 2 }
        return 4 + max(0, 1 - Int(normalizer.eps.squareRoot().exponent))
    }
    package var examplesIndependent: Bool { normalizer?.normalization != .batch }
    package var jacobianDefined: Bool { normalizer?.normalization != .batch }

    /// J_l = I + alpha N'(h) diag(phi'(N(h))) W_l.
    package func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>,
        tape: ActivationTape<Scalar>, previous: ActivationTape<Scalar>?, input: Matrix<Scalar>
    ) {
        let example = tape.firstExample
        var scaled = product
        normalizer?.backwardRows(&scaled, example: example)
        scaled.scaleColumns(by: example.slopes)
        next = product
        Double.gemm(scaled, transposeA: false, weights, transposeB: false, into: &next, alpha: scale, beta: 1)
        swap(&product, &next)
    }
}

/// A pre-activation residual block: Z_l = phi(N(H_{l-1})) W_l + b_l, H_l = H_{l-1} + alpha Z_l
/// (N the identity without normalisation). Backward: D_l = alpha G_l,
/// G_{l-1} = G_l + N'((D_l W_l^T) * phi'(N(H_{l-1}))).
struct ResidualBlock: LayerBlock {
    let activation: Activation
    let normalizer: Normalizer?
    /// alpha, the branch's weight.
    let scale: Double

    func makeTape<S: BLASScalar>(buffer: () -> Matrix<S>) -> LayerTape<S> {
        LayerTape(slopes: buffer(), branch: buffer(), normalized: normalizer == nil ? .empty : buffer())
    }

    func forward<S: BLASScalar>(
        _ input: Matrix<S>, _ map: AffineMap<S>, tape: inout LayerTape<S>, scratch: inout Matrix<S>,
        output: inout Matrix<S>
    ) -> RunStatus {
        // The branch is taken out of the tape while the tape fills, then put back (no copy).
        var branch = Matrix<S>.empty
        swap(&branch, &tape.branch)
        let status = tape.activate(activation, normalizer, input, into: &branch)
        swap(&branch, &tape.branch)
        guard status == .ok else { return status }
        map.apply(tape.branch, into: &scratch)
        let alpha = S(scale)
        let add = { (scratch: Matrix<S>, output: inout Matrix<S>) in
            Kernels.residualAdd(input.elements, scratch.elements, scale: alpha, into: &output.elements)
        }
        guard add(scratch, &output) != .ok else { return .ok }
        let product = map.applyInRange(tape.branch, into: &scratch)
        return product == .ok ? add(scratch, &output) : product
    }

    func delta<S: BLASScalar>(gradient: Matrix<S>, tape: LayerTape<S>, into delta: inout Matrix<S>) -> RowAndColumnSums?
    {
        Kernels.scale(gradient.elements, by: S(scale), into: &delta.elements)
        return nil
    }

    func propagate<S: BLASScalar>(
        delta: Matrix<S>, gradient: Matrix<S>, weights: Matrix<S>, tape: LayerTape<S>, into out: inout Matrix<S>
    ) {
        S.gemm(delta, transposeA: false, weights, transposeB: true, into: &out, alpha: 1, beta: 0)
        guard let normalizer else {
            Kernels.residualBackward(
                gradient: gradient.elements, slopes: tape.slopes.elements, accumulated: &out.elements)
            return
        }
        Kernels.multiply(&out.elements, by: tape.slopes.elements)
        normalizer.backward(&out, normalized: tape.normalized, inverseStd: tape.inverseStd)
        Kernels.add(gradient.elements, to: &out.elements)
    }

    func weightInput<S: BLASScalar>(_ input: Matrix<S>, tape: LayerTape<S>) -> Matrix<S> { tape.branch }

    var propagationReadsGradient: Bool { true }
    /// Two bits for the sum with G_l and a slope phi' of up to 2 (selu's is 1.76); with normalisation also
    /// the inverse std, at most eps^-1/2, and the two subtracted means.
    var propagationHeadroom: Int {
        guard let normalizer else { return 2 }
        return 4 + max(0, 1 - Int(normalizer.eps.squareRoot().exponent))
    }
    var examplesIndependent: Bool { normalizer?.normalization != .batch }
    var biasReachesLoss: Bool { true }
    var jacobianDefined: Bool { normalizer?.normalization != .batch }

    /// J_l = I + alpha N'(h) diag(phi'(N(h))) W_l.
    func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>, example: ExampleTape
    ) {
        var scaled = product
        normalizer?.backwardRows(&scaled, example: example)
        scaled.scaleColumns(by: example.slopes)
        next = product
        Double.gemm(scaled, transposeA: false, weights, transposeB: false, into: &next, alpha: scale, beta: 1)
        swap(&product, &next)
    }
}

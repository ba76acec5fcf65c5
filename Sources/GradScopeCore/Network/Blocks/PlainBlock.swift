/// A plain layer: Z_l = H_{l-1} W_l + b_l, H_l = phi(N(Z_l)) (N the identity without normalisation).
/// Backward: D_l = N'(G_l * phi'(N(Z_l))), G_{l-1} = D_l W_l^T.
struct PlainBlock: LayerBlock {
    let activation: Activation
    let normalizer: Normalizer?

    func makeTape<S: BLASScalar>(buffer: () -> Matrix<S>) -> LayerTape<S> {
        LayerTape(slopes: buffer(), branch: .empty, normalized: normalizer == nil ? .empty : buffer())
    }

    func forward<S: BLASScalar>(
        _ input: Matrix<S>, _ map: AffineMap<S>, tape: inout LayerTape<S>, scratch: inout Matrix<S>,
        output: inout Matrix<S>
    ) -> RunStatus {
        map.apply(input, into: &scratch)
        var status = tape.activate(activation, normalizer, scratch, into: &output)
        if status != .ok {
            status = map.applyInRange(input, into: &scratch)
            guard status == .ok else { return status }
            status = tape.activate(activation, normalizer, scratch, into: &output)
        }
        return status
    }

    func delta<S: BLASScalar>(gradient: Matrix<S>, tape: LayerTape<S>, into delta: inout Matrix<S>) -> RowAndColumnSums?
    {
        guard let normalizer else {
            return Kernels.multiply(
                gradient.elements, tape.slopes.elements, into: &delta.elements, columns: delta.columns)
        }
        Kernels.multiply(gradient.elements, tape.slopes.elements, into: &delta.elements)
        normalizer.backward(&delta, normalized: tape.normalized, inverseStd: tape.inverseStd)
        return nil
    }

    func propagate<S: BLASScalar>(
        delta: Matrix<S>, gradient: Matrix<S>, weights: Matrix<S>, tape: LayerTape<S>, into out: inout Matrix<S>
    ) {
        S.gemm(delta, transposeA: false, weights, transposeB: true, into: &out, alpha: 1, beta: 0)
    }

    func weightInput<S: BLASScalar>(_ input: Matrix<S>, tape: LayerTape<S>) -> Matrix<S> { input }

    var propagationReadsGradient: Bool { false }
    var propagationHeadroom: Int { 0 }
    var examplesIndependent: Bool { normalizer?.normalization != .batch }
    var biasReachesLoss: Bool { normalizer?.normalization != .batch }
    var jacobianDefined: Bool { normalizer?.normalization != .batch }

    /// J_l = W_l N'(z) diag(phi'(N(z))).
    func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>, example: ExampleTape
    ) {
        Double.gemm(product, transposeA: false, weights, transposeB: false, into: &next, alpha: 1, beta: 0)
        normalizer?.backwardRows(&next, example: example)
        next.scaleColumns(by: example.slopes)
        swap(&product, &next)
    }
}

extension Normalizer {
    /// Each row r of `m` -> r N'(u) for one example's normalised values u (N' is symmetric): a Jacobian step.
    func backwardRows(_ m: inout Matrix<Double>, example: ExampleTape) {
        let n = m.columns, units = Group(start: 0, stride: 1, count: n)
        for row in 0..<m.rows {
            Self.backward(
                &m.elements, Group(start: row * n, stride: 1, count: n), normalized: example.normalized, units,
                inverseStd: example.inverseStd)
        }
    }
}

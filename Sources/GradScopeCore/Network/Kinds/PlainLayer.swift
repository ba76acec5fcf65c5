/// A plain layer: Z_l = H_{l-1} W_l + b_l (or K_l * H_{l-1} + b_l, `Connectivity`), H_l = phi(N(Z_l))
/// (N the identity without normalisation). Backward: D_l = N'(G_l * phi'(N(Z_l))), G_{l-1} = D_l W_l^T
/// (or the convolution's adjoint).
///
/// It is also the step of a vanilla rnn (`rnn`): z_t = h_{t-1} W + x_t U + b, h_t = phi(z_t), with W, U
/// and b shared by all T = depth steps and h_0 = 0 the input; the affine map adds x_t U (`AffineMap`).
package struct PlainLayer<Scalar: BLASScalar>: ConnectedKind {
    let activation: Activation
    let normalizer: Normalizer?
    package let connectivity: Connectivity
    /// A convolution's patches and their gradient, reused across layers.
    package let buffers: PatchBuffers<Scalar>?
    package let layout: ParameterLayout

    package init(_ cell: Cell) {
        (activation, normalizer, connectivity) = (cell.activation, Normalizer(cell), Connectivity(cell))
        buffers = connectivity == .dense ? nil : PatchBuffers()
        layout = ParameterLayout(recurrent: cell.architecture == .rnn)
    }

    package var options: Set<CellOption> {
        layout.recurrent
            ? [.inputSize, .inputInit] : connectivity.options.union([.normalization, .inputCorrelation, .inputSize])
    }

    /// Dense layers and circularly padded convolutions (Xiao et al. 2018: the dense recursions with
    /// sigma_w^2 = fan_in Var(K)); none with zero padding, where border units see fewer taps.
    package var meanField: MeanFieldForm? {
        if layout.recurrent { return .recurrent }
        return connectivity.hasMeanField ? .plain : nil
    }
    /// Z_l and H_l (and N(Z_l) with a normaliser); an rnn step also its input term and the slopes.
    package var savedStates: Int { layout.recurrent ? 4 : (normalizer == nil ? 2 : 3) }

    /// Layer 1 reads `input_size` features (dense) or channels (conv); an rnn's h_0 = 0 is `width` wide.
    package func inputShape(_ cell: Cell) -> FeatureShape {
        layout.recurrent ? featureShape(cell) : connectivity.inputShape(cell)
    }
    package func firstWeightShape(_ cell: Cell) -> WeightShape {
        layout.recurrent ? weightShape(cell) : connectivity.firstWeightShape(cell)
    }

    package func makeTape(rows: Int, features: Int, buffer: () -> Matrix<Scalar>) -> ActivationTape<Scalar> {
        ActivationTape(slopes: buffer(), branch: .empty, normalized: normalizer == nil ? .empty : buffer())
    }

    package func forward(
        _ input: Matrix<Scalar>, _ map: AffineMap<Scalar>, previous: ActivationTape<Scalar>?,
        tape: inout ActivationTape<Scalar>, workspace: inout NoWorkspace<Scalar>, scratch: inout Matrix<Scalar>,
        output: inout Matrix<Scalar>
    ) -> RunStatus {
        _ = connectivity.affine(map, input, into: &scratch, buffers: buffers)
        var status = tape.activate(activation, normalizer, scratch, into: &output)
        if status != .ok {
            status = connectivity.affine(map, input, into: &scratch, buffers: buffers, inRange: true)
            guard status == .ok else { return status }
            status = tape.activate(activation, normalizer, scratch, into: &output)
        }
        return status
    }

    /// Z_l, the nonlinearity's input.
    package func correlationRows(input: Matrix<Scalar>, scratch: Matrix<Scalar>, output: Matrix<Scalar>) -> Matrix<
        Scalar
    > {
        scratch
    }

    package func delta(
        gradient: Matrix<Scalar>, input: Matrix<Scalar>, tape: ActivationTape<Scalar>,
        previous: ActivationTape<Scalar>?, workspace: inout NoWorkspace<Scalar>, into delta: inout Matrix<Scalar>
    ) -> RowAndColumnSums? {
        guard let normalizer else {
            return Kernels.multiply(
                gradient.elements, tape.slopes.elements, into: &delta.elements, columns: delta.columns)
        }
        Kernels.multiply(gradient.elements, tape.slopes.elements, into: &delta.elements)
        normalizer.backward(&delta, normalized: tape.normalized, inverseStd: tape.inverseStd)
        return nil
    }

    package func propagate(
        delta: Matrix<Scalar>, gradient: Matrix<Scalar>, weights: Matrix<Scalar>, tape: ActivationTape<Scalar>,
        workspace: NoWorkspace<Scalar>, into out: inout Matrix<Scalar>
    ) {
        connectivity.adjoint(delta, weights: weights, into: &out, buffers: buffers)
    }

    package var propagationHeadroom: Int { connectivity.adjointHeadroom }
    /// H_{l-1}, or its patches.
    package func weightInput(_ input: Matrix<Scalar>, tape: ActivationTape<Scalar>) -> Matrix<Scalar> {
        connectivity.weightInput(input, buffers: buffers)
    }

    package var biasReachesLoss: Bool { normalizer?.normalization != .batch }
    package var examplesIndependent: Bool { normalizer?.normalization != .batch }
    package var jacobianDefined: Bool { normalizer?.normalization != .batch }

    /// J_l = W_l N'(z) diag(phi'(N(z))) (W_l: the convolution with K_l).
    package func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>,
        tape: ActivationTape<Scalar>, previous: ActivationTape<Scalar>?, input: Matrix<Scalar>
    ) {
        let example = tape.firstExample
        connectivity.jacobianProduct(product, weights: weights, into: &next, alpha: 1, beta: 0)
        normalizer?.backwardRows(&next, example: example)
        next.scaleColumns(by: example.slopes)
        swap(&product, &next)
    }
}

extension Normalizer {
    /// Each row r of `m` -> r N'(u) for one example's normalised values u (N' is symmetric): a Jacobian step.
    package func backwardRows(_ m: inout Matrix<Double>, example: ExampleTape) {
        let n = m.columns, units = Group(start: 0, stride: 1, count: n)
        for row in 0..<m.rows {
            Self.backward(
                &m.elements, Group(start: row * n, stride: 1, count: n), normalized: example.normalized, units,
                inverseStd: example.inverseStd)
        }
    }
}

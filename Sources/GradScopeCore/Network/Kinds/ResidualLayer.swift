/// A pre-activation residual block: Z_l = phi(N(H_{l-1})) W_l + b_l (or K_l * phi(N(H_{l-1})) + b_l,
/// `Connectivity`), H_l = H_{l-1} + alpha Z_l (N the identity without normalisation). Backward:
/// D_l = alpha G_l, G_{l-1} = G_l + N'((D_l W_l^T) * phi'(N(H_{l-1}))) (or the convolution's adjoint).
package struct ResidualLayer<Scalar: BLASScalar>: ConnectedKind {
    let activation: Activation
    let normalizer: Normalizer?
    package let connectivity: Connectivity
    /// A convolution's patches and their gradient, reused across layers.
    package let buffers: PatchBuffers<Scalar>?
    /// alpha, the branch's weight.
    let scale: Double

    package init(_ cell: Cell) {
        (activation, normalizer, scale) = (cell.activation, Normalizer(cell), cell.residualScale)
        connectivity = Connectivity(cell)
        buffers = connectivity == .dense ? nil : PatchBuffers()
    }

    package var layout: ParameterLayout { ParameterLayout() }
    package var options: Set<CellOption> { connectivity.options.union([.normalization, .inputCorrelation]) }
    /// The residual recursion; none for zero-padded convolutions (`Connectivity.hasMeanField`).
    package var meanField: MeanFieldForm? { connectivity.hasMeanField ? .residual(scale: scale) : nil }
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
        _ = connectivity.affine(map, tape.branch, into: &scratch, buffers: buffers)
        let alpha = Scalar(scale)
        let add = { (scratch: Matrix<Scalar>, output: inout Matrix<Scalar>) in
            Kernels.residualAdd(input.elements, scratch.elements, scale: alpha, into: &output.elements)
        }
        guard add(scratch, &output) != .ok else { return .ok }
        let product = connectivity.affine(map, tape.branch, into: &scratch, buffers: buffers, inRange: true)
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
        connectivity.adjoint(delta, weights: weights, into: &out, buffers: buffers)
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

    /// phi(N(H_{l-1})), or its patches.
    package func weightInput(_ input: Matrix<Scalar>, tape: ActivationTape<Scalar>) -> Matrix<Scalar> {
        connectivity.weightInput(tape.branch, buffers: buffers)
    }

    /// Two bits for the sum with G_l and a slope phi' of up to 2 (selu's is 1.76); with normalisation also
    /// the inverse std, at most eps^-1/2, and the two subtracted means; a convolution's adjoint's sums.
    package var propagationHeadroom: Int {
        guard let normalizer else { return 2 + connectivity.adjointHeadroom }
        return 4 + max(0, 1 - Int(normalizer.eps.squareRoot().exponent)) + connectivity.adjointHeadroom
    }
    package var examplesIndependent: Bool { normalizer?.normalization != .batch }
    package var jacobianDefined: Bool { normalizer?.normalization != .batch }

    /// J_l = I + alpha N'(h) diag(phi'(N(h))) W_l (W_l: the convolution with K_l).
    package func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>,
        tape: ActivationTape<Scalar>, previous: ActivationTape<Scalar>?, input: Matrix<Scalar>
    ) {
        let example = tape.firstExample
        var scaled = product
        normalizer?.backwardRows(&scaled, example: example)
        scaled.scaleColumns(by: example.slopes)
        next = product
        connectivity.jacobianProduct(scaled, weights: weights, into: &next, alpha: scale, beta: 1)
        swap(&product, &next)
    }
}

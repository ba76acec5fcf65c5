/// A convolutional layer (`layer: conv`): Z_l = K_l * H_{l-1} + b_l (cross-correlation as PyTorch's
/// `conv2d`, stride 1, same-size maps, one bias per channel), H_l = phi(Z_l); `width` channels on
/// `image_size` x `image_size` maps (`ConvGeometry`). Forward as one GEMM, Z = P K + b with P the
/// (batch·n^2) x (c k^2) patches; backward D_l = G_l * phi'(Z_l), dK = P^T D, G_{l-1} the adjoint of
/// the patches applied to D K^T.
package struct ConvLayer<Scalar: BLASScalar>: LayerKind {
    let activation: Activation
    let geometry: ConvGeometry
    let architecture: Architecture

    package init(_ cell: Cell) {
        activation = cell.activation
        geometry = ConvGeometry(
            channels: cell.width, size: cell.imageSize, kernel: cell.kernelSize, padding: cell.padding)
        architecture = cell.architecture
    }

    package var layout: ParameterLayout { ParameterLayout() }
    package var options: Set<CellOption> { [.imageSize, .kernelSize, .padding, .inputCorrelation] }
    /// With circular padding every position sees k^2 taps: the dense recursions with sigma_w^2 = fan_in
    /// Var(K) (Xiao et al. 2018). With zero padding the border units see fewer: no theory.
    package var meanField: MeanFieldForm? { geometry.padding == .circular ? .circularConvolution : nil }
    package var savedStates: Int { 2 }

    /// Plain conv layers without normalisation, odd kernels no larger than the map.
    package func validate(_ cell: Cell) throws(ParameterError) {
        guard architecture == .plain else {
            throw ParameterError(
                key: "layer",
                message: "conv is built for architecture plain in this version, got \(architecture.rawValue)")
        }
        guard cell.normalization == .none else {
            throw ParameterError(key: "normalization", message: "is not built for conv layers in this version")
        }
        guard cell.loss != .crossEntropy else {
            throw ParameterError(key: "loss", message: "cross_entropy is not built for conv layers in this version")
        }
        try ParameterError.check("image_size", cell.imageSize, in: Cell.imageSizeRange)
        guard cell.kernelSize % 2 == 1, (1...cell.imageSize).contains(cell.kernelSize) else {
            throw ParameterError(
                key: "kernel_size",
                message: "must be odd and in 1 ... image_size (\(cell.imageSize)), got \(cell.kernelSize)")
        }
    }

    package func featureShape(_ cell: Cell) -> FeatureShape {
        FeatureShape(channels: geometry.channels, height: geometry.size, width: geometry.size)
    }

    /// K is the (c k^2) x c patch-to-channel matrix, with fan_in = c k^2 and fan_out = c k^2.
    package func weightShape(_ cell: Cell) -> WeightShape {
        let k2 = geometry.kernel * geometry.kernel
        return WeightShape(
            rows: geometry.patch, columns: geometry.channels, fanIn: geometry.patch, fanOut: geometry.channels * k2,
            taps: k2)
    }

    package func makeTape(rows: Int, features: Int, buffer: () -> Matrix<Scalar>) -> ActivationTape<Scalar> {
        ActivationTape(slopes: buffer(), branch: .empty, normalized: .empty)
    }

    /// A batch x features matrix read as (batch·n^2) x channels: one row per (example, position).
    func positions(_ m: Matrix<Scalar>) -> Matrix<Scalar> {
        Matrix(rows: m.rows * geometry.positions, columns: geometry.channels, exactly: m.elements)
    }

    package func forward(
        _ input: Matrix<Scalar>, _ map: AffineMap<Scalar>, previous: ActivationTape<Scalar>?,
        tape: inout ActivationTape<Scalar>, workspace: inout NoWorkspace<Scalar>, scratch: inout Matrix<Scalar>,
        output: inout Matrix<Scalar>
    ) -> RunStatus {
        let patches = ConvKernels.patches(input, geometry)
        var z = Matrix<Scalar>.empty
        swap(&z, &scratch)
        z = z.reshaped(rows: patches.rows, columns: geometry.channels)
        defer { scratch = z.reshaped(rows: input.rows, columns: geometry.positions * geometry.channels) }
        map.apply(patches, into: &z)
        var status = tape.activate(activation, nil, z, into: &output)
        if status != .ok {
            status = map.applyInRange(patches, into: &z)
            guard status == .ok else { return status }
            status = tape.activate(activation, nil, z, into: &output)
        }
        return status
    }

    /// Z_l: the whole maps of the examples.
    package func correlationRows(input: Matrix<Scalar>, scratch: Matrix<Scalar>, output: Matrix<Scalar>)
        -> Matrix<Scalar>
    { scratch }

    package func delta(
        gradient: Matrix<Scalar>, input: Matrix<Scalar>, tape: ActivationTape<Scalar>,
        previous: ActivationTape<Scalar>?, workspace: inout NoWorkspace<Scalar>, into delta: inout Matrix<Scalar>
    ) -> RowAndColumnSums? {
        Kernels.multiply(gradient.elements, tape.slopes.elements, into: &delta.elements, columns: delta.columns)
    }

    /// G_{l-1} = the patches' adjoint of D K^T.
    package func propagate(
        delta: Matrix<Scalar>, gradient: Matrix<Scalar>, weights: Matrix<Scalar>, tape: ActivationTape<Scalar>,
        workspace: NoWorkspace<Scalar>, into out: inout Matrix<Scalar>
    ) {
        let d = positions(delta)
        var patchGradient = Matrix<Scalar>(rows: d.rows, columns: geometry.patch)
        Scalar.gemm(d, transposeA: false, weights, transposeB: true, into: &patchGradient, alpha: 1, beta: 0)
        ConvKernels.accumulate(patchGradient, geometry, into: &out)
    }

    /// The adjoint adds up to k^2 terms per entry.
    package var propagationHeadroom: Int {
        let taps = geometry.kernel * geometry.kernel
        return Int.bitWidth - taps.leadingZeroBitCount
    }

    /// The patches P of H_{l-1}: dK = P^T D.
    package func weightInput(_ input: Matrix<Scalar>, tape: ActivationTape<Scalar>) -> Matrix<Scalar> {
        ConvKernels.patches(input, geometry)
    }

    package func weightDelta(_ delta: Matrix<Scalar>, workspace: NoWorkspace<Scalar>) -> Matrix<Scalar> {
        positions(delta)
    }

    /// One sum per channel, over examples and positions.
    package func biasGradient(_ delta: Matrix<Scalar>, sums: RowAndColumnSums?, workspace: NoWorkspace<Scalar>)
        -> [Double]
    { positions(delta).columnSums }

    /// ||P_b^T D_b||^2 + ||D_b's channel sums||^2 for each example b (on 1 x 1 maps the engine's outer
    /// product rule, as for a dense layer).
    package func perExampleShareSquares(input: Matrix<Scalar>, delta: Matrix<Scalar>) -> [Double]? {
        let (n2, c) = (geometry.positions, geometry.channels)
        guard n2 > 1 else { return nil }
        return (0..<input.rows).map { b in
            let one = Matrix(
                rows: 1, columns: input.columns,
                exactly: Array(input.elements[(b * input.columns)..<((b + 1) * input.columns)]))
            let d = Matrix(
                rows: n2, columns: c, exactly: Array(delta.elements[(b * n2 * c)..<((b + 1) * n2 * c)]))
            var share = Matrix<Scalar>(rows: geometry.patch, columns: c)
            Scalar.gemm(
                ConvKernels.patches(one, geometry), transposeA: true, d, transposeB: false, into: &share, alpha: 1,
                beta: 0)
            let bias = d.columnSums
            return ScaledNorm.sumOfSquares(share.elements) + bias.reduce(0) { $0 + $1 * $1 }
        }
    }

    /// ||X^T D|| from Gram matrices needs the rows to be examples; a convolution's are positions (but on
    /// 1 x 1 maps, where it is the dense layer).
    package var weightNormFromGram: Bool { geometry.positions == 1 }

    /// J_l: each tangent row convolved with K_l (no bias), times phi'(z_l) of the first example.
    package func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>,
        tape: ActivationTape<Scalar>, previous: ActivationTape<Scalar>?, input: Matrix<Scalar>
    ) {
        let patches = ConvKernels.patches(product, geometry)
        var z = Matrix<Double>(rows: patches.rows, columns: geometry.channels)
        Double.gemm(patches, transposeA: false, weights, transposeB: false, into: &z, alpha: 1, beta: 0)
        next = z.reshaped(rows: product.rows, columns: product.columns)
        next.scaleColumns(by: tape.firstExample.slopes)
        swap(&product, &next)
    }
}

/// How a layer's weights read H_{l-1} (`layer`): a dense product, Z = H W + b, or a convolution,
/// Z = K * H + b (cross-correlation as PyTorch's `conv2d`, stride 1, same-size maps, one bias per
/// channel), computed as one GEMM on the patches: Z = P K + b with P the (batch·n^2) x (c k^2) patches
/// of H (`ConvKernels`). Plain and residual blocks read their weights through it, so that a conv net is
/// a plain or residual network whose layers convolve.
package enum Connectivity: Hashable, Sendable {
    case dense
    case convolution(ConvGeometry)

    /// The connectivity of `cell`'s layers.
    init(_ cell: Cell) {
        switch cell.layer {
        case .dense: self = .dense
        case .conv:
            self = .convolution(
                ConvGeometry(channels: cell.width, size: cell.mapSize, kernel: cell.kernelSize, padding: cell.padding)
            )
        }
    }

    /// The optional keys a convolution reads.
    var options: Set<CellOption> {
        guard case .convolution = self else { return [] }
        return Set(CellOption.allCases.filter(\.isConvolutional))
    }

    /// Whether mean-field theory covers the layers: dense ones and circularly padded convolutions, where
    /// every position sees k^2 taps (Xiao et al. 2018: the dense recursions with sigma_w^2 = fan_in Var(K));
    /// with zero padding the border units see fewer.
    var hasMeanField: Bool {
        guard case .convolution(let g) = self else { return true }
        return g.padding == .circular
    }

    /// Positions per example: n^2 for a convolution, 1 for a dense layer.
    var positions: Int {
        guard case .convolution(let g) = self else { return 1 }
        return g.positions
    }

    /// Dense: `width` units. Convolution: `width` channels on n x n maps.
    func featureShape(_ cell: Cell) -> FeatureShape {
        guard case .convolution(let g) = self else { return FeatureShape(channels: cell.width) }
        return FeatureShape(channels: g.channels, height: g.size, width: g.size)
    }

    /// What layer 1 reads: `input_size` features (default `width`), or c_0 = `input_size` channels of n x n.
    func inputShape(_ cell: Cell) -> FeatureShape {
        var shape = featureShape(cell)
        shape.channels = cell.inputFeatures
        return shape
    }

    /// Dense: width x width. Convolution: K is the (c k^2) x c patch-to-channel matrix, fan_in = fan_out = c k^2.
    func weightShape(_ cell: Cell) -> WeightShape { weightShape(cell, inputs: cell.width) }

    /// W_1: input_size x width, or K_1 of c_0 input channels: (c_0 k^2) x c, fan_in c_0 k^2, fan_out c k^2.
    func firstWeightShape(_ cell: Cell) -> WeightShape { weightShape(cell, inputs: cell.inputFeatures) }

    private func weightShape(_ cell: Cell, inputs: Int) -> WeightShape {
        guard case .convolution(let g) = self else {
            return WeightShape(rows: inputs, columns: cell.width, fanIn: inputs, fanOut: cell.width)
        }
        let taps = g.kernel * g.kernel
        return WeightShape(
            rows: inputs * taps, columns: g.channels, fanIn: inputs * taps, fanOut: g.channels * taps, taps: taps)
    }

    /// A convolution's checks: odd kernels no larger than the map, not in a recurrent cell. A dense layer
    /// has no kernel to put a `delta_orthogonal` centre tap in.
    func validate(_ cell: Cell) throws(ParameterError) {
        guard case .convolution = self else { return try cell.requireNoDeltaOrthogonal() }
        try ParameterError.check("image_size", cell.mapSize, in: Cell.imageSizeRange)
        guard cell.kernelSize % 2 == 1, (1...cell.mapSize).contains(cell.kernelSize) else {
            throw ParameterError(
                key: "kernel_size",
                message: "must be odd and in 1 ... image_size (\(cell.mapSize)), got \(cell.kernelSize)")
        }
        if case .deltaOrthogonal = cell.initializer, cell.inputFeatures > cell.width {
            throw ParameterError(
                key: "init",
                message: "delta_orthogonal needs c_in <= c_out (a centre tap with orthonormal rows); input_size "
                    + "\(cell.inputFeatures) > width \(cell.width): lower input_size or use another init")
        }
    }

    /// Z = H W + b or P K + b into `z` (rows x features), from H = `input`; with `inRange`, recomputed in
    /// range after a non-finite result from finite factors (`AffineMap.applyInRange`).
    func affine<S: BLASScalar>(
        _ map: AffineMap<S>, _ input: Matrix<S>, into z: inout Matrix<S>, buffers: PatchBuffers<S>?,
        inRange: Bool = false
    ) -> RunStatus {
        guard case .convolution(let layers) = self else {
            guard inRange else {
                map.apply(input, into: &z)
                return .ok
            }
            return map.applyInRange(input, into: &z)
        }
        let (g, buffers) = (layers.reading(input.columns), buffers ?? PatchBuffers())
        ConvKernels.patches(input, g, into: &buffers.patches, moves: buffers.moves(examples: input.rows, g))
        let patches = buffers.patches
        let features = z.columns
        z = z.reshaped(rows: patches.rows, columns: g.channels)
        defer { z = z.reshaped(rows: input.rows, columns: features) }
        var tapMajor = map
        tapMajor.weights = ConvKernels.tapMajor(map.weights, g)
        guard inRange else {
            tapMajor.apply(patches, into: &z)
            return .ok
        }
        return tapMajor.applyInRange(patches, into: &z)
    }

    /// G_{l-1} = D W^T, or the convolution of D with the flipped kernel, patches(D) K' (`ConvKernels.adjointKernel`),
    /// into `out`.
    func adjoint<S: BLASScalar>(
        _ delta: Matrix<S>, weights: Matrix<S>, into out: inout Matrix<S>, buffers: PatchBuffers<S>?
    ) {
        guard case .convolution(let layers) = self else {
            return S.gemm(delta, transposeA: false, weights, transposeB: true, into: &out, alpha: 1, beta: 0)
        }
        let buffers = buffers ?? PatchBuffers()
        let read = layers.reading(delta.columns)  // the delta's c_out channels
        ConvKernels.patches(delta, read, into: &buffers.deltaPatches, moves: buffers.moves(examples: delta.rows, read))
        let features = out.columns
        out = out.reshaped(rows: buffers.deltaPatches.rows, columns: features / layers.positions)
        defer { out = out.reshaped(rows: delta.rows, columns: features) }
        S.gemm(
            buffers.deltaPatches, transposeA: false, ConvKernels.adjointKernel(weights, layers.reading(features)),
            transposeB: false, into: &out, alpha: 1, beta: 0)
    }

    /// The bits beyond max|D| max|W| that the adjoint's sums of up to k^2 c terms per entry (k^2 times a dense
    /// layer's) may need.
    var adjointHeadroom: Int {
        guard case .convolution(let g) = self else { return 0 }
        let taps = g.kernel * g.kernel
        return Int.bitWidth - taps.leadingZeroBitCount
    }

    /// What W_l multiplies: `x` itself, or its patches (dK = P^T D, in tap-major row order: `weightGradientOrder`).
    func weightInput<S: BLASScalar>(_ x: Matrix<S>, buffers: PatchBuffers<S>?) -> Matrix<S> {
        guard case .convolution(let g) = self else { return x }
        let buffers = buffers ?? PatchBuffers()
        let read = g.reading(x.columns)
        ConvKernels.patches(x, read, into: &buffers.patches, moves: buffers.moves(examples: x.rows, read))
        return buffers.patches
    }

    /// dW = (weight input)^T D in the weights' row order: a convolution's from the patches' tap-major order.
    func weightGradientOrder<S: BLASScalar>(_ dW: inout Matrix<S>) {
        guard case .convolution(let g) = self else { return }
        dW = ConvKernels.channelMajor(dW, g)  // its rows are (tap, c_in) for any c_in
    }

    /// A batch x features matrix read as (batch·n^2) x channels: one row per (example, position), the rows
    /// whose outer products with the weight input's rows sum to dW.
    func positionRows<S: BLASScalar>(_ m: Matrix<S>) -> Matrix<S> {
        guard case .convolution(let g) = self else { return m }
        return Matrix(rows: m.rows * g.positions, columns: g.channels, exactly: m.elements)
    }

    /// dLoss/db: one sum per channel over examples (and positions).
    func biasGradient<S: BLASScalar>(_ delta: Matrix<S>, sums: RowAndColumnSums?) -> [Double] {
        guard case .convolution = self else { return sums?.columnSums ?? delta.columnSums }
        return positionRows(delta).columnSums
    }

    /// Whether ||dW|| may come from batch x batch Gram matrices: only when the rows are examples.
    var weightNormFromGram: Bool { positions == 1 }

    /// Each example's ||(dLoss_b/dW, dLoss_b/db)||^2 from the weight input's and the weight delta's rows,
    /// when an example has several (a convolution's positions): ||P_b^T D_b||^2 + ||D_b's column sums||^2,
    /// with dW = sum_b P_b^T D_b formed on the way into `weightGradient`. nil when the rows are examples (the
    /// engine's outer-product rule).
    func perExampleShareSquares<S: BLASScalar>(
        weightInput p: Matrix<S>, weightDelta d: Matrix<S>, weightGradient: inout Matrix<S>
    ) -> [Double]? {
        let n2 = positions
        guard n2 > 1 else { return nil }
        var share = Matrix<S>(rows: p.columns, columns: d.columns)
        weightGradient = Matrix(rows: p.columns, columns: d.columns)
        return (0..<(p.rows / n2)).map { b in
            let rows = (b * n2)..<((b + 1) * n2)
            S.gemm(
                RowBlock(p, rows: rows), transposeA: true, RowBlock(d, rows: rows), transposeB: false, into: &share,
                alpha: 1, beta: 0)
            Kernels.add(share.elements, to: &weightGradient.elements)
            return ScaledNorm.sumOfSquares(share.elements) + d.columnSums(rows: rows).reduce(0) { $0 + $1 * $1 }
        }
    }

    /// next = alpha (each tangent row through W, or convolved with K, no bias) + beta next: one Jacobian
    /// step's linear part.
    func jacobianProduct(
        _ rows: Matrix<Double>, weights: Matrix<Double>, into next: inout Matrix<Double>, alpha: Double, beta: Double
    ) {
        guard case .convolution(let layers) = self else {
            return Double.gemm(
                rows, transposeA: false, weights, transposeB: false, into: &next, alpha: alpha, beta: beta)
        }
        let g = layers.reading(rows.columns)
        let patches = ConvKernels.patches(rows, g)
        if next.rows != rows.rows || next.columns != g.positions * g.channels {  // layer 1 reads c_0 channels
            next = Matrix(rows: rows.rows, columns: g.positions * g.channels)
        }
        var z = next.reshaped(rows: patches.rows, columns: g.channels)
        Double.gemm(
            patches, transposeA: false, ConvKernels.tapMajor(weights, g), transposeB: false, into: &z, alpha: alpha,
            beta: beta)
        next = z.reshaped(rows: rows.rows, columns: g.positions * g.channels)
    }
}

/// A kind whose layers read their weights through a `Connectivity` (the plain and residual blocks): its
/// shapes, checks and what the measurement reads about W_l follow from it, declared once here.
package protocol ConnectedKind: LayerKind where Workspace == NoWorkspace<Scalar> {
    var connectivity: Connectivity { get }
    /// A convolution's reused patches (nil for dense layers, which need none).
    var buffers: PatchBuffers<Scalar>? { get }
}

extension ConnectedKind {
    package func validate(_ cell: Cell) throws(ParameterError) { try connectivity.validate(cell) }
    package func featureShape(_ cell: Cell) -> FeatureShape { connectivity.featureShape(cell) }
    package func weightShape(_ cell: Cell) -> WeightShape { connectivity.weightShape(cell) }
    /// D_l, as (batch·n^2) x c position rows for a convolution.
    package func weightDelta(_ delta: Matrix<Scalar>, workspace: NoWorkspace<Scalar>) -> Matrix<Scalar> {
        connectivity.positionRows(delta)
    }
    package func biasGradient(_ delta: Matrix<Scalar>, sums: RowAndColumnSums?, workspace: NoWorkspace<Scalar>)
        -> [Double]
    { connectivity.biasGradient(delta, sums: sums) }
    package func perExampleShareSquares(
        weightInput: Matrix<Scalar>, weightDelta: Matrix<Scalar>, weightGradient: inout Matrix<Scalar>
    ) -> [Double]? {
        connectivity.perExampleShareSquares(
            weightInput: weightInput, weightDelta: weightDelta, weightGradient: &weightGradient)
    }
    package var weightNormFromGram: Bool { connectivity.weightNormFromGram }
    package func weightGradientOrder(_ dW: inout Matrix<Scalar>) { connectivity.weightGradientOrder(&dW) }
}

/// A convolution's reused buffers: the patches of a layer's input and of its delta, so that a pass allocates
/// them once. Each network's kind has its own, and a network runs on one thread at a time.
package final class PatchBuffers<Scalar: BLASScalar>: @unchecked Sendable {
    var patches = Matrix<Scalar>.empty
    var deltaPatches = Matrix<Scalar>.empty
    /// The block moves of im2col, kept for the shape they were made for (every layer but the first, which
    /// reads c_0 channels, shares them, and so do the deltas' patches when c_0 = c).
    private var kept: [MoveKey: [BlockMove]] = [:]

    private struct MoveKey: Hashable {
        let examples: Int, geometry: ConvGeometry
    }

    /// `ConvKernels.tapMoves` for `examples` maps of `geometry`, made once.
    func moves(examples: Int, _ geometry: ConvGeometry) -> [BlockMove] {
        let key = MoveKey(examples: examples, geometry: geometry)
        if let moves = kept[key] { return moves }
        if kept.count >= 8 { kept.removeAll() }  // batches of another size: make them afresh
        let moves = ConvKernels.tapMoves(examples: examples, geometry)
        kept[key] = moves
        return moves
    }
}

/// One kind of feedforward layer: how layer l maps H_{l-1} to H_l through W_l and b_l, and how the
/// backward pass maps G_l = dLoss/dH_l to D_l = dLoss/dZ_l (what `grad_z_norm` measures) and to G_{l-1}.
///
/// A block owns the mathematics of its layer; `Network` owns the buffers, the exact power-of-two
/// rescaling of the backward pass and the measurement, the same for every block. A new kind of layer
/// is a new conforming type and a case of `Block`.
protocol LayerBlock: Sendable {
    /// The buffers one layer saves for its backward pass; `buffer()` gives a batch x width matrix.
    func makeTape<S: BLASScalar>(buffer: () -> Matrix<S>) -> LayerTape<S>
    /// H_l into `output` from H_{l-1} = `input`, filling `tape`; `scratch` (batch x width) is workspace.
    /// A non-finite product of finite factors is recomputed in range before it counts as an overflow.
    func forward<S: BLASScalar>(
        _ input: Matrix<S>, _ map: AffineMap<S>, tape: inout LayerTape<S>, scratch: inout Matrix<S>,
        output: inout Matrix<S>
    ) -> RunStatus
    /// D_l = dLoss/dZ_l from G_l; with D_l's row sums of squares and column sums when the block had them
    /// from the same pass (nil: the caller sums D_l itself).
    func delta<S: BLASScalar>(gradient: Matrix<S>, tape: LayerTape<S>, into delta: inout Matrix<S>) -> RowAndColumnSums?
    /// G_{l-1} into `out` from D_l and G_l; linear in (D_l, G_l) together, so that scaling both by a
    /// power of two scales the result by it.
    func propagate<S: BLASScalar>(
        delta: Matrix<S>, gradient: Matrix<S>, weights: Matrix<S>, tape: LayerTape<S>, into out: inout Matrix<S>)
    /// The input of W_l, whose rows' outer products with D_l's rows sum to dW_l.
    func weightInput<S: BLASScalar>(_ input: Matrix<S>, tape: LayerTape<S>) -> Matrix<S>
    /// Whether `propagate` reads G_l, and the bits beyond |D_l| |W_l| its partial sums may need: what the
    /// in-range recomputation of G_{l-1} must allow for.
    var propagationReadsGradient: Bool { get }
    var propagationHeadroom: Int { get }
    /// Whether each example's gradient is its own (no batch statistics couple the examples), so that
    /// per-example gradient norms are defined.
    var examplesIndependent: Bool { get }
    /// Whether b_l reaches the loss at all (a batch normalisation right after it removes it).
    var biasReachesLoss: Bool { get }
    /// Whether the input-output Jacobian of one example is defined (it is not through batch statistics).
    var jacobianDefined: Bool { get }
    /// product = product J_l for the first example, J_l = dH_l/dH_{l-1} (row vectors); `next` is workspace.
    func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>,
        example: ExampleTape)
}

/// What layer l saved in its forward pass for its backward pass (and for a network that takes the pass over).
struct LayerTape<Scalar: BLASScalar> {
    /// phi' at the block's nonlinearity.
    var slopes: Matrix<Scalar>
    /// Residual blocks: phi(N(H_{l-1})), the input of W_l; empty otherwise.
    var branch: Matrix<Scalar>
    /// With normalisation: N(.), phi's input; empty otherwise.
    var normalized: Matrix<Scalar>
    /// With normalisation: 1/sqrt(var + eps) of each group (column for batch, row for layer normalisation).
    var inverseStd: [Double] = []
    /// Mean, std and saturated fraction of the block's nonlinearity in the last forward pass.
    var statistics: ActivationStatistics = .zero
    /// The pair correlation of the block's pre-activations (plain Z_l, residual H_{l-1}) in the last
    /// forward pass, when the network records it.
    var correlation: PairCorrelation?

    /// The arrays that came from the buffer pool, to give back to it.
    var pooled: [[Scalar]] { [slopes, branch, normalized].map(\.elements).filter { !$0.isEmpty } }

    /// The first example's slopes, normalised values and inverse std, in float64: what one
    /// example's Jacobian reads.
    var firstExample: ExampleTape {
        let n = slopes.columns
        return ExampleTape(
            slopes: (0..<n).map { Double(slopes.elements[$0]) },
            normalized: normalized.elements.isEmpty ? [] : (0..<n).map { Double(normalized.elements[$0]) },
            inverseStd: inverseStd.first ?? 1)
    }
}

extension LayerTape {
    /// values = phi(N(x)) (N the identity without a normaliser), saving N(x), phi'(N(x)) and the
    /// statistics of the nonlinearity in the tape: the activation step of every block.
    mutating func activate(
        _ activation: Activation, _ normalizer: Normalizer?, _ x: Matrix<Scalar>, into values: inout Matrix<Scalar>
    ) -> RunStatus {
        if let normalizer { normalizer.forward(x, into: &normalized, inverseStd: &inverseStd) }
        let status: RunStatus
        (status, statistics) = Kernels.activate(
            activation, normalizer == nil ? x.elements : normalized.elements, values: &values.elements,
            slopes: &slopes.elements)
        return status
    }
}

/// One example's row of a layer's tape (see `LayerTape.firstExample`).
struct ExampleTape {
    var slopes: [Double]
    var normalized: [Double]
    var inverseStd: Double
}

/// The affine part of layer l: x -> x W_l + b_l, plus x_t U at step t of a recurrent network.
struct AffineMap<Scalar: BLASScalar> {
    let weights: Matrix<Scalar>
    let bias: [Scalar]
    var drive: InputDrive<Scalar>? = nil

    /// out = x W_l + b_l (+ x_t U).
    func apply(_ x: Matrix<Scalar>, into out: inout Matrix<Scalar>) {
        var beta: Scalar = 0
        if let drive {
            Scalar.gemm(drive.input, transposeA: false, drive.weights, transposeB: false, into: &out, alpha: 1, beta: 0)
            beta = 1
        }
        Scalar.gemm(x, transposeA: false, weights, transposeB: false, into: &out, alpha: 1, beta: beta)
        Kernels.addBias(bias, to: &out.elements, columns: weights.columns)
    }

    /// out = x W_l + b_l (+ x_t U) recomputed after the kernel returned a non-finite result from finite
    /// factors: with x, b_l (and x_t) scaled by 2^-s (see `InRangeProduct`; one bit more for the sum of
    /// two products), then scaled back. `ok` with the true value in `out` when it lies in the float
    /// range, `overflow` when it does not, `nan` when a factor holds NaN.
    func applyInRange(_ x: Matrix<Scalar>, into out: inout Matrix<Scalar>) -> RunStatus {
        let maxX = InRangeProduct.maxMagnitude(x.elements), maxW = InRangeProduct.maxMagnitude(weights.elements)
        let maxBias = InRangeProduct.maxMagnitude(bias)
        let maxInput = drive.map { InRangeProduct.maxMagnitude($0.input.elements) } ?? 0
        let maxU = drive.map { InRangeProduct.maxMagnitude($0.weights.elements) } ?? 0
        if let status = InRangeProduct.status(ofFactors: maxX, maxW, maxBias, maxInput, maxU) { return status }
        var s = InRangeProduct.shift(Scalar.self, maxA: maxX, maxB: maxW, inner: x.columns)
        if let drive {
            s = max(s, InRangeProduct.shift(Scalar.self, maxA: maxInput, maxB: maxU, inner: drive.input.columns)) + 1
        }
        var scaledInput = x, scaledBias = bias, scaledDrive = drive
        Kernels.scaleByPowerOfTwo(&scaledInput.elements, -s)
        Kernels.scaleByPowerOfTwo(&scaledBias, -s)
        if let drive {
            var input = drive.input
            Kernels.scaleByPowerOfTwo(&input.elements, -s)
            scaledDrive = InputDrive(input: input, weights: drive.weights)
        }
        AffineMap(weights: weights, bias: scaledBias, drive: scaledDrive).apply(scaledInput, into: &out)
        Kernels.scaleByPowerOfTwo(&out.elements, s)
        return InRangeProduct.maxMagnitude(out.elements).isFinite ? .ok : .overflow
    }
}

extension Matrix {
    /// A 0 x 0 matrix: a buffer a block does not use.
    static var empty: Matrix { Matrix(rows: 0, columns: 0) }
}

/// The block of every layer of a network, chosen from its cell's architecture.
enum Block: LayerBlock {
    case plain(PlainBlock)
    case residual(ResidualBlock)

    init(_ cell: Cell) {
        switch cell.architecture {
        case .plain, .rnn, .lstm, .gru:  // `Network` refuses lstm and gru: `GatedNetwork` runs them
            self = .plain(PlainBlock(activation: cell.activation, normalizer: Normalizer(cell)))
        case .residual:
            self = .residual(
                ResidualBlock(activation: cell.activation, normalizer: Normalizer(cell), scale: cell.residualScale))
        }
    }

    /// The block itself, for its properties.
    private var kind: any LayerBlock {
        switch self {
        case .plain(let b): b
        case .residual(let b): b
        }
    }

    // The generic methods switch to the concrete block, so that they stay specialised for each scalar type.
    func makeTape<S: BLASScalar>(buffer: () -> Matrix<S>) -> LayerTape<S> {
        switch self {
        case .plain(let b): b.makeTape(buffer: buffer)
        case .residual(let b): b.makeTape(buffer: buffer)
        }
    }

    func forward<S: BLASScalar>(
        _ input: Matrix<S>, _ map: AffineMap<S>, tape: inout LayerTape<S>, scratch: inout Matrix<S>,
        output: inout Matrix<S>
    ) -> RunStatus {
        switch self {
        case .plain(let b): b.forward(input, map, tape: &tape, scratch: &scratch, output: &output)
        case .residual(let b): b.forward(input, map, tape: &tape, scratch: &scratch, output: &output)
        }
    }

    func delta<S: BLASScalar>(gradient: Matrix<S>, tape: LayerTape<S>, into delta: inout Matrix<S>) -> RowAndColumnSums?
    {
        switch self {
        case .plain(let b): b.delta(gradient: gradient, tape: tape, into: &delta)
        case .residual(let b): b.delta(gradient: gradient, tape: tape, into: &delta)
        }
    }

    func propagate<S: BLASScalar>(
        delta: Matrix<S>, gradient: Matrix<S>, weights: Matrix<S>, tape: LayerTape<S>, into out: inout Matrix<S>
    ) {
        switch self {
        case .plain(let b): b.propagate(delta: delta, gradient: gradient, weights: weights, tape: tape, into: &out)
        case .residual(let b): b.propagate(delta: delta, gradient: gradient, weights: weights, tape: tape, into: &out)
        }
    }

    func weightInput<S: BLASScalar>(_ input: Matrix<S>, tape: LayerTape<S>) -> Matrix<S> {
        switch self {
        case .plain(let b): b.weightInput(input, tape: tape)
        case .residual(let b): b.weightInput(input, tape: tape)
        }
    }

    func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>, example: ExampleTape
    ) {
        kind.jacobianStep(&product, next: &next, weights: weights, example: example)
    }

    /// Whether the block is residual: its nonlinearity reads the stream H_{l-1}, a plain block's reads Z_l.
    var isResidual: Bool {
        if case .residual = self { return true }
        return false
    }

    var propagationReadsGradient: Bool { kind.propagationReadsGradient }
    var propagationHeadroom: Int { kind.propagationHeadroom }
    var examplesIndependent: Bool { kind.examplesIndependent }
    var biasReachesLoss: Bool { kind.biasReachesLoss }
    var jacobianDefined: Bool { kind.jacobianDefined }
}

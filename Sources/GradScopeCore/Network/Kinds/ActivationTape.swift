/// What a dense layer (plain or residual) saves in its forward pass for its backward pass (and for a
/// network that takes the pass over).
package struct ActivationTape<Scalar: BLASScalar>: LayerTape {
    /// phi' at the block's nonlinearity.
    var slopes: Matrix<Scalar>
    /// Residual blocks: phi(N(H_{l-1})), the input of W_l; empty otherwise.
    var branch: Matrix<Scalar>
    /// With normalisation: N(.), phi's input; empty otherwise.
    var normalized: Matrix<Scalar>
    /// With normalisation: 1/sqrt(var + eps) of each group (column for batch, row for layer normalisation).
    var inverseStd: [Double] = []
    /// Mean, std and saturated fraction of the block's nonlinearity in the last forward pass.
    package var statistics: ActivationStatistics = .zero
    /// The pair correlation of the block's pre-activations (plain Z_l, residual H_{l-1}) in the last
    /// forward pass, when the network records it.
    package var correlation: PairCorrelation?

    /// The arrays that came from the buffer pool, to give back to it.
    package var pooled: [[Scalar]] { [slopes, branch, normalized].map(\.elements).filter { !$0.isEmpty } }

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

extension ActivationTape {
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

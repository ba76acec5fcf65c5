/// The singular values of a network's input-output Jacobian J = dH_L/dH_0 for one input,
/// stored as significands with one shared power of two (so that a 1,000-layer product stays exact).
package struct JacobianSpectrum: Equatable, Sendable {
    /// sigma_i x 2^-exponent, largest first.
    package let significands: [Double]
    /// The power of two the significands are scaled by.
    package let exponent: Int

    /// The singular values as exact scaled numbers, largest first.
    package var singularValues: [ScaledNorm] { significands.map { ScaledNorm(significand: $0, exponent: exponent) } }
}

extension Network {
    /// J for the batch's first example after `forward(from: 0)`, in float64: the product of each
    /// layer's J_l (plain: J_l = W_l D_l with D_l = diag(phi'(z_l)), row vectors: dh_l = dh_{l-1} W_l D_l;
    /// residual: I + alpha diag(phi'(h_{l-1})) W_l; a layer normalisation adds its N'; recurrent cells:
    /// dh_T/dh_0, the LSTM's through its state (h, c) with c_0 held). The running product is rescaled by
    /// a power of two after each layer (carried in the exponent).
    func jacobianSpectrum() throws(LAPACKError) -> JacobianSpectrum {
        let n = features, columns = kind.stateColumns(features: n)
        // rows: the tangent directions of H_0 (input_size of them when layer 1 reads another width)
        let inputs = inputFeatures, start = inputs == n ? columns : inputs
        var product = Matrix<Double>(rows: inputs, columns: start)
        for i in 0..<inputs { product.elements[i * start + i] = 1 }
        var exponent = 0
        var next = Matrix<Double>(rows: inputs, columns: columns)
        for l in 0..<cell.depth {
            kind.jacobianStep(
                &product, next: &next, weights: weights[l].converted(to: Double.self), tape: tapes[l],
                previous: previousTape(l + 1), input: hidden[l])
            let (shift, _, _) = Kernels.normalize(&product.elements)
            exponent += shift
        }
        let output = columns == n ? product : product.columns(0..<n)
        return JacobianSpectrum(significands: try Double.singularValues(output), exponent: exponent)
    }
}

/// The spectrum of J = dH_L/dH_0 at the first input of `cell`'s batch for `seed`, always in float64
/// (weights from `cache` when it holds them); nil when the forward pass overflows or gives NaN. Throws
/// `ParameterError` for batch normalisation, whose examples are coupled.
package func jacobianSpectrum(_ cell: Cell, seed: Int, cache: WeightCache? = nil) throws -> JacobianSpectrum? {
    struct Spectrum: KindUser {
        typealias Scalar = Double
        let cell: Cell, seed: Int, cache: WeightCache?
        func run<Kind: LayerKind>(_ kind: Kind.Type) throws -> JacobianSpectrum? where Kind.Scalar == Double {
            try Network<Kind>(cell: cell, seed: seed, cache: cache).jacobian()
        }
    }
    return try cell.openKind(Spectrum(cell: cell, seed: seed, cache: cache))
}

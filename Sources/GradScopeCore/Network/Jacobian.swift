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
    /// block's J_l (plain: J_l = W_l D_l with D_l = diag(phi'(z_l)), row vectors: dh_l = dh_{l-1} W_l D_l;
    /// residual: I + alpha diag(phi'(h_{l-1})) W_l; a layer normalisation adds its N'). The running product
    /// is rescaled by a power of two after each layer (carried in the exponent).
    func jacobianSpectrum() throws(LAPACKError) -> JacobianSpectrum {
        let n = cell.width
        var product = Matrix<Double>(rows: n, columns: n)
        for i in 0..<n { product.elements[i * n + i] = 1 }
        var exponent = 0
        var next = product
        for l in 0..<cell.depth {
            block.jacobianStep(
                &product, next: &next, weights: weights[l].converted(to: Double.self), example: tapes[l].firstExample)
            let (shift, _, _) = Kernels.normalize(&product.elements)
            exponent += shift
        }
        return JacobianSpectrum(significands: try Double.singularValues(product), exponent: exponent)
    }
}

/// The spectrum of J = dH_L/dH_0 at the first input of `cell`'s batch for `seed`, always in float64
/// (weights from `cache` when it holds them); nil when the forward pass overflows or gives NaN. Throws
/// `ParameterError` for batch normalisation, whose examples are coupled.
package func jacobianSpectrum(_ cell: Cell, seed: Int, cache: WeightCache? = nil) throws -> JacobianSpectrum? {
    let network = try Network<Double>(cell: cell, seed: seed, cache: cache)
    guard network.block.jacobianDefined else {
        throw ParameterError(
            key: "jacobian", message: "one example's Jacobian is not defined through batch statistics")
    }
    guard network.forward(from: 0) == .ok else { return nil }
    return try network.jacobianSpectrum()
}

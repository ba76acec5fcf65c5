/// The singular values of a network's input-output Jacobian J = dH_L/dH_0 for one input,
/// stored as significands with one shared power of two (so that a 1,000-layer product stays exact).
public struct JacobianSpectrum: Equatable, Sendable {
    /// sigma_i x 2^-exponent, largest first.
    public let significands: [Double]
    /// The power of two the significands are scaled by.
    public let exponent: Int

    /// The singular values as exact scaled numbers, largest first.
    public var singularValues: [ScaledNorm] { significands.map { ScaledNorm(significand: $0, exponent: exponent) } }
}

extension Network {
    /// J for the batch's first example after `forward(from: 0)`, in float64. Plain layers:
    /// J = W_1 D_1 W_2 D_2 ... W_L D_L with D_l = diag(phi'(z_l)) (row vectors: dh_l = dh_{l-1} W_l D_l);
    /// residual blocks: J = prod (I + alpha diag(phi'(h_{l-1})) W_l). The running product is
    /// rescaled by a power of two after each layer (carried in the exponent).
    func jacobianSpectrum() throws(LAPACKError) -> JacobianSpectrum {
        let n = cell.width, alpha = cell.residualScale
        var product = Matrix<Double>(rows: n, columns: n)
        for i in 0..<n { product.elements[i * n + i] = 1 }
        var exponent = 0
        var scaled = product, next = product
        for l in 0..<cell.depth {
            let weights = self.weights[l].converted(to: Double.self)
            let slopes = (0..<n).map { Double(self.slopes[l].elements[$0]) }  // the first example's row
            switch cell.architecture {
            case .plain:
                Double.gemm(product, transposeA: false, weights, transposeB: false, into: &next, alpha: 1, beta: 0)
                for i in 0..<n { for j in 0..<n { next.elements[i * n + j] *= slopes[j] } }
            case .residual:
                for i in 0..<n {
                    for j in 0..<n { scaled.elements[i * n + j] = product.elements[i * n + j] * slopes[j] }
                }
                next = product
                Double.gemm(scaled, transposeA: false, weights, transposeB: false, into: &next, alpha: alpha, beta: 1)
            }
            swap(&product, &next)
            let (shift, _, _) = Kernels.normalize(&product.elements)
            exponent += shift
        }
        return JacobianSpectrum(significands: try Double.singularValues(product), exponent: exponent)
    }
}

/// The spectrum of J = dH_L/dH_0 at the first input of `cell`'s batch for `seed`, always in float64
/// (weights from `cache` when it holds them); nil when the forward pass overflows or gives NaN.
public func jacobianSpectrum(_ cell: Cell, seed: Int, cache: WeightCache? = nil) throws -> JacobianSpectrum? {
    let network = try Network<Double>(cell: cell, seed: seed, cache: cache)
    guard network.forward(from: 0) == .ok else { return nil }
    return try network.jacobianSpectrum()
}

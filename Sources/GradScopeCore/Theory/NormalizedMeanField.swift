/// Mean-field theory of plain networks with normalisation, where it gives a number
/// (THEORY "Normalisation"; Yang et al. 2019 for batch normalisation).
///
/// Layer normalisation (width large): phi's input u = N(z) is standard normal per example, so with
/// s_l^2 = 1 / (Var_units(z_l) + eps) the squared gain per layer is
/// E||D_{l-1}||^2 / E||D_l||^2 = sigma_w^2 E[phi'(u)^2] s_{l-1}^2, where Var_units(z_1) = sigma_w^2 input_std^2
/// + sigma_b^2 and, from layer 2 on, Var_units(z) = sigma_w^2 E[phi(u)^2] + sigma_b^2 (sigma_w cancels when
/// sigma_b = 0). Batch normalisation with relu (batch and width large, width >> batch): the squared gradient
/// grows by pi / (pi - 1) per layer whatever sigma_w and sigma_b. Elsewhere (residual blocks with
/// normalisation, batch normalisation of other activations) no number is given.
package struct NormalizedMeanField: Sendable {
    /// Per layer l = 1 ... L, the predicted E||D_{l-1}||^2 / E||D_l||^2 (1 for layer 1).
    package let squaredGains: [Double]
    /// The variance of phi's input at the fixed point (1: it is normalised) and the gain there.
    package let fixedPoint: Double
    package let chi: Double

    /// The theory of `cell`, nil where none is given (see the type's description).
    package init?(_ cell: Cell) {
        guard cell.meanFieldForm == .plain else { return nil }
        let field = MeanField(cell), depth = cell.depth
        switch cell.normalization {
        case .none:
            return nil
        case .batch:
            // a convolution's channel statistics pool positions that are not independent: no number
            guard cell.activation == .relu, cell.layer == .dense else { return nil }
            chi = Double.pi / (Double.pi - 1)
            squaredGains = [1] + Array(repeating: chi, count: depth - 1)
        case .layer:
            let slope2 = field.meanSquare(derivative: true, variance: 1)
            let (sw2, sb2) = (field.weightVariance, field.biasVariance)
            let first = sw2 * cell.inputStd * cell.inputStd + sb2
            chi = sw2 * slope2 / (field.variance(after: 1) + cell.normEps)
            squaredGains =
                [1] + (depth > 1 ? [sw2 * slope2 / (first + cell.normEps)] : [])
                + Array(repeating: chi, count: max(0, depth - 2))
        }
        fixedPoint = 1
    }
}

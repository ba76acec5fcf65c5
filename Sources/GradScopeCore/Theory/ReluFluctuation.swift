import RealModule

/// The finite-width fluctuation of the gradient in a plain relu network with Gaussian weights and no bias
/// (Hanin 2018; the exact law of Hanin & Nica 2019): each layer multiplies an example's squared gradient norm by
/// an independent sigma_w^2 chi^2_K / n, K ~ Binomial(n, 1/2) the active units (K >= 1 where it still flows),
/// so Var ln(||d_1||^2 / ||d_L||^2) = (L - 1) v(n) with
/// v(n) = E_K[psi'(K/2)] + Var_K[psi(K/2)] = 5/n + O(1/n^2), psi the digamma function.
package enum ReluFluctuation {
    /// v(n): the variance of ln(chi^2_K) with K ~ Binomial(n, 1/2) conditioned on K >= 1 (sigma_w^2 / n only
    /// shifts the mean). psi(k/2) and psi'(k/2) come by the recurrences psi(x + 1) = psi(x) + 1/x and
    /// psi'(x + 1) = psi'(x) - 1/x^2 from x = 1/2 and x = 1.
    package static func perLayerLogVariance(width n: Int) -> Double {
        precondition(n >= 1, "a layer has at least one unit")
        let eulerGamma = 0.577_215_664_901_532_9
        var digamma = [0, -eulerGamma - 2 * Double.log(2), -eulerGamma]
        var trigamma = [0, Double.pi * Double.pi / 2, Double.pi * Double.pi / 6]
        for k in stride(from: 3, through: max(n, 2), by: 1) {
            let x = Double(k - 2) / 2
            digamma.append(digamma[k - 2] + 1 / x)
            trigamma.append(trigamma[k - 2] - 1 / (x * x))
        }
        let active = 1...n
        let logFactorial = Double.logGamma(Double(n + 1))
        let logWeights = active.map { k in
            logFactorial - Double.logGamma(Double(k + 1)) - Double.logGamma(Double(n - k + 1))
        }
        let largest = logWeights.max() ?? 0
        let weights = logWeights.map { Double.exp($0 - largest) }
        let total = weights.reduce(0, +)
        func expectation(_ f: (Int) -> Double) -> Double {
            zip(active, weights).reduce(0) { $0 + $1.1 * f($1.0) } / total
        }
        let mean = expectation { digamma[$0] }
        return expectation { trigamma[$0] } + expectation { (digamma[$0] - mean) * (digamma[$0] - mean) }
    }

    /// (L - 1) v(n): the predicted `per_example_log_ratio_variance` of a plain relu cell of `depth` layers of
    /// `width` units, Gaussian weights of any scale and zero bias.
    package static func logRatioVariance(depth: Int, width: Int) -> Double {
        Double(depth - 1) * perLayerLogVariance(width: width)
    }
}

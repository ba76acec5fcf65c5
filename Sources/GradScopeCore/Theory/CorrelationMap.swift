import RealModule

/// The correlation map of mean-field theory (Poole et al. 2016; Schoenholz et al. 2017; THEORY): two
/// inputs whose pre-activations have variance q and correlation c reach the next layer with
/// q_ab = sigma_w^2 E[phi(u_a) phi(u_b)] + sigma_b^2, c' = q_ab / q', (u_a, u_b) centred Gaussian of
/// variance q and correlation c. c* = 1 is a fixed point; the map's slope there,
/// chi_c = sigma_w^2 E[phi'(u_a) phi'(u_b)], sets the correlation depth scale xi_c = -1 / ln chi_c.
package struct CorrelationMap: Sendable {
    package let field: MeanField

    package init(_ field: MeanField) { self.field = field }

    /// c_1 ... c_L of a plain network whose inputs have correlation c0 and mean square q0 = input_std^2:
    /// c_1 = (sigma_w^2 c0 q0 + sigma_b^2) / (sigma_w^2 q0 + sigma_b^2), then the map with each layer's own
    /// q_{l-1} (the variance map need not have settled).
    package func correlations(inputCorrelation c0: Double, inputVariance q0: Double, depth: Int) -> [Double] {
        let (w, b) = (field.weightVariance, field.biasVariance)
        var q = w * q0 + b
        guard q > 0 else { return [] }
        var c = [(w * c0 * q0 + b) / q]
        while c.count < depth {
            let next = field.variance(after: q)
            guard next.isFinite, next > 0 else { break }
            let previous = c[c.count - 1]
            let value = (w * expectation(derivative: false, q: q, c: previous) + b) / next
            c.append(value)
            if next == q, abs(value - previous) <= 1e-15 * max(1, abs(value)) {  // settled: every later layer
                c += Array(repeating: value, count: depth - c.count)
            }
            q = next
        }
        return c
    }

    /// The stable fixed point c* at q* and chi_c there: c* = 1 with chi_c = chi_1 when chi_1 <= 1 (ordered
    /// and critical); in the chaotic phase the root of c' - c below 1 by Newton's method from c = 0 (the
    /// slope dc'/dc is `slope` by Price's theorem), at most 100 steps, until a step is below 1e-13. nil when
    /// q* is 0 or infinite.
    package var fixedPoint: (c: Double, chi: Double)? { fixedPoint(at: field.fixedPoint) }

    /// The same from the variance map's fixed point (q*, chi_1) = `field.fixedPoint`, when the caller has it.
    package func fixedPoint(at point: (q: Double, chi: Double)) -> (c: Double, chi: Double)? {
        guard point.q.isFinite, point.q > 0 else { return nil }
        if point.chi <= 1 { return (1, point.chi) }
        let q = point.q
        var c = 0.0
        for _ in 0..<100 {
            let derivative = slope(q: q, c: c) - 1
            guard derivative != 0 else { break }
            let step = (next(c, q: q) - c) / derivative
            c = min(1 - 1e-12, max(-1, c - step))
            if abs(step) < 1e-13 { break }
        }
        return (c, slope(q: q, c: c))
    }

    /// sigma_w^2 E[phi'(u_a) phi'(u_b)] at variance q and correlation c: the map's slope dc'/dc at q = q*.
    package func slope(q: Double, c: Double) -> Double {
        field.weightVariance * expectation(derivative: true, q: q, c: c)
    }

    /// The map's next correlation from c at q, a fixed point of the variance map.
    package func next(_ c: Double, q: Double) -> Double {
        (field.weightVariance * expectation(derivative: false, q: q, c: c) + field.biasVariance) / q
    }

    /// E[f(u_a) f(u_b)] for f = phi (phi' when `derivative`), with the inner rule split at 0 for the
    /// activations that have a kink there.
    private func expectation(derivative: Bool, q: Double, c: Double) -> Double {
        BivariateExpectation.of(
            .activation(field.activation, derivative: derivative), q: q, c: c,
            kinked: CorrelationMap.kinked.contains(field.activation))
    }

    /// The activations with a kink or jump (of phi or phi') at 0.
    static let kinked: Set<Activation> = [.relu, .leakyRelu, .elu, .selu]
}

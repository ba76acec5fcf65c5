import RealModule

/// E[f(sqrt(q) z)] for z ~ N(0, 1), by a composite 16-point Gauss-Legendre rule on |z| <= 12
/// (the Gaussian tail beyond holds below 1e-32 of the mass).
///
/// Plain Gauss-Hermite fails when f(sqrt(q) z) varies on a much finer scale than the Gaussian
/// (sigmoid and tanh at large q: phi' is a spike of width 1/sqrt(q) in z) or has a kink (relu at
/// 0). The panels here are the union of a grid of step 1/2 in z (the Gaussian's scale), a grid of
/// step 1/4 in x = sqrt(q) z over |x| <= 40 (the activations' scale; beyond, every activation
/// is linear or saturated to 1e-17), and the kink x = 0 itself.
package enum GaussianExpectation {
    /// E[f(sqrt(q) z)]; q >= 0.
    package static func of(_ f: (Double) -> Double, variance q: Double) -> Double {
        withoutActuallyEscaping(f) { of(Integrand($0), variance: q) }
    }

    /// E[f(sqrt(q) z)] with f applied to all the rule's points in one call; q >= 0.
    package static func of(_ f: Integrand, variance q: Double) -> Double {
        let s = q.squareRoot()
        guard s > 0 else { return f.at(0) }
        let breakpoints = breakpoints(scale: s)
        let rule = breakpoints == coarse.breakpoints ? coarse : Points(breakpoints)
        var values = rule.z.map { s * $0 }
        f.apply(&values)
        var total = 0.0, k = 0
        for (a, b) in zip(breakpoints, breakpoints.dropFirst()) {
            var panel = 0.0
            for weight in weights {
                for _ in 0..<2 {
                    panel += weight * values[k] * rule.density[k]
                    k += 1
                }
            }
            total += panel * ((b - a) / 2)
        }
        return total / (2 * Double.pi).squareRoot()
    }

    /// The rule's points z, panel by panel (middle -+ half node for each node), and e^{-z^2/2} at each.
    struct Points {
        let breakpoints: [Double]
        var z = [Double](), density = [Double]()

        init(_ breakpoints: [Double]) {
            self.breakpoints = breakpoints
            z.reserveCapacity(2 * nodes.count * (breakpoints.count - 1))
            for (a, b) in zip(breakpoints, breakpoints.dropFirst()) {
                let middle = (a + b) / 2, half = (b - a) / 2
                for node in nodes {
                    z.append(middle - half * node)
                    z.append(middle + half * node)
                }
            }
            density = z.map { Double.exp(-$0 * $0 / 2) }
        }
    }

    /// The points when the panels are the grid of step 1/2 alone (sqrt(q) < 1/48), computed once: the
    /// variance map of a net whose q dies out (tanh at sigma_w^2 = 1) spends thousands of steps there.
    static let coarse = Points(breakpoints(scale: 0))

    /// The panel ends in z, sorted, from -12 to 12.
    static func breakpoints(scale s: Double) -> [Double] {
        var points = (-24...24).map { Double($0) / 2 }
        let reach = min(40, 12 * s)
        if reach / 0.25 >= 1 {
            let steps = Int(reach / 0.25)
            points += (-steps...steps).map { Double($0) * 0.25 / s }
        }
        points.append(0)
        return Array(Set(points)).sorted()
    }

    /// The positive nodes of the 16-point Gauss-Legendre rule on [-1, 1] and their weights.
    static let nodes = [
        0.0950125098376374401853, 0.2816035507792589132305, 0.4580167776572273863424, 0.6178762444026437484467,
        0.7554044083550030338951, 0.8656312023878317438805, 0.9445750230732325760780, 0.9894009349916499325962,
    ]
    static let weights = [
        0.1894506104550684962854, 0.1826034150449235888668, 0.1691565193950025381893, 0.1495959888165767320815,
        0.1246289712555338720525, 0.0951585116824927848099, 0.0622535239386478928628, 0.0271524594117540948518,
    ]
}

/// An integrand f applied in place to a whole buffer of points, so that one vectorised loop serves all the
/// points of a quadrature rule (or of one inner rule).
package struct Integrand {
    /// x_i <- f(x_i) for every i.
    let apply: (inout [Double]) -> Void

    /// f one point at a time.
    package init(_ f: @escaping (Double) -> Double) {
        apply = { x in for i in x.indices { x[i] = f(x[i]) } }
    }

    /// f given as its loop over a buffer.
    package init(buffer apply: @escaping (inout [Double]) -> Void) { self.apply = apply }

    /// f(x) at one point.
    package func at(_ x: Double) -> Double {
        var point = [x]
        apply(&point)
        return point[0]
    }

    /// phi of `activation` (phi' when `derivative`), squared when `squared`, by the forward pass's loop
    /// (`Kernels.evaluate`): the theory integrates the phi the networks compute.
    package static func activation(_ activation: Activation, derivative: Bool, squared: Bool = false) -> Integrand {
        var values = [Double](), slopes = [Double]()
        return Integrand(buffer: { x in
            if values.count != x.count { (values, slopes) = (x, x) }
            Kernels.evaluate(activation, x, values: &values, slopes: &slopes)
            if derivative { swap(&x, &slopes) } else { swap(&x, &values) }
            if squared { for i in x.indices { x[i] *= x[i] } }
        })
    }
}

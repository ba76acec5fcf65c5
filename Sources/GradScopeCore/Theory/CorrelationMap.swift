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
    package var fixedPoint: (c: Double, chi: Double)? {
        let point = field.fixedPoint
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

/// E[f(u_a) f(u_b)] for (u_a, u_b) centred Gaussian with variance q each and correlation c in [-1, 1]:
/// u_a = sqrt(q) z1, u_b = sqrt(q) (c z1 + sqrt(1 - c^2) z2), z1, z2 iid N(0, 1), by a tensor rule of
/// 10-point Gauss-Legendre panels on |z| <= 9 (the Gaussian mass beyond is below 1e-18): unit panels in z,
/// and steps of 1 / (2 sqrt(q)) where sqrt(q) |z| <= 20 (the activations' own scale).
package enum BivariateExpectation {
    /// `kinked`: f has a kink (or jump) at 0, so each inner rule is split where u_b = 0 (the outer grid holds
    /// z1 = 0, and steps of r / 2 around it, r = sqrt(1 - c^2)); otherwise one tensor grid serves both.
    package static func of(_ f: (Double) -> Double, q: Double, c: Double, kinked: Bool = true) -> Double {
        withoutActuallyEscaping(f) { of(Integrand($0), q: q, c: c, kinked: kinked) }
    }

    /// The same with f applied to all the points of the outer rule, then of each inner rule, in one call each.
    package static func of(_ f: Integrand, q: Double, c: Double, kinked: Bool = true) -> Double {
        let s = q.squareRoot()
        guard s > 0 else { return f.at(0) * f.at(0) }
        let c = min(1, max(-1, c)), r = (1 - c * c).squareRoot()
        let panels = breakpoints(scale: s)
        if c == 0 {  // independent: E[f(u_a)] E[f(u_b)]
            let rule = Rule(panels)
            let mean = zip(rule.weights, rule.values(f, at: { s * $0 })).reduce(0.0) { $0 + $1.0 * $1.1 }
            return mean * mean
        }
        // near c = +-1 the inner expectation of a kinked f turns on within |z1| of order r: resolve it
        let outer =
            kinked && r > 0 && r < 0.5 ? Array(Set(panels + (-20...20).map { Double($0) * r / 2 })).sorted() : panels
        let grid = Rule(panels), outerGrid = kinked ? Rule(outer) : grid
        let first = outerGrid.values(f, at: { s * $0 })
        let second = r > 0 ? [] : outerGrid.values(f, at: { s * c * $0 })  // r = 0: u_b = c u_a
        var total = 0.0
        for (k, (z1, w1)) in zip(outerGrid.nodes, outerGrid.weights).enumerated() {
            let a = first[k]
            guard a != 0 else { continue }
            guard r > 0 else {
                total += w1 * a * second[k]
                continue
            }
            let inner = kinked ? Rule(Array(Set(panels + [-c * z1 / r])).sorted()) : grid
            var sum = 0.0
            for (w2, b) in zip(inner.weights, inner.values(f, at: { s * (c * z1 + r * $0) })) { sum += w2 * b }
            total += w1 * a * sum
        }
        return total
    }

    /// The panel ends in z: the integers on [-9, 9], and steps of 1 / (2 sqrt(q)) where sqrt(q) |z| <= 20.
    static func breakpoints(scale s: Double) -> [Double] {
        var points = (-9...9).map(Double.init)
        let step = 0.5 / s, reach = min(9, 20 / s)
        if step < 1 {
            let count = Int(reach / step)
            points += (-count...count).map { Double($0) * step }
        }
        return Array(Set(points)).sorted()
    }

    /// A composite Gauss-Legendre rule for E[g(z)], z ~ N(0, 1): its nodes and weights (density included).
    struct Rule {
        var nodes = [Double](), weights = [Double]()

        init(_ points: [Double]) {
            let density = 1 / (2 * Double.pi).squareRoot()
            for (a, b) in zip(points, points.dropFirst()) where b > a {
                let middle = (a + b) / 2, half = (b - a) / 2
                for (node, weight) in zip(GaussLegendre.nodes, GaussLegendre.weights) {
                    let z = middle + half * node
                    nodes.append(z)
                    weights.append(weight * half * density * Double.exp(-z * z / 2))
                }
            }
        }

        /// f at point(z) for each node z, in one call of f.
        func values(_ f: Integrand, at point: (Double) -> Double) -> [Double] {
            var values = nodes.map(point)
            f.apply(&values)
            return values
        }
    }
}

/// The 10-point Gauss-Legendre rule on [-1, 1], by Newton's method on P_10 from Chebyshev starting points.
enum GaussLegendre {
    static let (nodes, weights): ([Double], [Double]) = {
        let n = 10
        var nodes = [Double](), weights = [Double]()
        for i in 1...n {
            var x = Double.cos(Double.pi * (Double(i) - 0.25) / (Double(n) + 0.5))
            var derivative = 1.0
            for _ in 0..<100 {
                var (p0, p1) = (1.0, x)  // P_0 and P_1, then the recurrence up to P_n
                for k in 2...n { (p0, p1) = (p1, ((2 * Double(k) - 1) * x * p1 - (Double(k) - 1) * p0) / Double(k)) }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-16 { break }
            }
            nodes.append(x)
            weights.append(2 / ((1 - x * x) * derivative * derivative))
        }
        return (nodes, weights)
    }()
}

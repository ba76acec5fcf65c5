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
        let s = q.squareRoot()
        guard s > 0 else { return f(0) }
        var total = 0.0
        let points = breakpoints(scale: s)
        for (a, b) in zip(points, points.dropFirst()) {
            let middle = (a + b) / 2, half = (b - a) / 2
            var panel = 0.0
            for (node, weight) in zip(nodes, weights) {
                for z in [middle - half * node, middle + half * node] {
                    panel += weight * f(s * z) * Double.exp(-z * z / 2)
                }
            }
            total += panel * half
        }
        return total / (2 * Double.pi).squareRoot()
    }

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

import RealModule

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

    /// The same with f applied to all the points of the outer rule in one call, and to the inner rules of
    /// eight outer nodes in one call (`innerSums`).
    package static func of(_ f: Integrand, q: Double, c: Double, kinked: Bool = true) -> Double {
        let s = q.squareRoot()
        guard s > 0 else { return f.at(0) * f.at(0) }
        let c = min(1, max(-1, c)), r = (1 - c * c).squareRoot()
        let panels = breakpoints(scale: s), grid = Rule(panels)
        if c == 0 {  // independent: E[f(u_a)] E[f(u_b)]
            let mean = zip(grid.weights, grid.values(f, at: { s * $0 })).reduce(0.0) { $0 + $1.0 * $1.1 }
            return mean * mean
        }
        // near c = +-1 the inner expectation of a kinked f turns on within |z1| of order r: resolve it
        let outer =
            kinked && r > 0 && r < 0.5
            ? Rule(Array(Set(panels + (-20...20).map { Double($0) * r / 2 })).sorted()) : grid
        let first = outer.values(f, at: { s * $0 })
        let active = first.indices.filter { first[$0] != 0 }
        let inner =
            r > 0
            ? innerSums(f, panels: panels, grid: grid, kinked: kinked, outer: outer.nodes, of: active, s: s, c: c, r: r)
            : outer.values(f, at: { s * c * $0 })  // r = 0: u_b = c u_a
        var total = 0.0
        for k in active { total += outer.weights[k] * first[k] * inner[k] }
        return total
    }

    /// For each outer node z1 = `outer[k]`, k in `active`: E[f(u_b) | z1] = sum_j w_j f(s (c z1 + r z_j)) over the
    /// inner rule (`grid`, or for a kinked f the rule split where u_b = 0), summed in the order of j. Eight outer
    /// nodes go together: their points in one call of f, their sums in the eight lanes of one vector, each lane
    /// in the order of j, so every sum has the bits of a loop over one node at a time.
    static func innerSums(
        _ f: Integrand, panels: [Double], grid: Rule, kinked: Bool, outer: [Double], of active: [Int],
        s: Double, c: Double, r: Double
    ) -> [Double] {
        var sums = [Double](repeating: 0, count: outer.count), buffer = Lanes()
        for block in stride(from: 0, to: active.count, by: 8) {
            let lanes = (0..<8).map { active[min(block + $0, active.count - 1)] }  // the last node fills a short block
            var along = SIMD8<Double>()  // c z1 of each lane
            for l in 0..<8 { along[l] = c * outer[lanes[l]] }
            if kinked {
                buffer.fill(
                    grid: grid, splits: lanes.map { grid.split(panels, at: -c * outer[$0] / r) }, along: along, s: s,
                    r: r)
            } else {
                buffer.fill(grid: grid, along: along, s: s, r: r)
            }
            f.apply(&buffer.points)
            let sum = buffer.sums()
            for lane in 0..<min(8, active.count - block) { sums[lanes[lane]] = sum[lane] }
        }
        return sums
    }

    /// The inner rules of eight outer nodes, lane after lane (point j of lane l at l n + j, n points per lane):
    /// the points s (c z1 + r z_j) (f of them once f is applied) and their weights (one rule's when all lanes
    /// share it).
    struct Lanes {
        var points = [Double](), weights = [Double]()
        /// Points per lane.
        var count = 0
        /// Whether every lane has `weights` (one rule's, n of them), else lane l has weights[l n ..< (l + 1) n].
        private var shared: Bool { weights.count < points.count }

        /// Every lane on `grid`.
        mutating func fill(grid: Rule, along: SIMD8<Double>, s: Double, r: Double) {
            count = grid.nodes.count
            if points.count != 8 * count { points = [Double](repeating: 0, count: 8 * count) }
            (weights, ends) = (grid.weights, [])
            let z = grid.nodes.span, n = count
            var out = points.mutableSpan
            for l in 0..<8 {
                let base = l &* n, a = along[l]
                for j in 0..<min(n, z.count) { out[base &+ j] = s * (a + r * z[j]) }
            }
        }

        /// Lane l on `grid` split as `splits[l]` says. A lane whose rule is shorter (x on a breakpoint) ends in
        /// weight -0 and value +0, whose product -0 changes no sum.
        mutating func fill(grid: Rule, splits: [Rule.Split], along: SIMD8<Double>, s: Double, r: Double) {
            let n = splits.map(\.count).max() ?? 0
            var values = [Double](repeating: 0, count: 8 * n), laneWeights = [Double](repeating: -0.0, count: 8 * n)
            var out = values.mutableSpan, outWeights = laneWeights.mutableSpan, laneEnds = [Int]()
            for (l, split) in splits.enumerated() {
                var j = l &* n
                let pieces = [
                    (grid, 0..<split.kept), (split.inserted, split.inserted.nodes.indices),
                    (grid, split.resumed..<grid.nodes.count),
                ]
                for (rule, range) in pieces {
                    let z = rule.nodes.span, w = rule.weights.span
                    for i in range {
                        out[j] = s * (along[l] + r * z[i])
                        outWeights[j] = w[i]
                        j &+= 1
                    }
                }
                laneEnds.append(j &- l &* n)
            }
            (points, weights, count, ends) = (values, laneWeights, n, laneEnds)
        }

        /// Where each lane's own rule ends (`fill(grid:splits:)`): the values beyond are set to +0 before the sums.
        private var ends: [Int] = []

        /// sum_j w_j f_j in each lane, in the order of j.
        mutating func sums() -> SIMD8<Double> {
            for (l, end) in ends.enumerated() {
                for j in end..<count { points[l &* count &+ j] = 0 }
            }
            let v = points.span, w = weights.span, n = min(count, v.count / 8), shared = self.shared
            var sum = SIMD8<Double>()
            for j in 0..<n {
                var value = SIMD8<Double>(), weight = SIMD8<Double>(repeating: shared ? w[j] : 0)
                for l in 0..<8 {
                    value[l] = v[l &* n &+ j]
                    if !shared { weight[l] = w[l &* n &+ j] }
                }
                sum += weight * value
            }
            return sum
        }
    }

    /// The panel ends in z: the integers on [-9, 9], and steps of 1 / (2 sqrt(q)) where sqrt(q) |z| <= 20.
    package static func breakpoints(scale s: Double) -> [Double] {
        var points = (-9...9).map(Double.init)
        let step = 0.5 / s, reach = min(9, 20 / s)
        if step < 1 {
            let count = Int(reach / step)
            points += (-count...count).map { Double($0) * step }
        }
        return Array(Set(points)).sorted()
    }

    /// A composite Gauss-Legendre rule for E[g(z)], z ~ N(0, 1): its nodes and weights (density included).
    package struct Rule {
        package var nodes = [Double](), weights = [Double]()

        /// The rule on the panels between consecutive `points` (ascending).
        package init(_ points: [Double]) {
            for (a, b) in zip(points, points.dropFirst()) where b > a { append(a, b) }
        }

        /// Appends the nodes and weights of the panel [a, b].
        private mutating func append(_ a: Double, _ b: Double) {
            let density = 1 / (2 * Double.pi).squareRoot()
            let middle = (a + b) / 2, half = (b - a) / 2
            for (node, weight) in zip(GaussLegendre.nodes, GaussLegendre.weights) {
                let z = middle + half * node
                nodes.append(z)
                weights.append(weight * half * density * Double.exp(-z * z / 2))
            }
        }

        /// `Rule(points + [x], sorted)` in pieces of this rule (the rule on `points`, strictly ascending): its
        /// nodes and weights before `kept`, then `inserted`, then its own from `resumed` on.
        struct Split {
            let kept: Int, inserted: Rule, resumed: Int
            /// The split rule's number of nodes.
            let count: Int
        }

        /// The rule on `points` with x added, as a `Split`: the panels x does not cut keep this rule's nodes and
        /// weights (the same arithmetic, so the same bits), and only the cut panel's two halves, or a new end
        /// panel, are computed; x on a breakpoint inserts nothing.
        func split(_ points: [Double], at x: Double) -> Split {
            guard !points.contains(x) else {
                return Split(kept: nodes.count, inserted: Rule([]), resumed: nodes.count, count: nodes.count)
            }
            let above = points.firstIndex { $0 > x } ?? points.count  // the first breakpoint above x
            let perPanel = GaussLegendre.nodes.count
            var inserted = Rule([])
            if above > 0 { inserted.append(points[above - 1], x) }
            if above < points.count { inserted.append(x, points[above]) }
            let kept = max(0, above - 1) * perPanel  // the panels wholly below x
            let resumed = min(nodes.count, above * perPanel)  // the panels wholly above x
            return Split(
                kept: kept, inserted: inserted, resumed: resumed,
                count: kept + inserted.nodes.count + nodes.count - resumed)
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

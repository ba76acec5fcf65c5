import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeTestSupport
import Testing

/// The correlation side of mean-field theory: the bivariate quadrature against closed forms and an
/// adaptive nested rule, the correlation map's fixed point and slope, the measured pair correlation
/// against naive loops, and the measured map against theory at width 1,000 and more.
@Suite("Correlations: measured and predicted")
struct CorrelationTests {
    /// E[relu(u_a) relu(u_b)] = q / (2 pi) (sqrt(1 - c^2) + (pi - arccos c) c) (Cho & Saul 2009).
    static func reluKernel(q: Double, c: Double) -> Double {
        q / (2 * Double.pi) * ((1 - c * c).squareRoot() + (Double.pi - acos(c)) * c)
    }

    @Test("The bivariate quadrature matches closed forms: linear q c, relu's arc-cosine kernel and its step kernel")
    func closedForms() {
        for q in [0.3, 1, 4, 25] {
            for c in [-0.9, -0.3, 0, 0.5, 0.95, 0.999, 1] {
                let linear = BivariateExpectation.of({ $0 }, q: q, c: c, kinked: false)
                #expect(abs(linear - q * c) < 1e-12 * q, "linear q=\(q) c=\(c)")
                let relu = BivariateExpectation.of({ max(0, $0) }, q: q, c: c)
                #expect(abs(relu - Self.reluKernel(q: q, c: c)) < 1e-11 * q, "relu q=\(q) c=\(c): \(relu)")
                let step = BivariateExpectation.of({ $0 > 0 ? 1 : 0 }, q: q, c: c)
                #expect(abs(step - (Double.pi - acos(c)) / (2 * Double.pi)) < 1e-10, "step q=\(q) c=\(c): \(step)")
            }
        }
    }

    @Test("The bivariate quadrature of tanh, sigmoid and their slopes matches a nested adaptive rule to 1e-9")
    func nestedReference() {
        for activation in [Activation.tanh, .sigmoid] {
            for f in [activation.value, activation.derivative] as [(Double) -> Double] {
                for (q, c) in [(0.5, 0.3), (2.0, 0.8), (9.0, -0.5), (40.0, 0.99)] {
                    let s = q.squareRoot(), r = (1 - c * c).squareRoot()
                    // E over z1 of f(u_a) times the inner expectation over z2, each by the 1D composite rule
                    let reference = GaussianExpectation.of(
                        { u in
                            f(u) * GaussianExpectation.of({ x in f(c * u + x) }, variance: q * r * r)
                        }, variance: q)
                    let value = BivariateExpectation.of(f, q: q, c: c, kinked: false)
                    #expect(abs(value - reference) < 1e-9, "\(activation) q=\(q) c=\(c): \(value) vs \(reference)")
                    _ = s
                }
            }
        }
    }

    /// E[f(u_a) f(u_b)] by the plain loop: one outer node at a time, f at one point at a time, each inner rule
    /// built whole from its sorted breakpoints (the kinked rule split where u_b = 0).
    static func plainLoop(_ f: Integrand, q: Double, c: Double, kinked: Bool) -> Double {
        let s = q.squareRoot(), r = (1 - c * c).squareRoot()
        let panels = BivariateExpectation.breakpoints(scale: s)
        if c == 0 {
            let rule = BivariateExpectation.Rule(panels)
            let mean = zip(rule.nodes, rule.weights).reduce(0.0) { $0 + $1.1 * f.at(s * $1.0) }
            return mean * mean
        }
        let split = kinked && r > 0 && r < 0.5
        let outer = BivariateExpectation.Rule(
            split ? Array(Set(panels + (-20...20).map { Double($0) * r / 2 })).sorted() : panels)
        var total = 0.0
        for (z1, w1) in zip(outer.nodes, outer.weights) {
            let a = f.at(s * z1)
            guard a != 0 else { continue }
            guard r > 0 else {
                total += w1 * a * f.at(s * c * z1)
                continue
            }
            let inner = BivariateExpectation.Rule(kinked ? Array(Set(panels + [-c * z1 / r])).sorted() : panels)
            var sum = 0.0
            for (z2, w2) in zip(inner.nodes, inner.weights) { sum += w2 * f.at(s * (c * z1 + r * z2)) }
            total += w1 * a * sum
        }
        return total
    }

    @Test("The bivariate quadrature has the bits of the plain loop (eight outer nodes per call, split inner rules)")
    func bivariateBits() {
        for (activation, kinked) in [(Activation.tanh, false), (.sigmoid, false), (.relu, true), (.elu, true)] {
            for derivative in [false, true] {
                let f = Integrand.activation(activation, derivative: derivative)
                for (q, c) in [(0.01, 0.3), (0.7, 0.999), (2.0, 0.8), (9.0, -0.5), (40.0, 0.9999), (3.0, 1), (1.5, 0)] {
                    let value = BivariateExpectation.of(f, q: q, c: c, kinked: kinked)
                    let reference = Self.plainLoop(f, q: q, c: c, kinked: kinked)
                    #expect(
                        value.bitPattern == reference.bitPattern,
                        "\(activation) derivative \(derivative) q=\(q) c=\(c): \(value) vs \(reference)")
                }
            }
        }
    }

    @Test("The map: relu's closed form, linear mixing with the bias, c* = 1 and chi_c = chi_1 when ordered")
    func mapClosedForms() {
        let (w, b, q0, c0) = (1.6, 0.2, 1.3, 0.25)
        let relu = CorrelationMap(MeanField(activation: .relu, weightVariance: w, biasVariance: b))
        let computed = relu.correlations(inputCorrelation: c0, inputVariance: q0, depth: 12)
        var (q, c) = (w * q0 + b, (w * c0 * q0 + b) / (w * q0 + b))
        for l in 0..<12 {
            #expect(abs(computed[l] - c) < 1e-11, "relu layer \(l + 1): \(computed[l]) vs \(c)")
            let next = w * q / 2 + b
            (q, c) = (next, (w * Self.reluKernel(q: q, c: c) + b) / next)
        }
        let linear = CorrelationMap(MeanField(activation: .linear, weightVariance: 0.9, biasVariance: 0.3))
        let mixed = linear.correlations(inputCorrelation: c0, inputVariance: q0, depth: 8)
        (q, c) = (0.9 * q0 + 0.3, (0.9 * c0 * q0 + 0.3) / (0.9 * q0 + 0.3))
        for l in 0..<8 {
            #expect(abs(mixed[l] - c) < 1e-12, "linear layer \(l + 1)")
            let next = 0.9 * q + 0.3
            (q, c) = (next, (0.9 * c * q + 0.3) / next)
        }
        let ordered = CorrelationMap(MeanField(activation: .tanh, weightVariance: 1.2, biasVariance: 0.3))
        let point = try? #require(ordered.fixedPoint)
        #expect(point?.c == 1 && abs((point?.chi ?? 0) - ordered.field.fixedPoint.chi) < 1e-12)
    }

    @Test("Chaotic tanh: c* < 1 is a fixed point of the map, chi_c its slope (finite differences), xi_c finite")
    func chaoticFixedPoint() throws {
        for (w, b) in [(2.5, 0.1), (4.0, 0.3), (1.9, 0.05)] {
            let map = CorrelationMap(MeanField(activation: .tanh, weightVariance: w, biasVariance: b))
            let point = try #require(map.fixedPoint), q = map.field.fixedPoint.q
            #expect(point.c < 1 && point.c > 0 && map.field.fixedPoint.chi > 1)
            #expect(abs(map.next(point.c, q: q) - point.c) < 1e-12, "sigma_w^2 = \(w): c* = \(point.c)")
            let h = 1e-5
            let numeric = (map.next(point.c + h, q: q) - map.next(point.c - h, q: q)) / (2 * h)
            #expect(abs(numeric - point.chi) < 1e-7, "chi_c \(point.chi) vs \(numeric)")
            #expect(point.chi < 1, "the fixed point is stable")
        }
        // at the order-to-chaos line (Schoenholz et al. 2017) chi_c -> chi_1 = 1: xi_c diverges
        let critical = CorrelationMap(MeanField(activation: .tanh, weightVariance: 1.7610, biasVariance: 0.05))
        #expect(abs(try #require(critical.fixedPoint).chi - 1) < 1e-3)
    }

    /// Mean and population std of c_ab over pairs a < b, by loops.
    static func naive(_ z: Matrix<Double>) -> (mean: Double, std: Double) {
        let rows = (0..<z.rows).map { b in (0..<z.columns).map { z[b, $0] } }.filter { $0.contains { $0 != 0 } }
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        var values = [Double]()
        for a in rows.indices {
            for b in (a + 1)..<rows.count {
                values.append(dot(rows[a], rows[b]) / (dot(rows[a], rows[a]) * dot(rows[b], rows[b])).squareRoot())
            }
        }
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot())
    }

    @Test("PairCorrelation matches naive loops (batch above and below width), skips zero rows, is scale-free")
    func pairCorrelation() throws {
        for (rows, columns) in [(7, 30), (40, 6), (12, 12)] {
            var values = RandomStream(seed: 3, purpose: "test.correlation", rows, columns).normal(count: rows * columns)
            for j in 0..<columns { values[j] += 0.7 }  // some correlation between the rows
            for j in 0..<columns { values[2 * columns + j] = 0 }  // a zero row has no direction
            let z = try Matrix(
                rows: rows, columns: columns,
                elements: values.enumerated().map { i, v in
                    v + 0.5 * Double((i % columns) % 3)
                })
            let (mean, std) = Self.naive(z)
            let measured = try #require(PairCorrelation(rows: z))
            #expect(abs(measured.mean - mean) < 1e-12 && abs(measured.std - std) < 1e-10, "\(rows) x \(columns)")
            for scale in [1e250, 1e-250] {
                let scaled = try #require(PairCorrelation(rows: z.scaled(by: scale)))
                #expect(abs(scaled.mean - mean) < 1e-12 && abs(scaled.std - std) < 1e-10, "scale \(scale)")
            }
            let single = try #require(PairCorrelation(rows: z.converted(to: Float.self)))
            #expect(abs(single.mean - mean) < 1e-5)
        }
        #expect(PairCorrelation(rows: Matrix<Double>(rows: 3, columns: 4)) == nil)
    }

    @Test(
        """
        The measured correlation map follows theory at width 2,000 (tanh and relu, ordered and chaotic, \
        c0 = 0.2 and 0.7), within 4 / sqrt(width x seeds)
        """)
    func measuredMap() throws {
        let (width, seeds) = (2000, 3)
        let tolerance = 4 / Double(width * seeds).squareRoot()
        for (activation, weightVariance) in [(Activation.tanh, 0.8), (.tanh, 2.5), (.relu, 1.6), (.relu, 2.0)] {
            for c0 in [0.2, 0.7] {
                var cell = Cell()
                (cell.activation, cell.depth, cell.width, cell.batch, cell.loss) = (activation, 8, width, 24, .probe)
                (cell.initializer, cell.biasStd, cell.inputCorrelation) = (
                    .varianceScaling(scale: weightVariance, mode: .fanIn, distribution: .normal), 0.3, c0
                )
                let theory = CorrelationMap(MeanField(cell)).correlations(
                    inputCorrelation: c0, inputVariance: 1, depth: cell.depth)
                let runs = try (0..<seeds).map { try measure(cell, seed: $0) }
                for l in 0..<cell.depth {
                    let mean = try runs.map { try #require($0.layers[l].correlation).mean }.reduce(0, +) / Double(seeds)
                    #expect(
                        abs(mean - theory[l]) < tolerance,
                        "\(activation) sigma_w^2 \(weightVariance) c0 \(c0) layer \(l + 1): \(mean) vs \(theory[l])")
                }
            }
        }
    }

    @Test("The order-to-chaos line: tanh at sigma_b^2 = 0.05 crosses at sigma_w^2 = 1.7610, relu at 2, sigmoid never")
    func criticalLine() throws {
        let tanh = try #require(MeanField.criticalWeightVariance(.tanh, biasVariance: 0.05))
        #expect(abs(tanh - 1.7610) < 1e-3, "\(tanh)")
        let relu = try #require(MeanField.criticalWeightVariance(.relu, biasVariance: 0.1))
        #expect(abs(relu - 2) < 1e-6, "\(relu)")
        #expect(MeanField.criticalWeightVariance(.sigmoid, biasVariance: 0.05) == nil)
    }

    @Test(
        """
        per_example_log_ratio_variance: 0 for a linear net with orthogonal weights (every example scales by g^(L-1)), \
        (L - 1) v(n) for relu with He weights (Hanin & Nica 2019), pooled over seeds
        """)
    func logRatioVariance() throws {
        var linear = tinyCell(.linear, .probe, .plain, width: 16, batch: 64, depth: 12)
        (linear.initializer, linear.biasStd) = (.orthogonal(gain: 0.8), 0)
        let exact = try #require(try measure(linear, seed: 1).logRatioVariance)
        #expect(exact < 1e-20, "\(exact)")
        var relu = tinyCell(.relu, .probe, .plain, width: 100, batch: 256, depth: 10)
        (relu.initializer, relu.biasStd) = (Initializer.named["he_normal"]!, 0)
        let runs = try (0..<16).map { seed in
            let measured = try measure(relu, seed: seed)
            return (mean: try #require(measured.logRatioMean), variance: try #require(measured.logRatioVariance))
        }
        // pooled over seeds, as summary.csv pools them: the examples of one batch correlate
        let pooled = try #require(Statistics.pooledVariance(runs))
        let predicted = ReluFluctuation.logRatioVariance(depth: 10, width: 100)
        #expect(abs(predicted - 0.4675) < 0.001, "\(predicted)")
        #expect(abs(pooled - predicted) < 0.06, "pooled \(pooled) against \(predicted)")
    }

    @Test("Hanin's per-layer variance v(n): 5/n to leading order, and ln chi^2_K sampled by coin flips and normals")
    func reluPerLayerVariance() throws {
        let wide = ReluFluctuation.perLayerLogVariance(width: 1000) * 1000
        #expect(wide > 5 && wide < 5.03, "n v(n) at n = 1000: \(wide)")
        let (width, samples) = (10, 200_000)
        let coins = RandomStream(seed: 7, purpose: "test-coins").uniform(count: width * samples)
        let normals = RandomStream(seed: 7, purpose: "test-normals").normal(count: width * samples)
        var logs: [Double] = []
        for sample in 0..<samples {
            let units = (sample * width)..<((sample + 1) * width)
            let square = units.reduce(0) { coins[$1] < 0.5 ? $0 + normals[$1] * normals[$1] : $0 }
            if square > 0 { logs.append(log(square)) }
        }
        let spread = try #require(Statistics.sampleStd(logs))
        let variance = spread * spread
        let predicted = ReluFluctuation.perLayerLogVariance(width: width)
        // the sample variance's standard error: sqrt((m4 - s^4) / N), about 0.008 here
        #expect(abs(variance - predicted) < 0.03, "sampled \(variance) against \(predicted)")
        #expect(abs(predicted - 0.866_734_253) < 1e-8, "scipy's value of v(10): \(predicted)")
    }
}

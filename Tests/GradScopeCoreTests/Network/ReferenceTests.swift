import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("BLAS engine against the naive reference")
struct ReferenceTests {
    /// (width, batch, depth): fixed edge cases plus shapes drawn from a seeded stream.
    static let shapes: [(Int, Int, Int)] = {
        var shapes = [(1, 1, 1), (1, 5, 4), (7, 3, 5), (5, 16, 3), (6, 2, 4), (2, 2, 3)]
        let u = RandomStream(seed: 0, purpose: "test.shapes").uniform(count: 12)
        for k in 0..<4 {
            shapes.append((1 + Int(u[3 * k] * 24), 1 + Int(u[3 * k + 1] * 24), 1 + Int(u[3 * k + 2] * 6)))
        }
        return shapes
    }()

    @Test(
        "Every norm and statistic equals the triple-loop reference to 1e-12, with and without normalisation",
        arguments: Activation.allCases, Architecture.feedforward)
    func matchesReference(activation: Activation, architecture: Architecture) throws {
        for (width, batch, depth) in Self.shapes {
            for (loss, normalization) in Loss.allCases.flatMap({ l in Normalization.allCases.map { (l, $0) } }) {
                if normalization == .batch && batch < 2 { continue }  // refused: no batch statistics of one example
                var cell = tinyCell(activation, loss, architecture, width: width, batch: batch, depth: depth)
                cell.biasStd = 0.3
                cell.normalization = normalization
                let network = try makeNetwork(cell, seed: width + 31 * batch)
                let measured = network.measure()
                try #require(measured.status == .ok)
                let reference = ReferenceNetwork.run(network)
                let label = "\(activation) \(architecture) \(normalization) \(loss) w\(width) b\(batch) L\(depth)"
                // A bias right before a batch normalisation has no gradient: exactly 0 in the engine,
                // rounding noise in the reference's column sums.
                let biasless = normalization == .batch && architecture == .plain
                let outputScale = reference.last?.gradH ?? 0
                for (m, r) in zip(measured.layers, reference) {
                    // (engine, reference, the reference's condition number of that norm)
                    var pairs = [
                        (m.gradW, r.gradW, r.condition * r.weightCondition), (m.gradZ, r.gradZ, r.condition),
                        (m.gradH, r.gradH, r.condition),
                    ]
                    if biasless {
                        #expect(
                            m.gradB.value == 0 && r.gradB < 1e-13 * r.gradZ * r.condition, "\(label): db \(r.gradB)")
                    } else {
                        pairs.append((m.gradB, r.gradB, r.condition))
                    }
                    for (x, y, condition) in pairs {
                        let value = try #require(x.value)
                        // a norm that is zero in exact arithmetic is rounding noise of the output gradient's size
                        let noise = y == 0 && value < 1e-15 * outputScale
                        #expect(
                            relativeDifference(value, y) < 1e-12 * condition || (y < 1e-290 && value < 1e-290)
                                || noise,
                            "\(label): \(value) vs \(y), condition \(condition)")
                    }
                    #expect(abs(m.activations.mean - r.mean) < 1e-12 * (1 + abs(r.mean)), "\(label)")
                    #expect(abs(m.activations.std - r.std) < 1e-12 * (1 + r.std), "\(label)")
                    #expect(m.activations.saturatedFraction == r.saturated, "\(label)")
                }
            }
        }
    }

    @Test(
        "float32 follows float64 through normalisation (tanh, gelu): log10 norms within 1e-4 over 30 layers",
        arguments: Normalization.allCases, Architecture.feedforward)
    func singlePrecision(normalization: Normalization, architecture: Architecture) throws {
        // smooth activations: at relu's kink a float32 rounding can switch a unit off, a discrete change
        // (the layer-norm relu test compares the fitted gains of both precisions instead)
        for activation in [Activation.tanh, .gelu] {
            var cell = tinyCell(activation, .mse, architecture, width: 64, batch: 16, depth: 30)
            cell.normalization = normalization
            try compareSingle(cell)
        }
    }

    /// float32 against float64 of `cell`: every log10 norm within 1e-4.
    func compareSingle(_ cell: Cell) throws {
        var cell = cell
        let (normalization, architecture) = (cell.normalization, cell.architecture)
        let double = try measure(cell, seed: 2)
        cell.precision = .float32
        let single = try measure(cell, seed: 2)
        try #require(double.status == .ok && single.status == .ok)
        for (a, b) in zip(double.layers, single.layers) {
            for (x, y) in [(a.gradW, b.gradW), (a.gradZ, b.gradZ), (a.gradH, b.gradH)] {
                let (p, q) = (try #require(x.log10), try #require(y.log10))
                #expect(abs(p - q) < 1e-4, "\(normalization) \(architecture): \(p) vs \(q)")
            }
        }
    }
}

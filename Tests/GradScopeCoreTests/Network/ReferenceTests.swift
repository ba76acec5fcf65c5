import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("BLAS engine against the naive reference")
struct ReferenceTests {
    /// (width, batch, depth): fixed edge cases plus shapes drawn from a seeded stream.
    static let shapes: [(Int, Int, Int)] = {
        var shapes = [(1, 1, 1), (1, 5, 4), (7, 3, 5), (5, 16, 3)]
        let u = RandomStream(seed: 0, purpose: "test.shapes").uniform(count: 12)
        for k in 0..<4 {
            shapes.append((1 + Int(u[3 * k] * 24), 1 + Int(u[3 * k + 1] * 24), 1 + Int(u[3 * k + 2] * 6)))
        }
        return shapes
    }()

    @Test(
        "Every norm and statistic equals the triple-loop reference to 1e-12",
        arguments: Activation.allCases, Architecture.allCases)
    func matchesReference(activation: Activation, architecture: Architecture) throws {
        for (width, batch, depth) in Self.shapes {
            for loss in Loss.allCases {
                var cell = tinyCell(activation, loss, architecture, width: width, batch: batch, depth: depth)
                cell.biasStd = 0.3
                let network = try Network<Double>(cell: cell, seed: width + 31 * batch)
                let measured = network.measure()
                try #require(measured.status == .ok)
                let reference = ReferenceNetwork.run(network)
                let label = "\(activation) \(architecture) \(loss) w\(width) b\(batch) L\(depth)"
                for (m, r) in zip(measured.layers, reference) {
                    for (x, y) in [(m.gradW, r.gradW), (m.gradB, r.gradB), (m.gradZ, r.gradZ), (m.gradH, r.gradH)] {
                        let value = try #require(x.value)
                        #expect(
                            relativeDifference(value, y) < 1e-12 || (y < 1e-290 && value < 1e-290),
                            "\(label): \(value) vs \(y)")
                    }
                    #expect(abs(m.activations.mean - r.mean) < 1e-12 * (1 + abs(r.mean)), "\(label)")
                    #expect(abs(m.activations.std - r.std) < 1e-12 * (1 + r.std), "\(label)")
                    #expect(m.activations.saturatedFraction == r.saturated, "\(label)")
                }
            }
        }
    }
}

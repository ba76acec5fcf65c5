import GradScopeCore
import GradScopeResults
import GradScopeTestSupport
import RealModule
import Testing

/// Closed-form predictions that hold in expectation (THEORY.md).
@Suite("Theory in expectation")
struct TheoryTests {
    func profile(_ cell: Cell, seed: Int = 0) throws -> RunMeasurement {
        let run = try measure(cell, seed: seed)
        try #require(run.status == .ok)
        return run
    }

    @Test("Linear network, Var(W) = s^2/n: ||dLoss/dZ|| shrinks by s per layer while ||dLoss/dW|| stays level")
    func linearShrinksByS() throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.batch, cell.depth) = (.linear, 256, 128, 40)
        let s = 0.9
        cell.initializer = .varianceScaling(scale: s * s, mode: .fanIn, distribution: .normal)
        let run = try profile(cell)
        let z = try #require(Statistics.gainPerLayer(run.layers.map { $0.gradZ.log10! }))
        let w = try #require(Statistics.gainPerLayer(run.layers.map { $0.gradW.log10! }))
        #expect(abs(z - Double.log10(s)) < 0.005, "z gain \(z), expected \(Double.log10(s))")
        #expect(abs(w) < 0.005, "w gain \(w), expected level")
    }

    @Test("ReLU with he_normal keeps ||dLoss/dZ|| level within 0.01 decades per layer (probe loss)")
    func reluHeIsLevel() throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.batch, cell.depth, cell.loss) = (.relu, 256, 128, 40, .probe)
        cell.initializer = Initializer.named["he_normal"]!
        let gains = try (0..<3).map { seed in
            try #require(Statistics.gainPerLayer(try profile(cell, seed: seed).layers.map { $0.gradZ.log10! }))
        }
        for g in gains { #expect(abs(g) < 0.01, "relu/He z gain \(g)") }
    }

    @Test("Linear orthogonal network with gain g: every layer scales D exactly by g (probe loss)")
    func orthogonalExact() throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.batch, cell.depth, cell.loss) = (.linear, 32, 8, 12, .probe)
        let g = 0.8
        cell.initializer = .orthogonal(gain: g)
        let layers = try profile(cell).layers.map { $0.gradZ.log10! }
        for (lower, upper) in zip(layers, layers.dropFirst()) {
            #expect(abs(lower - upper - Double.log10(g)) < 1e-12)
        }
    }
}

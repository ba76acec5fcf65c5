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

    /// The fitted z gain per layer over the interior layers 6 ... L - 5, mean over `seeds` seeds.
    func interiorGain(_ cell: Cell, seeds: Int) throws -> Double {
        var total = 0.0
        for seed in 0..<seeds {
            let z = try profile(cell, seed: seed).layers.map { $0.gradZ.log10! }
            total += try #require(Statistics.gainPerLayer(Array(z[5..<(z.count - 5)])))
        }
        return total / Double(seeds)
    }

    @Test(
        """
        Batch norm with relu explodes whatever sigma_w: the interior gain is the same for sigma_w^2 = 1 and 2 \
        (to 0.005), positive, faster at batch 16, and within 0.005 of log10(pi/(pi-1))/2 at batch 128, width 512
        """)
    func batchNormExplodes() throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.depth, cell.loss, cell.normalization) = (.relu, 512, 30, .probe, .batch)
        func gain(_ sigmaW2: Double, batch: Int) throws -> Double {
            cell.initializer = .varianceScaling(scale: sigmaW2, mode: .fanIn, distribution: .normal)
            cell.batch = batch
            return try interiorGain(cell, seeds: 2)
        }
        let limit = Double.log10(Double.pi / (Double.pi - 1)) / 2
        let (one, two) = (try gain(1, batch: 128), try gain(2, batch: 128))
        #expect(abs(one - two) < 0.005 && one > 0, "sigma_w^2 = 1: \(one), 2: \(two)")
        #expect(abs(one - limit) < 0.005, "batch 128: \(one), large-batch limit \(limit)")
        let small = try gain(1, batch: 16)
        #expect(small > one + 0.005, "batch 16: \(small), batch 128: \(one)")
    }

    @Test(
        """
        Layer norm with relu keeps ||dLoss/dZ|| level within 0.01 decades per layer, for sigma_w^2 = 1 and 2; \
        float32 agrees
        """
    )
    func layerNormIsLevel() throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.batch, cell.depth, cell.loss) = (.relu, 256, 64, 40, .probe)
        cell.normalization = .layer
        for sigmaW2 in [1.0, 2.0] {
            cell.initializer = .varianceScaling(scale: sigmaW2, mode: .fanIn, distribution: .normal)
            cell.precision = .float64
            let gain = try interiorGain(cell, seeds: 2)
            #expect(abs(gain) < 0.01, "sigma_w^2 = \(sigmaW2): \(gain)")
            cell.precision = .float32
            let single = try interiorGain(cell, seeds: 2)
            #expect(abs(single - gain) < 1e-3, "float32 \(single) vs float64 \(gain)")
        }
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

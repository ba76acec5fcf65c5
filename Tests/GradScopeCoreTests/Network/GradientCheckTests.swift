import GradScopeCore
import GradScopeTestSupport
import Testing

/// Central finite differences of the loss against the engine's dLoss/dW_l, dLoss/db_l, dLoss/dH_l.
@Suite("Finite-difference gradient checks")
struct GradientCheckTests {
    static let step = 1e-5
    /// Activations with a kink, where a perturbation may cross a point of non-differentiability.
    static let kinked: Set<Activation> = [.relu, .leakyRelu, .selu]

    /// Compares analytic and numeric gradients of one parameter set; returns (relative error, checked, skipped).
    struct Comparison {
        var numeric: [Double] = [], analytic: [Double] = [], skipped = 0
        mutating func add(_ loss: (Double) -> Double?, analytic value: Double, kinked: Bool, base: Double) {
            let h = GradientCheckTests.step
            guard let plus = loss(h), let minus = loss(-h) else {
                skipped += 1
                return
            }
            // A kink inside [-h, h] shows as a second difference of order h instead of h^2.
            if kinked && abs(plus - 2 * base + minus) > 1e-8 {
                skipped += 1
                return
            }
            numeric.append((plus - minus) / (2 * h))
            analytic.append(value)
        }
    }

    @Test(
        "dW, db and dH match central differences to 1e-6 (float64), through batch and layer normalisation too",
        arguments: Activation.allCases, Loss.allCases)
    func gradients(activation: Activation, loss: Loss) throws {
        for architecture in Architecture.feedforward {
            for normalization in Normalization.allCases {
                var cell = tinyCell(activation, loss, architecture)
                cell.normalization = normalization
                try check(cell)
            }
        }
    }

    /// Checks every dW_l, db_l and dH_l of `cell`'s network for seed 3 against central differences.
    func check(_ cell: Cell) throws {
        let (activation, loss, architecture) = (cell.activation, cell.loss, cell.architecture)
        // a bias right before a batch normalisation does not reach the loss: its gradient is exactly zero
        let biasless = cell.normalization == .batch && architecture == .plain
        do {
            let network = try makeNetwork(cell, seed: 3)
            let analytic = try #require(network.gradients())
            let base = try #require(network.loss())
            let kinked = Self.kinked.contains(activation)
            for layer in 1...network.cell.depth {
                let g = analytic[layer - 1]
                var w = Comparison(), b = Comparison(), h = Comparison()
                let weights = network.weights[layer - 1], biases = network.biases[layer - 1]
                for i in weights.elements.indices {
                    w.add(
                        { d in
                            var p = weights
                            p[i / p.columns, i % p.columns] += d
                            try? network.setWeights(p, layer: layer)
                            defer { try? network.setWeights(weights, layer: layer) }
                            return network.loss()
                        }, analytic: g.weights.elements[i], kinked: kinked, base: base)
                }
                for j in biases.indices {
                    b.add(
                        { d in
                            var p = biases
                            p[j] += d
                            try? network.setBiases(p, layer: layer)
                            defer { try? network.setBiases(biases, layer: layer) }
                            return network.loss()
                        }, analytic: g.biases[j], kinked: kinked, base: base)
                }
                let hidden = try #require(try network.hidden(atLayer: layer))
                for i in hidden.elements.indices {
                    h.add(
                        { d in
                            var p = hidden
                            p[i / p.columns, i % p.columns] += d
                            return try? network.loss(hidden: p, atLayer: layer) ?? nil
                        }, analytic: g.output.elements[i], kinked: kinked, base: base)
                }
                if biasless {
                    #expect(b.analytic.allSatisfy { $0 == 0 } && b.numeric.allSatisfy { abs($0) < 1e-8 })
                }
                for (name, c) in [("dW", w), ("db", b), ("dH", h)] where !(biasless && name == "db") {
                    let label = "\(activation) \(loss) \(architecture) \(cell.normalization) layer \(layer) \(name)"
                    #expect(
                        c.skipped * 5 <= c.numeric.count + c.skipped, "\(label): too many kink skips (\(c.skipped))")
                    #expect(relativeError(c.analytic, c.numeric) < 1e-6, "\(label)")
                }
            }
        }
    }
}

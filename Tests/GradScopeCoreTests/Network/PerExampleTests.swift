import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Per-example gradient norms")
struct PerExampleTests {
    @Test(
        "The row-norm identity equals explicitly formed per-example gradients (dW and db) to 1e-12",
        arguments: [
            (Activation.tanh, Loss.mse, Architecture.plain), (.relu, .crossEntropy, .residual),
            (.sigmoid, .probe, .plain), (.gelu, .mse, .residual),
        ])
    func identity(activation: Activation, loss: Loss, architecture: Architecture) throws {
        let cell = tinyCell(activation, loss, architecture, width: 5, batch: 7, depth: 3)
        let network = try makeNetwork(cell, seed: 2)
        let run = network.measure()
        try #require(run.status == .ok)
        let (input, objective) = (network.input, network.objective)
        var shares = [[Double]](repeating: [], count: cell.depth)
        for b in 0..<cell.batch {
            // Example b alone: its loss is the batch loss's term b times batch.
            let single = try makeNetwork(cell, seed: 2)
            let row = Array(input.elements[(b * cell.width)..<((b + 1) * cell.width)])
            let target: Objective =
                loss == .crossEntropy
                ? Objective(loss: loss, matrix: objective.matrix, labels: [objective.labels[b]])
                : Objective(
                    loss: loss,
                    matrix: try Matrix(
                        rows: 1, columns: cell.width,
                        elements: Array(objective.matrix.elements[(b * cell.width)..<((b + 1) * cell.width)])),
                    labels: [])
            try single.setBatch(try Matrix(rows: 1, columns: cell.width, elements: row), objective: target)
            let gradients = try #require(single.gradients())
            for (l, g) in gradients.enumerated() {
                let squared = g.weights.elements.reduce(0) { $0 + $1 * $1 } + g.biases.reduce(0) { $0 + $1 * $1 }
                shares[l].append(squared.squareRoot() / Double(cell.batch))
            }
        }
        for l in 0..<cell.depth {
            let sorted = shares[l].sorted()
            for (k, p) in [0.1, 0.5, 0.9].enumerated() {
                let expected = Quantile.of(sorted: sorted, p)
                let got = try #require(run.layers[l].perExample[k].value)
                #expect(
                    abs(got - expected) <= 1e-12 * expected, "layer \(l + 1) q\(Int(p * 100)): \(got) vs \(expected)")
            }
        }
    }

    @Test("Quantiles interpolate between order statistics (type 7)")
    func quantiles() {
        #expect(Quantile.of(sorted: [1, 2, 3, 4, 5], 0.5) == 3)
        #expect(Quantile.of(sorted: [1, 2, 3, 4], 0.5) == 2.5)
        #expect(abs(Quantile.of(sorted: [0, 10], 0.1) - 1) < 1e-15)
        #expect(Quantile.of(sorted: [7], 0.9) == 7)
        #expect(Quantile.of(sorted: [], 0.5).isNaN)
    }
}

import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// The vanilla rnn, z_t = h_{t-1} W + x_t U + b, h_t = phi(z_t), against finite differences through time,
/// a naive loop implementation, an exact identity and mean-field theory.
@Suite("Recurrent networks: backpropagation through time")
struct RecurrentTests {
    static func rnn(_ activation: Activation, steps: Int, width: Int = 4, batch: Int = 3, inputSize: Int = 3) -> Cell {
        var cell = Cell()
        (cell.architecture, cell.activation, cell.depth, cell.width, cell.batch) = (
            .rnn, activation, steps, width, batch
        )
        (cell.inputSize, cell.biasStd, cell.initializer) = (inputSize, 0.3, .normal(std: 0.6))
        return cell
    }

    /// Central differences of `loss` at `value` against `analytic`, entry by entry; relative error of the vectors.
    static func check(
        _ value: Matrix<Double>, analytic: [Double], set: (Matrix<Double>) throws -> Void, loss: () -> Double?
    ) throws -> Double {
        let h = 1e-5
        var numeric = [Double]()
        for i in value.elements.indices {
            var plus = value, minus = value
            plus[i / value.columns, i % value.columns] += h
            minus[i / value.columns, i % value.columns] -= h
            try set(plus)
            let up = try #require(loss())
            try set(minus)
            let down = try #require(loss())
            numeric.append((up - down) / (2 * h))
        }
        try set(value)
        return relativeError(analytic, numeric)
    }

    static func sum(_ matrices: [Matrix<Double>]) -> [Double] {
        matrices.dropFirst().reduce(matrices[0].elements) { total, m in zip(total, m.elements).map(+) }
    }

    @Test(
        "dLoss/dW, dU, db and every dLoss/dx_t match central differences to 1e-6 through 20 steps",
        arguments: [Activation.tanh, .sigmoid, .softplus], [Loss.mse, .probe, .crossEntropy])
    func finiteDifferences(activation: Activation, loss: Loss) throws {
        for steps in [1, 7, 20] {
            var cell = Self.rnn(activation, steps: steps)
            cell.loss = loss
            cell.classes = 3
            let network = try makeNetwork(cell, seed: 5)
            let gradients = try #require(network.gradients())
            let sequence = try #require(network.sequence)
            let label = "\(activation) \(loss) T=\(steps)"
            let w = try Self.check(
                network.weights[0], analytic: Self.sum(gradients.map(\.weights)),
                set: { try network.set(.recurrentWeights, $0.elements) }, loss: network.loss)
            #expect(w < 1e-6, "\(label) dW: \(w)")
            let inputWeights = gradients.compactMap(\.inputWeights)
            #expect(inputWeights.count == steps)
            let u = try Self.check(
                sequence.weights, analytic: Self.sum(inputWeights),
                set: { try network.set(.inputWeights, $0.elements) },
                loss: network.loss)
            #expect(u < 1e-6, "\(label) dU: \(u)")
            let bias = try Matrix(rows: 1, columns: cell.width, elements: network.biases[0])
            let db = try Self.check(
                bias, analytic: gradients.map(\.biases).dropFirst().reduce(gradients[0].biases) { zip($0, $1).map(+) },
                set: { try network.set(.bias, $0.elements) }, loss: network.loss)
            #expect(db < 1e-6, "\(label) db: \(db)")
            // A central difference resolves a gradient entry to about 1e-10 (the rounding of a loss of a few units
            // over h = 1e-5): steps whose dLoss/dx_t has vanished below 1e-3 are left to the naive-loop test.
            var checked = 0
            for t in 1...steps {
                let analytic = try #require(gradients[t - 1].input).elements
                guard analytic.reduce(0, { $0 + $1 * $1 }).squareRoot() > 1e-3 else { continue }
                checked += 1
                let dx = try Self.check(
                    sequence.inputs[t - 1], analytic: analytic, set: { try network.set(.input(t), $0.elements) },
                    loss: network.loss)
                #expect(dx < 1e-6, "\(label) dx_\(t): \(dx)")
            }
            #expect(checked >= min(steps, 3), "\(label): only \(checked) steps resolvable")
        }
    }

    /// The per-step norms of a naive implementation: loops over plain arrays, no BLAS, no rescaling.
    static func naive(_ network: any NetworkAccess<Double>) throws -> [(
        w: Double, b: Double, z: Double, h: Double, x: Double
    )] {
        typealias Rows = ReferenceNetwork.Rows
        let cell = network.cell, sequence = try #require(network.sequence)
        let rows = ReferenceNetwork.rows, product = ReferenceNetwork.product
        let (w, u, b, n) = (rows(network.weights[0]), rows(sequence.weights), network.biases[0], cell.width)
        var hidden: [Rows] = [Array(repeating: Array(repeating: 0, count: n), count: cell.batch)], pre = [Rows]()
        for t in 1...cell.depth {
            let recurrent = product(hidden[t - 1], w, n), input = product(rows(sequence.inputs[t - 1]), u, n)
            let z = (0..<cell.batch).map { i in (0..<n).map { j in recurrent[i][j] + input[i][j] + b[j] } }
            pre.append(z)
            hidden.append(z.map { $0.map(cell.activation.value) })
        }
        // probe: dLoss/dh_T = P / batch
        var g: Rows = rows(network.objective.matrix).map { $0.map { $0 / Double(cell.batch) } }
        var result = [(w: Double, b: Double, z: Double, h: Double, x: Double)]()
        for t in stride(from: cell.depth, through: 1, by: -1) {
            let d = (0..<cell.batch).map { i in
                (0..<n).map { j in g[i][j] * cell.activation.derivative(pre[t - 1][i][j]) }
            }
            let dw = product(ReferenceNetwork.transpose(hidden[t - 1], columns: n), d, n)
            let db = [(0..<n).map { j in d.reduce(0) { $0 + $1[j] } }]
            let dx = product(d, ReferenceNetwork.transpose(rows(sequence.weights), columns: n), sequence.weights.rows)
            result.append(
                (
                    ReferenceNetwork.norm(dw), ReferenceNetwork.norm(db), ReferenceNetwork.norm(d),
                    ReferenceNetwork.norm(g),
                    ReferenceNetwork.norm(dx)
                ))
            g = product(d, ReferenceNetwork.transpose(w, columns: n), n)
        }
        return result.reversed()
    }

    @Test("Every step's grad_w, grad_b, grad_z, grad_h and grad_x norms agree with naive loops to 1e-12")
    func naiveReference() throws {
        for activation in [Activation.tanh, .sigmoid, .relu, .linear] {
            var cell = Self.rnn(activation, steps: 12, width: 7, batch: 5, inputSize: 4)
            cell.loss = .probe
            let network = try makeNetwork(cell, seed: 2)
            let measured = network.measure()
            #expect(measured.status == .ok)
            for (t, (layer, expected)) in zip(measured.layers, try Self.naive(network)).enumerated() {
                let pairs = [
                    (layer.gradW, expected.w), (layer.gradB, expected.b), (layer.gradZ, expected.z),
                    (layer.gradH, expected.h), (try #require(layer.gradX), expected.x),
                ]
                for (name, (norm, truth)) in zip(["w", "b", "z", "h", "x"], pairs) {
                    let value = try #require(norm.value)
                    #expect(
                        truth == 0 ? value == 0 : relativeDifference(value, truth) < 1e-12,
                        "\(activation) step \(t + 1) grad_\(name): \(value) vs \(truth)")
                }
            }
        }
    }

    @Test("A linear rnn with orthogonal W of gain g has ||dL/dh_{t-1}|| = g ||dL/dh_t|| to 1e-10 at every step")
    func orthogonalLinear() throws {
        for gain in [0.9, 1.0, 1.15] {
            var cell = Self.rnn(.linear, steps: 60, width: 32, batch: 8, inputSize: 5)
            (cell.initializer, cell.loss) = (.orthogonal(gain: gain), .probe)
            let layers = try makeNetwork(cell, seed: 1).measure().layers
            #expect(layers.count == 60)
            for t in 1..<layers.count {
                let ratio = try #require(layers[t - 1].gradH.log10) - (try #require(layers[t].gradH.log10))
                #expect(abs(ratio - Foundation.log10(gain)) < 1e-10 / M_LN10, "gain \(gain) step \(t)")
            }
        }
    }

    @Test(
        """
        A tanh rnn at width 256: the fitted gain per step is within 0.01 decades of mean-field chi \
        (sigma_w^2 0.6 and 1.6)
        """)
    func meanField() throws {
        for weightVariance in [0.6, 1.6] {
            var cell = Self.rnn(.tanh, steps: 40, width: 256, batch: 32, inputSize: 64)
            (cell.initializer, cell.loss, cell.biasStd) = (
                .normal(std: (weightVariance / 256).squareRoot()), .probe, 0.1
            )
            let seeds = 0..<4
            var meanLog = [Double](repeating: 0, count: cell.depth)
            for seed in seeds {
                let layers = try makeNetwork(cell, seed: seed).measure().layers
                for t in layers.indices { meanLog[t] += try #require(layers[t].gradZ.log10) / Double(seeds.count) }
            }
            let gains = MeanField(cell).squaredGains(cell)
            var theoryLog = [Double](repeating: 0, count: cell.depth)  // relative to step T
            for t in stride(from: cell.depth - 2, through: 0, by: -1) {
                theoryLog[t] = theoryLog[t + 1] + 0.5 * Foundation.log10(gains[t + 1])
            }
            let slope = { (y: [Double]) -> Double in  // least squares against T - t
                let x = y.indices.map { Double(y.count - 1 - $0) }
                let (mx, my) = (x.reduce(0, +) / Double(x.count), y.reduce(0, +) / Double(y.count))
                let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
                return sxy / x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
            }
            let (measured, predicted) = (slope(meanLog), slope(theoryLog))
            #expect(abs(measured - predicted) < 0.01, "sigma_w^2 \(weightVariance): \(measured) vs \(predicted)")
        }
    }

    @Test("10,000 steps: finite log10 norms at every step in float64 and float32, down past 1e-3000")
    func tenThousandSteps() throws {
        for precision in Precision.allCases {
            var cell = Self.rnn(.tanh, steps: 10_000, width: 8, batch: 2, inputSize: 2)
            (cell.initializer, cell.precision, cell.loss) = (.normal(std: 0.15), precision, .probe)
            let measured = try measure(cell, seed: 0)
            #expect(measured.status == .ok)
            let logs = measured.layers.compactMap(\.gradH.log10)
            #expect(logs.count == 10_000, "\(precision)")
            #expect(measured.layers.allSatisfy { $0.gradZ.log10 != nil && $0.gradX?.log10 != nil }, "\(precision)")
            #expect((logs.first ?? 0) < -3000, "\(precision): \(logs.first ?? 0)")
        }
    }
}

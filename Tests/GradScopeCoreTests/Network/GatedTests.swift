import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// The LSTM and GRU against PyTorch (values computed once with torch.nn.LSTM and torch.nn.GRU by
/// Reference/torch_gated.py), against finite differences through time, and at 10,000 steps.
@Suite("Gated recurrent cells: LSTM and GRU")
struct GatedTests {
    static func gated(_ architecture: Architecture, steps: Int, width: Int = 3, batch: Int = 2, inputSize: Int = 2)
        -> Cell
    {
        var cell = Cell()
        (cell.architecture, cell.depth, cell.width, cell.batch, cell.inputSize) = (
            architecture, steps, width, batch, inputSize
        )
        (cell.biasStd, cell.initializer, cell.inputInitializer) = (0.4, .normal(std: 0.7), .normal(std: 0.8))
        return cell
    }

    /// The script's formula: scale * sin(1 + 7 kind + 3 a + b), row-major rows x columns.
    static func formula(_ kind: Int, _ rows: Int, _ columns: Int, _ scale: Double) -> [[Double]] {
        (0..<rows).map { a in (0..<columns).map { b in scale * sin(Double(1 + 7 * kind + 3 * a + b)) } }
    }

    struct TorchCase: Decodable {
        struct Cell: Decodable {
            let hidden: [[Double]]
            let input_gradients: [[Double]]
            let loss: Double
        }
        let lstm: Cell
        let gru: Cell
    }

    @Test(
        """
        LSTM and GRU: every h_t, every dLoss/dx_t and the loss agree with torch.nn.LSTM and torch.nn.GRU \
        (float64) to 1e-12
        """)
    func pytorch() throws {
        let url = repositoryRoot.appendingPathComponent("Tests/GradScopeCoreTests/Reference/torch-gated.json")
        let torch = try JSONDecoder().decode(TorchCase.self, from: Data(contentsOf: url))
        for (architecture, expected) in [(Architecture.lstm, torch.lstm), (.gru, torch.gru)] {
            let (n, k, batch, steps) = (3, 2, 2, 4)
            var cell = Self.gated(architecture, steps: steps, width: n, batch: batch, inputSize: k)
            cell.loss = .probe
            let network = try makeNetwork(cell, seed: 0)
            let gates = architecture == .lstm ? 4 : 3
            // PyTorch keeps weight_ih (gates·n x k) and weight_hh (gates·n x n): U and W are their transposes
            let ih = Self.formula(1, gates * n, k, 0.8), hh = Self.formula(2, gates * n, n, 0.7)
            let biasIH = Self.formula(3, 1, gates * n, 0.3)[0], biasHH = Self.formula(4, 1, gates * n, 0.2)[0]
            try network.set(.inputWeights, (0..<k).flatMap { b in (0..<(gates * n)).map { ih[$0][b] } })
            try network.set(.recurrentWeights, (0..<n).flatMap { a in (0..<(gates * n)).map { hh[$0][a] } })
            if architecture == .lstm {
                try network.set(.bias, zip(biasIH, biasHH).map(+))
            } else {  // b_r and b_u add both biases; b_n is outside r, b_hn inside
                try network.set(.bias, (0..<(3 * n)).map { $0 < 2 * n ? biasIH[$0] + biasHH[$0] : biasIH[$0] })
                try network.set(.hiddenBias, Array(biasHH[(2 * n)...]))
            }
            for t in 1...steps { try network.set(.input(t), Self.formula(5 + t - 1, batch, k, 1).flatMap { $0 }) }
            let probe = try Matrix(rows: batch, columns: n, elements: Self.formula(20, batch, n, 1).flatMap { $0 })
            try network.setObjective(Objective(loss: .probe, matrix: probe, labels: []))
            let hidden = try #require(network.hiddenStates())
            for t in 0..<steps {
                #expect(relativeError(hidden[t].elements, expected.hidden[t]) < 1e-12, "\(architecture) h_\(t + 1)")
            }
            let gradients = try #require(network.gradients())
            for t in 0..<steps {
                let error = relativeError(try #require(gradients[t].input).elements, expected.input_gradients[t])
                #expect(error < 1e-12, "\(architecture) dx_\(t + 1): \(error)")
            }
            #expect(relativeDifference(try #require(network.loss()), expected.loss) < 1e-12)
        }
    }

    /// Central differences of the loss in every entry of `parameter` against `analytic`.
    static func check(_ network: any NetworkAccess<Double>, _ parameter: RecurrentParameter, analytic: [Double]) throws
        -> Double
    {
        let numeric = try SequenceTrainingTests.numericGradient(network, parameter) { try #require(network.loss()) }
        return relativeError(analytic, numeric)
    }

    static func sum(_ shares: [[Double]]) -> [Double] {
        shares.dropFirst().reduce(shares[0]) { zip($0, $1).map(+) }
    }

    @Test(
        "dLoss/dW, dU, db, db_hn and every resolvable dLoss/dx_t match central differences to 1e-6 through 20 steps",
        arguments: [Architecture.lstm, .gru], [Loss.mse, .probe, .crossEntropy])
    func finiteDifferences(architecture: Architecture, loss: Loss) throws {
        for steps in [1, 6, 20] {
            var cell = Self.gated(architecture, steps: steps, width: 4, batch: 3, inputSize: 3)
            (cell.loss, cell.classes, cell.forgetBias) = (loss, 3, architecture == .lstm ? 0.5 : 0)
            let network = try makeNetwork(cell, seed: 4)
            let gradients = try #require(network.gradients())
            let label = "\(architecture) \(loss) T=\(steps)"
            var sets: [(RecurrentParameter, [Double])] = [
                (.recurrentWeights, Self.sum(gradients.map(\.weights.elements))),
                (.inputWeights, Self.sum(try gradients.map { try #require($0.inputWeights).elements })),
                (.bias, Self.sum(gradients.map(\.biases))),
            ]
            if architecture == .gru { sets.append((.hiddenBias, Self.sum(gradients.map(\.hiddenBias)))) }
            for (parameter, analytic) in sets {
                let error = try Self.check(network, parameter, analytic: analytic)
                #expect(error < 1e-6, "\(label) \(parameter): \(error)")
            }
            var checked = 0  // as in RecurrentTests: steps whose dLoss/dx_t is below 1e-3 are not resolvable
            for t in 1...steps {
                let input = try #require(gradients[t - 1].input).elements
                guard input.reduce(0, { $0 + $1 * $1 }).squareRoot() > 1e-3 else { continue }
                checked += 1
                let error = try Self.check(network, .input(t), analytic: input)
                #expect(error < 1e-6, "\(label) dx_\(t): \(error)")
            }
            #expect(checked >= min(steps, 3), "\(label): only \(checked) steps resolvable")
        }
    }

    @Test("The step norms agree with the shares' norms, and grad_h with dLoss/dh_t, in float64 and float32")
    func measuredNorms() throws {
        for architecture in [Architecture.lstm, .gru] {
            var cell = Self.gated(architecture, steps: 15, width: 6, batch: 4, inputSize: 3)
            cell.loss = .probe
            let network = try makeNetwork(cell, seed: 1)
            let measured = network.measure(), gradients = try #require(network.gradients())
            #expect(measured.status == .ok && measured.layers.count == 15)
            func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
            for (t, (layer, g)) in zip(measured.layers, gradients).enumerated() {
                let pairs = [
                    (layer.gradW, norm(g.weights.elements)), (layer.gradB, norm(g.biases + g.hiddenBias)),
                    (layer.gradH, norm(g.output.elements)),
                    (try #require(layer.gradX), norm(try #require(g.input).elements)),
                ]
                for (name, (scaled, plain)) in zip(["w", "b", "h", "x"], pairs) {
                    #expect(
                        relativeDifference(try #require(scaled.value), plain) < 1e-12, "\(architecture) \(t) \(name)")
                }
                #expect((layer.gradC != nil) == (architecture == .lstm))
            }
            cell.precision = .float32
            let single = try measure(cell, seed: 1)
            for (a, b) in zip(single.layers, measured.layers) {
                #expect(
                    abs(try #require(a.gradZ.log10) - (try #require(b.gradZ.log10))) < 1e-4, "\(architecture) float32")
            }
        }
    }

    @Test("10,000 steps: finite log10 norms at every step in float64 and float32 (LSTM and GRU)")
    func tenThousandSteps() throws {
        for architecture in [Architecture.lstm, .gru] {
            for precision in Precision.allCases {
                var cell = Self.gated(architecture, steps: 10_000, width: 4, batch: 2, inputSize: 2)
                (cell.precision, cell.loss, cell.initializer, cell.biasStd) = (precision, .probe, .normal(std: 0.3), 0)
                let measured = try measure(cell, seed: 0)
                #expect(measured.status == .ok)
                let logs = measured.layers.compactMap(\.gradH.log10)
                #expect(logs.count == 10_000, "\(architecture) \(precision)")
                #expect((logs.first ?? 0) < -300, "\(architecture) \(precision): \(logs.first ?? 0)")
            }
        }
    }

    @Test("A forget bias of 1 makes the LSTM's gradient reach further back than a forget bias of 0")
    func forgetBias() throws {
        var decay = [Double]()
        for bias in [0.0, 1.0] {
            var cell = Self.gated(.lstm, steps: 60, width: 64, batch: 16, inputSize: 8)
            (cell.forgetBias, cell.loss, cell.biasStd, cell.initializer) = (bias, .probe, 0, .orthogonal(gain: 1))
            let layers = try measure(cell, seed: 2).layers
            decay.append(try #require(layers[cell.depth - 1].gradH.log10) - (try #require(layers[0].gradH.log10)))
        }
        #expect(decay[1] < decay[0] - 3, "decades lost over 60 steps: \(decay)")
    }
}

import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Recurrent Jacobians")
struct RecurrentJacobianTests {
    /// dh_T/dh_0 of the batch's first sequence by central differences of the forward pass (row i: the
    /// change of h_T per unit change of h_0's entry i; the LSTM's c_0 held at 0), through `setBatch`.
    static func numericJacobian(_ network: any NetworkAccess<Double>) throws -> Matrix<Double> {
        let (n, rows, h) = (network.cell.width, network.cell.batch, 1e-6)
        var jacobian = [Double]()
        func lastState(_ shift: Double, _ i: Int) throws -> [Double] {
            let start = try Matrix(
                rows: rows, columns: n, elements: (0..<(rows * n)).map { $0 == i ? shift : 0 })
            try network.setBatch(start, objective: network.objective)
            return Array(try #require(network.hiddenStates()?.last).elements[0..<n])
        }
        for i in 0..<n {
            let up: [Double] = try lastState(h, i), down: [Double] = try lastState(-h, i)
            jacobian += zip(up, down).map { ($0 - $1) / (2 * h) }
        }
        return try Matrix(rows: n, columns: n, elements: jacobian)
    }

    @Test(
        "dh_T/dh_0 of an LSTM, a GRU and an rnn: the engine's singular values are those of central differences",
        arguments: [Architecture.lstm, .gru, .rnn], [1, 7, 25])
    func againstFiniteDifferences(architecture: Architecture, steps: Int) throws {
        var cell = GatedTests.gated(architecture, steps: steps, width: 5, batch: 3, inputSize: 2)
        if architecture == .rnn { (cell.activation, cell.initializer) = (.tanh, .orthogonal(gain: 1.1)) }
        if architecture == .lstm { cell.forgetBias = 1 }
        let spectrum = try #require(try jacobianSpectrum(cell, seed: 3))
        let numeric = try Double.singularValues(try Self.numericJacobian(try makeNetwork(cell, seed: 3)))
        let engine = spectrum.singularValues.map { $0.value ?? .nan }
        #expect(engine.count == cell.width)
        // a central difference resolves an entry of J to about 1e-10 (the rounding of h_T over h = 1e-6)
        let tolerance = 1e-6 * numeric[0] + 1e-9
        #expect(numeric[0] > 100 * tolerance, "\(architecture) T=\(steps): J has vanished, nothing is checked")
        for (k, (a, b)) in zip(engine, numeric).enumerated() {
            #expect(abs(a - b) <= tolerance, "\(architecture) T=\(steps) sigma_\(k): \(a) vs \(b)")
        }
    }

    @Test("Gated cells record the pair correlation of h_t between examples, as computed from the states")
    func pairCorrelations() throws {
        for architecture in [Architecture.lstm, .gru] {
            let cell = GatedTests.gated(architecture, steps: 6, width: 7, batch: 4, inputSize: 3)
            let network = try makeNetwork(cell, seed: 2)
            let measured = network.measure(), states = try #require(network.hiddenStates())
            for (t, layer) in measured.layers.enumerated() {
                let h = states[t], n = cell.width
                let rows = (0..<cell.batch).map { Array(h.elements[($0 * n)..<(($0 + 1) * n)]) }
                func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
                var pairs = [Double]()
                for a in 0..<rows.count {
                    for b in (a + 1)..<rows.count {
                        pairs.append(
                            dot(rows[a], rows[b]) / (dot(rows[a], rows[a]) * dot(rows[b], rows[b])).squareRoot())
                    }
                }
                let mean = pairs.reduce(0, +) / Double(pairs.count)
                let correlation = try #require(layer.correlation, "\(architecture) step \(t + 1)")
                #expect(abs(correlation.mean - mean) < 1e-12, "\(architecture) step \(t + 1)")
            }
        }
    }
}

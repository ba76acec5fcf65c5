import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Jacobian spectra")
struct JacobianTests {
    /// J = dh_L/dh_0 at the first example by naive loops (row vectors): J <- J (W_l diag(phi'(z_l))),
    /// or J <- J (I + alpha diag(phi'(h_{l-1})) W_l) for residual blocks.
    func naiveJacobian(_ network: any NetworkAccess<Double>) -> [[Double]] {
        let cell = network.cell, n = cell.width
        var h = Array(network.input.elements[0..<n])
        var jacobian = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for l in 0..<cell.depth {
            let w = network.weights[l], b = network.biases[l]
            let input = cell.architecture == .plain ? h : h.map { cell.activation.value($0) }
            let z = (0..<n).map { j in (0..<n).reduce(b[j]) { $0 + input[$1] * w[$1, j] } }
            var step = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)  // dh_l/dh_{l-1}
            for i in 0..<n {
                for j in 0..<n {
                    step[i][j] =
                        cell.architecture == .plain
                        ? w[i, j] * cell.activation.derivative(z[j])
                        : (i == j ? 1 : 0) + cell.residualScale * cell.activation.derivative(h[i]) * w[i, j]
                }
            }
            jacobian = jacobian.map { row in (0..<n).map { j in (0..<n).reduce(0) { $0 + row[$1] * step[$1][j] } } }
            h =
                cell.architecture == .plain
                ? z.map { cell.activation.value($0) } : (0..<n).map { h[$0] + cell.residualScale * z[$0] }
        }
        return jacobian
    }

    @Test(
        "The sum of sigma^2 equals ||J||_F^2 of a naive, independently built J",
        arguments: [(Activation.tanh, Architecture.plain), (.sigmoid, .plain), (.relu, .residual), (.gelu, .residual)])
    func frobenius(activation: Activation, architecture: Architecture) throws {
        let cell = tinyCell(activation, .mse, architecture, width: 6, batch: 3, depth: 5)
        let spectrum = try #require(try jacobianSpectrum(cell, seed: 4))
        let network = try makeNetwork(cell, seed: 4)
        let frobenius = naiveJacobian(network).joined().reduce(0) { $0 + $1 * $1 }
        let sum = spectrum.singularValues.compactMap(\.value).reduce(0) { $0 + $1 * $1 }
        #expect(spectrum.singularValues.count == 6)
        #expect(abs(sum - frobenius) <= 1e-10 * frobenius, "\(sum) vs \(frobenius)")
    }

    @Test(
        """
        Through layer normalisation (plain and residual) the sum of sigma^2 equals ||J||_F^2 of J from central \
        differences of the forward pass to 1e-7; batch normalisation refuses (examples are coupled)
        """,
        arguments: [(Activation.tanh, Architecture.plain), (.gelu, .residual), (.relu, .plain)])
    func layerNormalisation(activation: Activation, architecture: Architecture) throws {
        var cell = tinyCell(activation, .mse, architecture, width: 6, batch: 3, depth: 4)
        cell.normalization = .layer
        let spectrum = try #require(try jacobianSpectrum(cell, seed: 4))
        let network = try makeNetwork(cell, seed: 4)
        let (x, objective, n, h) = (network.input, network.objective, cell.width, 1e-6)
        var frobenius = 0.0
        for i in 0..<n {
            func output(_ d: Double) throws -> [Double] {
                var p = x
                p[0, i] += d
                try network.setBatch(p, objective: objective)
                let top = try #require(try network.hidden(atLayer: cell.depth))
                return (0..<n).map { top[0, $0] }
            }
            let (plus, minus) = (try output(h), try output(-h))
            for j in 0..<n { frobenius += pow((plus[j] - minus[j]) / (2 * h), 2) }
        }
        let sum = spectrum.singularValues.compactMap(\.value).reduce(0) { $0 + $1 * $1 }
        #expect(abs(sum - frobenius) <= 1e-7 * frobenius, "\(sum) vs \(frobenius)")
        cell.normalization = .batch
        #expect(throws: ParameterError.self) { _ = try jacobianSpectrum(cell, seed: 4) }
    }

    @Test("A linear network with orthogonal weights of gain g: every singular value is g^L to 1e-10")
    func orthogonalIsometry() throws {
        var cell = tinyCell(.linear, .mse, .plain, width: 32, batch: 4, depth: 30)
        cell.biasStd = 0
        cell.initializer = .orthogonal(gain: 1.1)
        let spectrum = try #require(try jacobianSpectrum(cell, seed: 1))
        let expected = pow(1.1, 30.0)
        for sigma in spectrum.singularValues { #expect(abs(try #require(sigma.value) / expected - 1) < 1e-10) }
    }

    @Test(
        """
        relu with He: the normalised variance of sigma^2 is near 2L with Gaussian and L with orthogonal weights \
        (width 512, depth 20)
        """
    )
    func reluSpread() throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.depth, cell.batch) = (.relu, 512, 20, 4)
        func spread(_ initializer: Initializer) throws -> Double {
            cell.initializer = initializer
            var total = 0.0
            for seed in 0..<3 {
                let sigma2 = try #require(try jacobianSpectrum(cell, seed: seed)).significands.map { $0 * $0 }
                let m1 = sigma2.reduce(0, +) / Double(sigma2.count),
                    m2 = sigma2.reduce(0) { $0 + $1 * $1 } / Double(sigma2.count)
                total += (m2 / (m1 * m1) - 1) / 3
            }
            return total
        }
        let gaussian = try spread(Initializer.named["he_normal"]!),
            orthogonal = try spread(.orthogonal(gain: 2.0.squareRoot()))
        #expect(abs(gaussian / 40 - 1) <= 0.2, "Gaussian: \(gaussian), theory 2L = 40")
        #expect(abs(orthogonal / 20 - 1) <= 0.2, "orthogonal: \(orthogonal), theory L = 20")
    }
}

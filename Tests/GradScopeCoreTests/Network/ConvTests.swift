import Foundation
import GradScopeResults
import RealModule
import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Convolutional layers")
struct ConvTests {
    /// A small conv cell: `channels` channels on n x n maps, kernel k.
    static func convCell(
        _ activation: Activation, _ loss: Loss, channels: Int = 2, size: Int = 4, kernel: Int = 3,
        padding: Padding = .circular, depth: Int = 3
    ) -> Cell {
        var cell = tinyCell(activation, loss, .plain, width: channels, batch: 3, depth: depth)
        (cell.layer, cell.imageSize, cell.kernelSize, cell.padding) = (.conv, size, kernel, padding)
        cell.initializer = .varianceScaling(scale: 1, mode: .fanIn, distribution: .normal)
        return cell
    }

    @Test(
        "dK, db and dH by central differences: conv layers, both paddings, kernels 1 and 3, norms, every loss",
        arguments: [Padding.circular, .zero], [1, 3])
    func finiteDifferences(padding: Padding, kernel: Int) throws {
        let cases: [(Activation, Loss, Architecture, Normalization)] = [
            (.tanh, .mse, .plain, .none), (.sigmoid, .probe, .plain, .none), (.gelu, .crossEntropy, .plain, .none),
            (.tanh, .probe, .residual, .none), (.relu, .crossEntropy, .residual, .layer),
            (.tanh, .mse, .plain, .batch), (.gelu, .probe, .plain, .layer), (.tanh, .crossEntropy, .residual, .batch),
        ]
        for (activation, loss, architecture, normalization) in cases {
            var cell = Self.convCell(activation, loss, kernel: kernel, padding: padding)
            (cell.architecture, cell.normalization, cell.classes) = (architecture, normalization, 3)
            try GradientCheckTests().check(cell)
        }
    }

    /// <K * X, Y> = <X, K^T * Y>: the backward map of one conv layer is the adjoint of its forward map.
    @Test("The adjoint identity <K * X, Y> = <X, K^T * Y> for random shapes, both paddings, to 1e-12")
    func adjoint() throws {
        for (channels, size, kernel) in [(1, 3, 3), (2, 5, 3), (3, 4, 1), (2, 6, 5), (1, 7, 7)] {
            for padding in Padding.allCases {
                // a linear layer with no bias and the probe loss: dLoss/dH_0 = K^T * P / batch
                var cell = Self.convCell(
                    .linear, .probe, channels: channels, size: size, kernel: kernel, padding: padding, depth: 1)
                cell.biasStd = 0
                let network = try makeNetwork(cell, seed: 7)
                let x = network.input, probe = network.objective.matrix
                let forward = try #require(try network.hidden(atLayer: 1))
                let left = zip(forward.elements, probe.elements).reduce(0) { $0 + $1.0 * $1.1 }
                // dLoss/dH_0 from the first layer's propagation: (K^T * P) / batch
                let loss = try #require(network.loss())
                #expect(abs(loss - left / Double(cell.batch)) <= 1e-12 * abs(left))
                let gradients = try #require(network.gradients())
                let backward = try Self.inputGradient(network, gradients)
                let right = zip(x.elements, backward).reduce(0) { $0 + $1.0 * $1.1 } * Double(cell.batch)
                #expect(abs(left - right) <= 1e-12 * max(abs(left), 1), "\(channels) \(size) \(kernel) \(padding)")
            }
        }
    }

    /// dLoss/dH_0 of a one-layer network by finite differences would be slow; it is dLoss/dZ_1 pulled back,
    /// which `loss(hidden:atLayer: 0)` gives exactly for a linear network: the loss is linear in H_0.
    static func inputGradient(_ network: any NetworkAccess<Double>, _ gradients: [LayerGradients]) throws -> [Double] {
        let x = network.input, base = try #require(try network.loss(hidden: x, atLayer: 0))
        return try x.elements.indices.map { i in
            var shifted = x
            shifted[i / x.columns, i % x.columns] += 1
            return try #require(try network.loss(hidden: shifted, atLayer: 0)) - base
        }
    }

    @Test("A conv net with kernel 1 on 1 x 1 maps is the dense net, to the byte")
    func denseLimit() throws {
        for (activation, loss) in [(Activation.tanh, Loss.mse), (.relu, .probe)] {
            var dense = tinyCell(activation, loss, .plain, width: 6, batch: 5, depth: 7)
            dense.initializer = .varianceScaling(scale: 2, mode: .fanIn, distribution: .normal)
            var conv = dense
            (conv.layer, conv.imageSize, conv.kernelSize) = (.conv, 1, 1)
            let (a, b) = (try measure(dense, seed: 2), try measure(conv, seed: 2))
            #expect(a.status == .ok)
            #expect(a.layers.map(\.gradW) == b.layers.map(\.gradW))
            #expect(a.layers.map(\.gradZ) == b.layers.map(\.gradZ))
            #expect(a.layers.map(\.gradH) == b.layers.map(\.gradH))
            #expect(a.layers.map(\.gradB) == b.layers.map(\.gradB))
            #expect(a.layers.map(\.perExample) == b.layers.map(\.perExample))
            #expect(a.layers.map(\.activations) == b.layers.map(\.activations))
        }
    }

    @Test("Per-example shares of a conv layer are the norms of single-example gradients")
    func perExample() throws {
        let cell = Self.convCell(.tanh, .probe, channels: 2, size: 3, kernel: 3)
        let network = try makeNetwork(cell, seed: 1)
        let measured = network.measure()
        try #require(measured.status == .ok)
        // probe: dLoss/dH_L = P / batch, so example b's gradient is that of a batch holding b alone, over batch
        var shares = [[Double]](repeating: [], count: cell.depth)
        for b in 0..<cell.batch {
            let x = try Matrix(
                rows: 1, columns: network.input.columns,
                elements: Array(network.input.elements[(b * network.input.columns)..<((b + 1) * network.input.columns)])
            )
            let probe = network.objective.matrix
            let row = try Matrix(
                rows: 1, columns: probe.columns,
                elements: Array(probe.elements[(b * probe.columns)..<((b + 1) * probe.columns)]))
            let single = try makeNetwork(cell, seed: 1)
            try single.setBatch(x, objective: Objective(loss: .probe, matrix: row, labels: []))
            let g = try #require(single.gradients())
            for l in 0..<cell.depth {
                let squares = (g[l].weights.elements + g[l].biases).reduce(0) { $0 + $1 * $1 }
                shares[l].append(squares.squareRoot() / Double(cell.batch))
            }
        }
        for l in 0..<cell.depth {
            let median = shares[l].sorted()[1]
            let measuredMedian = try #require(measured.layers[l].perExample[1].value)
            #expect(abs(measuredMedian - median) <= 1e-12 * median, "layer \(l + 1)")
        }
    }
}

extension ConvTests {
    @Test("A linear conv net with delta-orthogonal kernels of gain g: every Jacobian singular value is g^L")
    func deltaOrthogonal() throws {
        for padding in Padding.allCases {
            for gain in [0.9, 1.0, 1.1] {
                var cell = Self.convCell(.linear, .probe, channels: 3, size: 4, kernel: 3, padding: padding, depth: 6)
                (cell.initializer, cell.biasStd) = (.deltaOrthogonal(gain: gain), 0)
                let spectrum = try #require(try jacobianSpectrum(cell, seed: 5))
                let expected = pow(gain, Double(cell.depth))
                #expect(spectrum.singularValues.count == 3 * 16)
                for sigma in spectrum.singularValues {
                    #expect(abs(try #require(sigma.value) - expected) <= 1e-10 * expected, "\(padding) g=\(gain)")
                }
            }
        }
    }

    @Test("Kernel 1 delta-orthogonal is the dense orthogonal draw; dense layers refuse delta_orthogonal")
    func deltaOrthogonalShape() throws {
        var conv = Self.convCell(.tanh, .mse, channels: 4, size: 1, kernel: 1)
        conv.initializer = .deltaOrthogonal(gain: 1.2)
        var dense = tinyCell(.tanh, .mse, .plain, width: 4, batch: 3)
        dense.initializer = .orthogonal(gain: 1.2)
        #expect(try makeNetwork(conv, seed: 1).weights == makeNetwork(dense, seed: 1).weights)
        dense.initializer = .deltaOrthogonal(gain: 1)
        #expect(throws: ParameterError.self) { try makeNetwork(dense, seed: 1) }
    }

    /// Sedghi, Gupta & Long (2019): with circular padding, the singular values of a conv layer's linear map
    /// are the union over frequencies (u, v) of those of K-hat(u, v) = sum_taps K_tap e^{-2 pi i (u dy + v dx) / n}.
    @Test("Circular conv: the singular values of one layer are those of its kernel's Fourier transforms (1e-10)")
    func fourierSpectrum() throws {
        for (channels, size, kernel) in [(2, 4, 3), (3, 5, 3), (1, 6, 5), (2, 3, 1)] {
            var cell = Self.convCell(.linear, .probe, channels: channels, size: size, kernel: kernel, depth: 1)
            cell.biasStd = 0
            let engine = try #require(try jacobianSpectrum(cell, seed: 9)).singularValues.map { $0.value ?? .nan }
            let k = try makeNetwork(cell, seed: 9).weights[0]  // (c k^2) x c, rows (channel, dy, dx)
            var fourier = [Double]()
            for u in 0..<size {
                for v in 0..<size {
                    // the real 2c x 2c form [[Re, -Im], [Im, Re]] of the c_in x c_out matrix K-hat has each
                    // singular value twice
                    var real = [Double](repeating: 0, count: 4 * channels * channels)
                    for a in 0..<channels {
                        for b in 0..<channels {
                            var (re, im) = (0.0, 0.0)
                            for dy in 0..<kernel {
                                for dx in 0..<kernel {
                                    let w = k[(a * kernel + dy) * kernel + dx, b]
                                    let angle = -2 * Double.pi * Double(u * dy + v * dx) / Double(size)
                                    (re, im) = (re + w * cos(angle), im + w * sin(angle))
                                }
                            }
                            let n = 2 * channels
                            real[a * n + b] = re
                            real[a * n + channels + b] = -im
                            real[(channels + a) * n + b] = im
                            real[(channels + a) * n + channels + b] = re
                        }
                    }
                    let doubled = try Double.singularValues(
                        try Matrix(rows: 2 * channels, columns: 2 * channels, elements: real))
                    fourier += stride(from: 0, to: doubled.count, by: 2).map { doubled[$0] }
                }
            }
            fourier.sort(by: >)
            #expect(engine.count == fourier.count)
            for (a, b) in zip(engine, fourier) {
                #expect(abs(a - b) <= 1e-10 * max(fourier[0], 1), "\(channels) \(size) \(kernel): \(a) vs \(b)")
            }
        }
    }
}

extension ConvTests {
    /// The fitted z gain per layer over layers 6 ... L - 5, mean over `seeds` seeds, and mean-field theory's
    /// (half the mean log10 of the squared gains there).
    static func gains(_ cell: Cell, seeds: Int) throws -> (measured: Double, theory: Double) {
        var total = 0.0
        for seed in 0..<seeds {
            let run = try measure(cell, seed: seed)
            try #require(run.status == .ok)
            let z = run.layers.map { $0.gradZ.log10 ?? .nan }
            total += try #require(Statistics.gainPerLayer(Array(z[5..<(z.count - 5)])))
        }
        let squared = MeanField(cell).squaredGains(cell)[6..<(cell.depth - 4)]
        return (total / Double(seeds), squared.map { Double.log10($0) / 2 }.reduce(0, +) / Double(squared.count))
    }

    @Test(
        "Wide circular conv nets: the measured gain per layer is mean-field theory's with sigma_w^2 = c k^2 Var(K)",
        arguments: [(Activation.tanh, 1.3), (.relu, 1.6), (.tanh, 0.8)])
    func gainAgainstTheory(activation: Activation, weightVariance: Double) throws {
        var cell = Self.convCell(activation, .probe, channels: 32, size: 8, kernel: 3, depth: 30)
        // sigma_w^2 = fan_in Var(K): a plain normal draw with Var = sigma_w^2 / (c k^2)
        cell.initializer = .normal(std: (weightVariance / Double(32 * 9)).squareRoot())
        (cell.batch, cell.biasStd) = (16, 0.1)
        let (measured, theory) = try Self.gains(cell, seeds: 2)
        #expect(abs(measured - theory) < 0.01, "\(activation) sigma_w^2 \(weightVariance): \(measured) vs \(theory)")
    }
}

import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// Residual conv blocks, normalisation of conv layers and the global-average readout, each against a direct
/// computation of what SPEC says it is (finite differences alone would accept any self-consistent map).
@Suite("Conv blocks, normalisation and readout")
struct ConvBlockTests {
    /// The cell of `ConvTests` with 3 channels on 4 x 4 maps, one layer.
    static func layer(_ activation: Activation = .linear, _ loss: Loss = .probe) -> Cell {
        var cell = ConvTests.convCell(activation, loss, channels: 3, size: 4, kernel: 3, depth: 1)
        cell.biasStd = 0.3
        return cell
    }

    @Test("A residual conv block is H_0 + alpha (K * phi(H_0) + b), from the plain conv layer of the same draws")
    func residualBlock() throws {
        var plain = Self.layer(.tanh), residual = plain
        residual.architecture = .residual
        residual.residualScale = 0.7
        let p = try makeNetwork(plain, seed: 4), r = try makeNetwork(residual, seed: 4)
        // the plain layer fed phi(H_0) computes K * phi(H_0) + b before its own phi: use a linear one
        plain.activation = .linear
        let linear = try makeNetwork(plain, seed: 4)
        let x = p.input
        let branchInput = try Matrix(rows: x.rows, columns: x.columns, elements: x.elements.map { Foundation.tanh($0) })
        try linear.setBatch(branchInput, objective: linear.objective)
        let branch = try #require(try linear.hidden(atLayer: 1))
        let out = try #require(try r.hidden(atLayer: 1))
        for i in out.elements.indices {
            let expected = r.input.elements[i] + 0.7 * branch.elements[i]
            #expect(abs(out.elements[i] - expected) <= 1e-13 * max(1, abs(expected)))
        }
    }

    @Test("Batch norm of a conv layer: each channel over batch and positions; layer norm: each example over all")
    func normalisationGroups() throws {
        for normalization in [Normalization.batch, .layer] {
            var cell = Self.layer()
            cell.normalization = normalization
            let network = try makeNetwork(cell, seed: 2)
            let h = try #require(try network.hidden(atLayer: 1))  // linear: H_1 = N(Z_1)
            let (channels, positions, batch) = (cell.width, cell.mapSize * cell.mapSize, cell.batch)
            // the groups SPEC names, from the position-major layout (b, y, x, c)
            let groups: [[Int]] =
                normalization == .batch
                ? (0..<channels).map { c in (0..<(batch * positions)).map { $0 * channels + c } }
                : (0..<batch).map { b in Array((b * positions * channels)..<((b + 1) * positions * channels)) }
            for group in groups {
                let values = group.map { h.elements[$0] }
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
                #expect(abs(mean) < 1e-12)
                #expect(abs(variance - 1) < 1e-3, "\(normalization): variance \(variance)")  // var / (var + eps)
            }
        }
    }

    @Test("cross_entropy reads each example's channel means: positions permuted or averaged, the same loss")
    func globalAverageReadout() throws {
        let cell = ConvTests.convCell(.tanh, .crossEntropy, channels: 3, size: 4, kernel: 3, depth: 2)
        let network = try makeNetwork(cell, seed: 6)
        let h = try #require(try network.hidden(atLayer: 2))
        let base = try #require(try network.loss(hidden: h, atLayer: 2))
        let (c, positions) = (cell.width, cell.mapSize * cell.mapSize)
        var permuted = h.elements, averaged = h.elements
        for b in 0..<h.rows {
            let row = b * h.columns
            for k in 0..<c {
                let channel = (0..<positions).map { h.elements[row + $0 * c + k] }
                let mean = channel.reduce(0, +) / Double(positions)
                for p in 0..<positions {
                    let source = (p * 7 + 3) % positions  // 7 is prime to 16: a permutation of the positions
                    permuted[row + p * c + k] = channel[source]
                    averaged[row + p * c + k] = mean
                }
            }
        }
        let shuffledLoss = try #require(
            try network.loss(hidden: Matrix(rows: h.rows, columns: h.columns, elements: permuted), atLayer: 2))
        let averagedLoss = try #require(
            try network.loss(hidden: Matrix(rows: h.rows, columns: h.columns, elements: averaged), atLayer: 2))
        #expect(abs(shuffledLoss - base) <= 1e-13 * base)
        #expect(abs(averagedLoss - base) <= 1e-13 * base)
        // and a change of one channel's mean changes it
        var shifted = h
        for b in 0..<h.rows { shifted[b, 0] += 1 }
        #expect(abs(try #require(try network.loss(hidden: shifted, atLayer: 2)) - base) > 1e-6)
    }
}

extension ConvBlockTests {
    @Test("10,000 conv layers: finite log10 norms at every layer in float64 and float32, down past 1e-3000")
    func tenThousandLayers() throws {
        for precision in Precision.allCases {
            for architecture in [Architecture.plain, .residual] {
                // zero padding: a sigmoid net forgets its input and would make every circular map constant, whose
                // positions' sums of D (dLoss/db) then cancel below any float's reach; the border keeps them apart
                var cell = ConvTests.convCell(
                    .sigmoid, .probe, channels: 2, size: 3, kernel: 3, padding: .zero, depth: 10_000)
                (cell.precision, cell.architecture, cell.batch) = (precision, architecture, 2)
                let measured = try measure(cell, seed: 0)
                #expect(measured.status == .ok, "\(precision) \(architecture)")
                let logs = measured.layers.compactMap(\.gradW.log10)
                #expect(logs.count == 10_000, "\(precision) \(architecture)")
                let missing = measured.layers.indices.filter {
                    measured.layers[$0].gradZ.log10 == nil || measured.layers[$0].gradB.log10 == nil
                }
                #expect(missing.isEmpty, "\(precision) \(architecture): layers \(missing.prefix(5))")
                if architecture == .plain { #expect((logs.first ?? 0) < -3000, "\(precision): \(logs.first ?? 0)") }
            }
        }
    }
}

/// Layer 1 reading another width: `input_size` features of a dense net, c_0 channels of a conv net.
extension ConvBlockTests {
    @Test("input_size: dK_1, db and dH by central differences when layer 1 reads c_0 != c (conv) or n_0 != n (dense)")
    func inputSizeFiniteDifferences() throws {
        for (layer, inputs) in [(LayerType.conv, 1), (.conv, 4), (.dense, 3), (.dense, 9)] {
            for padding in Padding.allCases where layer == .conv || padding == .circular {
                var cell = ConvTests.convCell(.tanh, .mse, channels: 2, size: 4, kernel: 3, padding: padding)
                if layer == .dense {
                    (cell.layer, cell.width, cell.imageSize, cell.kernelSize) = (.dense, 5, Cell().imageSize, 3)
                }
                cell.inputSize = inputs
                let network = try makeNetwork(cell, seed: 2)
                #expect(network.input.columns == (layer == .conv ? inputs * 16 : inputs))
                #expect(network.weights[0].rows == (layer == .conv ? inputs * 9 : inputs))
                try GradientCheckTests().check(cell)
            }
        }
    }

    @Test("input_size: the adjoint identity for layer 1 reading c_0 channels, and delta-orthogonal c_0 < c keeps g^L")
    func inputChannels() throws {
        for padding in Padding.allCases {
            var cell = ConvTests.convCell(.linear, .probe, channels: 3, size: 4, kernel: 3, padding: padding, depth: 1)
            (cell.inputSize, cell.biasStd) = (2, 0)
            let network = try makeNetwork(cell, seed: 7)
            let x = network.input, probe = network.objective.matrix
            let forward = try #require(try network.hidden(atLayer: 1))
            let left = zip(forward.elements, probe.elements).reduce(0) { $0 + $1.0 * $1.1 }
            let backward = try ConvTests.inputGradient(network, try #require(network.gradients()))
            let right = zip(x.elements, backward).reduce(0) { $0 + $1.0 * $1.1 } * Double(cell.batch)
            #expect(abs(left - right) <= 1e-12 * max(abs(left), 1), "\(padding)")

            var linear = ConvTests.convCell(
                .linear, .probe, channels: 3, size: 4, kernel: 3, padding: padding, depth: 5)
            (linear.initializer, linear.biasStd, linear.inputSize) = (.deltaOrthogonal(gain: 1.1), 0, 2)
            let spectrum = try #require(try jacobianSpectrum(linear, seed: 5))
            #expect(spectrum.singularValues.count == 2 * 16)  // the rank of a (c_0 n^2) x (c n^2) map
            let expected = pow(1.1, 5.0)
            for sigma in spectrum.singularValues {
                #expect(abs(try #require(sigma.value) - expected) <= 1e-10 * expected, "\(padding)")
            }
        }
    }

    @Test(
        "input_size: a kernel-1 conv net on 1 x 1 maps reading c_0 channels is the dense net reading c_0, to the byte"
    )
    func inputSizeDenseLimit() throws {
        var dense = tinyCell(.tanh, .mse, .plain, width: 6, batch: 5, depth: 4)
        (dense.initializer, dense.inputSize) = (.varianceScaling(scale: 1, mode: .fanIn, distribution: .normal), 3)
        var conv = dense
        (conv.layer, conv.imageSize, conv.kernelSize) = (.conv, 1, 1)
        let (a, b) = (try measure(dense, seed: 4), try measure(conv, seed: 4))
        #expect(a.status == .ok)
        #expect(a.layers.map(\.gradW) == b.layers.map(\.gradW))
        #expect(a.layers.map(\.gradZ) == b.layers.map(\.gradZ))
        #expect(a.layers.map(\.perExample) == b.layers.map(\.perExample))
        // and layer 1's weights depend on (c_0, c): another width's net draws other ones
        let other = try makeNetwork(tinyCell(.tanh, .mse, .plain, width: 6, batch: 5, depth: 4), seed: 4)
        #expect(try makeNetwork(dense, seed: 4).weights[0].rows == 3 && other.weights[0].rows == 6)
    }
}

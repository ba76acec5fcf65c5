import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// Two tanh conv layers against PyTorch's `conv2d` forward and backward (`Reference/torch_conv.py` wrote
/// `torch-conv.json` once): the orientation of the taps (cross-correlation), the padding and the layouts.
@Suite("Convolutions against PyTorch")
struct ConvReferenceTests {
    struct TorchCase: Decodable {
        struct Run: Decodable {
            let hidden: [[Double]]
            let hidden_gradient: [Double]
            let weight_gradients: [[Double]]
            let bias_gradients: [[Double]]
            let loss: Double
        }
        let circular: Run
        let zero: Run
    }

    static let (channels, size, kernel, batch) = (2, 4, 3, 2)

    /// The script's formula: scale * sin(1 + 7 kind + 0.37 index), index the row-major position in PyTorch's layout.
    static func entry(_ kind: Int, _ index: Int, _ scale: Double) -> Double {
        scale * sin(1 + 7 * Double(kind) + 0.37 * Double(index))
    }

    /// A map in PyTorch's (batch, c, y, x) order as gradscope's batch x (y, x, c) rows.
    static func map(_ torch: [Double]) -> [Double] {
        let (c, n) = (channels, size)
        return (0..<(batch * n * n * c)).map { i in
            let (b, rest) = i.quotientAndRemainder(dividingBy: n * n * c)
            let (position, channel) = rest.quotientAndRemainder(dividingBy: c)
            return torch[((b * c + channel) * n * n) + position]
        }
    }

    /// A weight in PyTorch's (c_out, c_in, dy, dx) order as gradscope's (c_in, dy, dx) x c_out matrix.
    static func kernelMatrix(_ torch: [Double]) -> [Double] {
        let (c, k) = (channels, kernel)
        return (0..<(c * k * k * c)).map { i in
            let (row, out) = i.quotientAndRemainder(dividingBy: c)
            return torch[out * c * k * k + row]
        }
    }

    @Test("Forward maps, dLoss/dH_1, dK and db of two tanh conv layers equal PyTorch's, both paddings (1e-12)")
    func againstPyTorch() throws {
        let url = repositoryRoot.appendingPathComponent("Tests/GradScopeCoreTests/Reference/torch-conv.json")
        let torch = try JSONDecoder().decode(TorchCase.self, from: Data(contentsOf: url))
        let (c, n, k) = (Self.channels, Self.size, Self.kernel)
        for (padding, expected) in [(Padding.circular, torch.circular), (.zero, torch.zero)] {
            var cell = ConvTests.convCell(.tanh, .probe, channels: c, size: n, kernel: k, padding: padding, depth: 2)
            cell.batch = Self.batch
            let network = try makeNetwork(cell, seed: 0)
            let features = n * n * c
            let count = Self.batch * features
            let input = Self.map((0..<count).map { Self.entry(1, $0, 1) })
            let probe = Self.map((0..<count).map { Self.entry(6, $0, 1) })
            try network.setBatch(
                try Matrix(rows: Self.batch, columns: features, elements: input),
                objective: Objective(
                    loss: .probe, matrix: try Matrix(rows: Self.batch, columns: features, elements: probe), labels: []))
            for l in 1...2 {
                let w = Self.kernelMatrix((0..<(c * c * k * k)).map { Self.entry(1 + l, $0, 0.4) })
                try network.setWeights(try Matrix(rows: c * k * k, columns: c, elements: w), layer: l)
                try network.setBiases((0..<c).map { Self.entry(3 + l, $0, 0.2) }, layer: l)
            }
            let states = try #require(network.hiddenStates())
            let gradients = try #require(network.gradients())
            let label = "\(padding)"
            #expect(relativeDifference(try #require(network.loss()), expected.loss) < 1e-12, "\(label) loss")
            for l in 0..<2 {
                #expect(relativeError(states[l].elements, Self.map(expected.hidden[l])) < 1e-12, "\(label) H_\(l + 1)")
                let dK = Self.kernelMatrix(expected.weight_gradients[l])
                #expect(relativeError(gradients[l].weights.elements, dK) < 1e-12, "\(label) dK_\(l + 1)")
                #expect(relativeError(gradients[l].biases, expected.bias_gradients[l]) < 1e-12, "\(label) db_\(l + 1)")
            }
            let dH = Self.map(expected.hidden_gradient)
            #expect(relativeError(gradients[0].output.elements, dH) < 1e-12, "\(label) dH_1")
        }
    }
}

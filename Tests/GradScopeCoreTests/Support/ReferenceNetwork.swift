import GradScopeCore
import GradScopeTestSupport
import RealModule

/// A second, naive implementation of the whole pass: triple loops over plain
/// arrays, no BLAS, no rescaling. Tests compare the engine against it.
struct ReferenceNetwork {
    struct Layer {
        var gradW = 0.0, gradB = 0.0, gradZ = 0.0, gradH = 0.0
        var mean = 0.0, std = 0.0, saturated = 0.0
    }

    typealias Rows = [[Double]]

    static func rows(_ m: Matrix<Double>) -> Rows {
        (0..<m.rows).map { i in (0..<m.columns).map { j in m[i, j] } }
    }

    static func product(_ a: Rows, _ b: Rows, columns: Int) -> Rows {
        a.map { row in
            (0..<columns).map { j in
                var s = 0.0
                for k in row.indices { s += row[k] * b[k][j] }
                return s
            }
        }
    }

    static func transpose(_ a: Rows, columns: Int) -> Rows {
        (0..<columns).map { j in a.map { $0[j] } }
    }

    static func norm(_ a: Rows) -> Double { a.joined().reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// The per-layer numbers of `network`'s pass, layer 1 first.
    static func run(_ network: Network<Double>) -> [Layer] {
        let cell = network.cell
        let (n, depth, phi) = (cell.width, cell.depth, cell.activation)
        let w = network.weights.map(rows), b = network.biases
        let residual = cell.architecture == .residual
        var h: [Rows] = [rows(network.input)], inputs: [Rows] = [], slopes: [Rows] = []
        var layers = [Layer](repeating: Layer(), count: depth)
        for l in 0..<depth {
            let source = residual ? h[l].map { $0.map { phi.value($0) } } : h[l]
            var z = product(source, w[l], columns: n)
            for i in z.indices { for j in 0..<n { z[i][j] += b[l][j] } }
            let unit = residual ? h[l] : z
            let values = residual ? source : z.map { $0.map { phi.value($0) } }
            slopes.append(unit.map { $0.map { phi.derivative($0) } })
            inputs.append(source)
            h.append(residual ? zip(h[l], z).map { zip($0, $1).map { $0 + cell.residualScale * $1 } } : values)
            let flat = Array(values.joined()), count = Double(flat.count)
            let mean = flat.reduce(0, +) / count
            layers[l].mean = mean
            layers[l].std = (flat.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count).squareRoot()
            layers[l].saturated = Double(slopes[l].joined().filter { abs($0) < phi.saturationThreshold }.count) / count
        }
        var g = outputGradient(network, h[depth])
        for l in stride(from: depth - 1, through: 0, by: -1) {
            let d =
                residual ? g.map { $0.map { cell.residualScale * $0 } } : zip(g, slopes[l]).map { zip($0, $1).map(*) }
            layers[l].gradH = norm(g)
            layers[l].gradZ = norm(d)
            layers[l].gradW = norm(product(transpose(inputs[l], columns: n), d, columns: n))
            let biasGradient: [Double] = (0..<n).map { j in d.reduce(0.0) { sum, row in sum + row[j] } }
            layers[l].gradB = norm([biasGradient])
            let back = product(d, transpose(w[l], columns: n), columns: n)
            if residual {
                for i in g.indices { for j in 0..<n { g[i][j] += back[i][j] * slopes[l][i][j] } }
            } else {
                g = back
            }
        }
        return layers
    }

    /// dLoss/dH_L, written out from the contract's definitions of the three losses.
    static func outputGradient(_ network: Network<Double>, _ output: Rows) -> Rows {
        let batch = Double(output.count)
        let m = rows(network.objective.matrix)
        switch network.cell.loss {
        case .mse:
            return zip(output, m).map { zip($0, $1).map { ($0 - $1) / batch } }
        case .probe:
            return m.map { $0.map { $0 / batch } }
        case .crossEntropy:
            let classes = network.cell.classes
            let logits = product(output, m, columns: classes)
            let probabilities: Rows = logits.enumerated().map { b, row in
                let top = row.max()!
                let e = row.map { Double.exp($0 - top) }
                let total = e.reduce(0, +)
                return e.enumerated().map { c, v in (v / total - (c == network.objective.labels[b] ? 1 : 0)) / batch }
            }
            return product(probabilities, transpose(m, columns: classes), columns: network.cell.width)
        }
    }
}

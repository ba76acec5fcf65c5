import GradScopeCore
import GradScopeTestSupport
import RealModule

/// A second, naive implementation of the whole pass: triple loops over plain
/// arrays, no BLAS, no rescaling. Tests compare the engine against it.
struct ReferenceNetwork {
    struct Layer {
        var gradW = 0.0, gradB = 0.0, gradZ = 0.0, gradH = 0.0
        /// The product of the cancellation factors of the normalisations from the loss down to this layer:
        /// the relative accuracy the numbers of this layer can have is about this times the rounding error.
        var condition = 1.0
        /// ||X||_F ||D||_F / ||X^T D||_F: how much cancellation in dW_l = X^T D_l amplifies rounding errors
        /// (large with batch normalisation at width 1, where D_l is orthogonal to the layer's input).
        var weightCondition = 1.0
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

    /// N(z) = (z - mean) / sqrt(var + eps) of each row (layer) or column (batch normalisation) of `z`.
    static func normalize(_ z: Rows, _ cell: Cell) -> Rows {
        guard cell.normalization != .none else { return z }
        let groups = cell.normalization == .layer ? z : transpose(z, columns: z[0].count)
        let normalized = groups.map { g in
            let mean = g.reduce(0, +) / Double(g.count)
            let variance = g.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(g.count)
            return g.map { ($0 - mean) / (variance + cell.normEps).squareRoot() }
        }
        return cell.normalization == .layer ? normalized : transpose(normalized, columns: z.count)
    }

    /// dLoss/dz from dLoss/dN(z), by the chain rule through every entry of N's Jacobian, written out
    /// independently of the engine's closed form: du_j/dz_i = s (delta_ij - 1/m) - s^3 (z_i - mean)(z_j - mean) / m.
    /// Also returns the cancellation factor sqrt(sum_g s_g^2 ||du_g||^2) / ||dz|| (>= about 1): how much
    /// the subtraction of the projections amplifies the relative rounding error of du in dz.
    static func normalizeBackward(_ du: Rows, at z: Rows, _ cell: Cell) -> (Rows, condition: Double) {
        guard cell.normalization != .none else { return (du, 1) }
        let byRows = cell.normalization == .layer
        let (dg, zg) = byRows ? (du, z) : (transpose(du, columns: du[0].count), transpose(z, columns: z[0].count))
        var scaledSquares = 0.0
        let result = zip(dg, zg).map { d, g in
            let m = Double(g.count), mean = g.reduce(0, +) / m
            let variance = g.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / m
            let s = 1 / (variance + cell.normEps).squareRoot()
            scaledSquares += s * s * d.reduce(0) { $0 + $1 * $1 }
            return g.indices.map { i in
                var sum = 0.0
                for j in g.indices {
                    let jacobian = s * ((i == j ? 1 : 0) - 1 / m) - s * s * s * (g[i] - mean) * (g[j] - mean) / m
                    sum += d[j] * jacobian
                }
                return sum
            }
        }
        let dz = byRows ? result : transpose(result, columns: du.count)
        let size = norm(dz)
        return (dz, size > 0 ? max(1, scaledSquares.squareRoot() / size) : 1)
    }

    /// The per-layer numbers of `network`'s pass, layer 1 first.
    static func run(_ network: any NetworkAccess<Double>) -> [Layer] {
        let cell = network.cell
        let (n, depth, phi) = (cell.width, cell.depth, cell.activation)
        let w = network.weights.map(rows), b = network.biases
        let residual = cell.architecture == .residual
        var h: [Rows] = [rows(network.input)], inputs: [Rows] = [], slopes: [Rows] = [], preactivations: [Rows] = []
        var layers = [Layer](repeating: Layer(), count: depth)
        for l in 0..<depth {
            let source = residual ? normalize(h[l], cell).map { $0.map { phi.value($0) } } : h[l]
            var z = product(source, w[l], columns: n)
            for i in z.indices { for j in 0..<n { z[i][j] += b[l][j] } }
            preactivations.append(z)
            let unit = normalize(residual ? h[l] : z, cell)
            let values = residual ? source : unit.map { $0.map { phi.value($0) } }
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
        var condition = 1.0
        for l in stride(from: depth - 1, through: 0, by: -1) {
            let d: Rows
            if residual {
                d = g.map { $0.map { cell.residualScale * $0 } }
            } else {
                let c: Double
                (d, c) = normalizeBackward(zip(g, slopes[l]).map { zip($0, $1).map(*) }, at: preactivations[l], cell)
                condition *= c
            }
            layers[l].condition = condition
            layers[l].gradH = norm(g)
            layers[l].gradZ = norm(d)
            layers[l].gradW = norm(product(transpose(inputs[l], columns: n), d, columns: n))
            layers[l].weightCondition = layers[l].gradW > 0 ? max(1, norm(inputs[l]) * norm(d) / layers[l].gradW) : 1
            let biasGradient: [Double] = (0..<n).map { j in d.reduce(0.0) { sum, row in sum + row[j] } }
            layers[l].gradB = norm([biasGradient])
            let back = product(d, transpose(w[l], columns: n), columns: n)
            if residual {
                let (branch, c) = normalizeBackward(zip(back, slopes[l]).map { zip($0, $1).map(*) }, at: h[l], cell)
                condition *= c
                for i in g.indices { for j in 0..<n { g[i][j] += branch[i][j] } }
            } else {
                g = back
            }
        }
        return layers
    }

    /// dLoss/dH_L, written out from the contract's definitions of the three losses.
    static func outputGradient(_ network: any NetworkAccess<Double>, _ output: Rows) -> Rows {
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

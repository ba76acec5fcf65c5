import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// The LSTM and GRU written a second time as naive loops over plain arrays (no BLAS, no rescaling,
/// gate by gate from SPEC's equations), and every per-step norm of the engine against them.
@Suite("Gated cells against naive loops")
struct GatedReferenceTests {
    typealias Rows = ReferenceNetwork.Rows

    /// One step's numbers as SPEC defines them.
    struct Step {
        var w = 0.0, b = 0.0, z = 0.0, h = 0.0, x = 0.0, c: Double?
        /// Each example's share of (dW, db): the Frobenius norm of its outer product h_b^T dA_b with its
        /// bias terms.
        var perExample = [Double]()
    }

    /// The type-7 quantile of `values` at `p`: interpolation between the order statistics around (n - 1) p.
    static func quantile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted(), position = Double(sorted.count - 1) * p
        let low = Int(position.rounded(.down)), high = min(sorted.count - 1, low + 1)
        return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
    }

    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// Columns `gate` x n ..< (gate + 1) x n of `m`.
    static func block(_ m: Rows, _ gate: Int, _ n: Int) -> Rows { m.map { Array($0[(gate * n)..<((gate + 1) * n)]) } }

    /// m + row vector v.
    static func plus(_ m: Rows, _ v: [Double]) -> Rows { m.map { zip($0, v).map(+) } }

    static func columnSums(_ m: Rows) -> [Double] {
        (0..<m[0].count).map { j in m.reduce(0) { $0 + $1[j] } }
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// Every step's numbers of `network` with dLoss/dh_T = `outputGradient`, from SPEC's equations.
    static func naive(_ network: any NetworkAccess<Double>, outputGradient: (Rows) -> Rows) -> [Step] {
        let cell = network.cell, lstm = cell.architecture == .lstm
        let (n, k, steps, gates) = (cell.width, cell.inputFeatures, cell.depth, lstm ? 4 : 3)
        func rows(_ values: [Double], _ columns: Int) -> Rows {
            stride(from: 0, to: values.count, by: columns).map { Array(values[$0..<($0 + columns)]) }
        }
        let w = rows(network.values(.recurrentWeights), gates * n), u = rows(network.values(.inputWeights), gates * n)
        let bias = network.values(.bias), hiddenBias = network.values(.hiddenBias)
        let x = (1...steps).map { rows(network.values(.input($0)), k) }
        let batch = x[0].count
        let zero = Rows(repeating: [Double](repeating: 0, count: n), count: batch)
        var h = [zero], c = [zero], gate = [Rows](), candidate = [Rows]()
        for t in 0..<steps {  // forward, entry by entry
            let xu = plus(ReferenceNetwork.product(x[t], u, columns: gates * n), bias)
            let hw = ReferenceNetwork.product(h[t], w, columns: gates * n)
            var next = zero, nextCell = zero, activated = Rows(), recurrentPart = zero
            for r in 0..<batch {
                var a = [Double](repeating: 0, count: gates * n)
                for j in 0..<n {
                    if lstm {
                        let p = (0..<4).map { xu[r][$0 * n + j] + hw[r][$0 * n + j] }
                        let (i, f, g, o) = (sigmoid(p[0]), sigmoid(p[1]), tanh(p[2]), sigmoid(p[3]))
                        nextCell[r][j] = f * c[t][r][j] + i * g
                        next[r][j] = o * tanh(nextCell[r][j])
                        (a[j], a[n + j], a[2 * n + j], a[3 * n + j]) = (i, f, g, o)
                    } else {
                        let rg = sigmoid(xu[r][j] + hw[r][j]), ug = sigmoid(xu[r][n + j] + hw[r][n + j])
                        recurrentPart[r][j] = hw[r][2 * n + j] + hiddenBias[j]
                        let m = tanh(xu[r][2 * n + j] + rg * recurrentPart[r][j])
                        next[r][j] = (1 - ug) * m + ug * h[t][r][j]
                        (a[j], a[n + j], a[2 * n + j]) = (rg, ug, m)
                    }
                }
                activated.append(a)
            }
            h.append(next)
            c.append(nextCell)
            gate.append(activated)
            candidate.append(recurrentPart)
        }
        var dh = outputGradient(h[steps]), dc = zero, result = [Step]()
        for t in stride(from: steps - 1, through: 0, by: -1) {  // backward through time
            var dz = Rows(), weightSide = Rows(), totalCell = zero, direct = zero
            for r in 0..<batch {
                var d = [Double](repeating: 0, count: gates * n), dw = d
                for j in 0..<n {
                    let a = gate[t][r]
                    if lstm {
                        let (i, f, g, o) = (a[j], a[n + j], a[2 * n + j], a[3 * n + j])
                        let tc = tanh(c[t + 1][r][j])
                        totalCell[r][j] = dc[r][j] + dh[r][j] * o * (1 - tc * tc)
                        d[j] = totalCell[r][j] * g * i * (1 - i)
                        d[n + j] = totalCell[r][j] * c[t][r][j] * f * (1 - f)
                        d[2 * n + j] = totalCell[r][j] * i * (1 - g * g)
                        d[3 * n + j] = dh[r][j] * tc * o * (1 - o)
                        dc[r][j] = totalCell[r][j] * f
                        (dw[j], dw[n + j], dw[2 * n + j], dw[3 * n + j]) = (d[j], d[n + j], d[2 * n + j], d[3 * n + j])
                    } else {
                        let (rg, ug, m) = (a[j], a[n + j], a[2 * n + j])
                        let dm = dh[r][j] * (1 - ug) * (1 - m * m)
                        d[j] = dm * candidate[t][r][j] * rg * (1 - rg)
                        d[n + j] = dh[r][j] * (h[t][r][j] - m) * ug * (1 - ug)
                        d[2 * n + j] = dm
                        (dw[j], dw[n + j], dw[2 * n + j]) = (d[j], d[n + j], dm * rg)
                        direct[r][j] = dh[r][j] * ug
                    }
                }
                dz.append(d)
                weightSide.append(dw)
            }
            let biasShare = columnSums(dz) + (lstm ? [] : Array(columnSums(weightSide).suffix(n)))
            let share = ReferenceNetwork.product(
                ReferenceNetwork.transpose(h[t], columns: n), weightSide, columns: gates * n)
            let dx = ReferenceNetwork.product(dz, ReferenceNetwork.transpose(u, columns: gates * n), columns: k)
            let perExample = (0..<batch).map { r in
                let outer = h[t][r].map { hi in weightSide[r].map { hi * $0 } }
                let biasTerms = dz[r] + (lstm ? [] : Array(weightSide[r].suffix(n)))
                return (pow(ReferenceNetwork.norm(outer), 2) + pow(norm(biasTerms), 2)).squareRoot()
            }
            result.append(
                Step(
                    w: ReferenceNetwork.norm(share), b: norm(biasShare), z: ReferenceNetwork.norm(dz),
                    h: ReferenceNetwork.norm(dh), x: ReferenceNetwork.norm(dx),
                    c: lstm ? ReferenceNetwork.norm(totalCell) : nil, perExample: perExample))
            let back = ReferenceNetwork.product(
                weightSide, ReferenceNetwork.transpose(w, columns: gates * n), columns: n)
            dh = zip(back, direct).map { zip($0, $1).map(+) }
        }
        return result.reversed()
    }

    @Test(
        """
        Every step's grad_w, grad_b, grad_z, grad_h, grad_x, grad_c norms and per-example quantiles agree with \
        naive loops to 1e-12
        """,
        arguments: [Architecture.lstm, .gru], [Loss.probe, .mse])
    func naiveLoops(architecture: Architecture, loss: Loss) throws {
        var cell = GatedTests.gated(architecture, steps: 12, width: 5, batch: 3, inputSize: 2)
        (cell.loss, cell.forgetBias) = (loss, architecture == .lstm ? 0.7 : 0)
        let network = try makeNetwork(cell, seed: 6)
        let targets = ReferenceNetwork.rows(network.objective.matrix)
        let expected = Self.naive(network) { output in
            // probe: dLoss/dh_T = P / batch; mse: (h_T - Y) / batch
            output.indices.map { r in
                output[r].indices.map { j in
                    (loss == .probe ? targets[r][j] : output[r][j] - targets[r][j]) / Double(output.count)
                }
            }
        }
        let measured = network.measure()
        try #require(measured.status == .ok && measured.layers.count == cell.depth)
        for (t, (layer, step)) in zip(measured.layers, expected).enumerated() {
            let pairs: [(String, ScaledNorm?, Double?)] = [
                ("w", layer.gradW, step.w), ("b", layer.gradB, step.b), ("z", layer.gradZ, step.z),
                ("h", layer.gradH, step.h), ("x", layer.gradX, step.x), ("c", layer.gradC, step.c),
            ]
            for (name, engine, reference) in pairs {
                guard let reference else {
                    #expect(engine == nil, "\(architecture) step \(t + 1) \(name)")
                    continue
                }
                let value = try #require(engine?.value)
                // step 1's dW share is h_0^T dz = 0 in both
                let error = reference == 0 ? abs(value) : relativeDifference(value, reference)
                #expect(error < 1e-12, "\(architecture) \(loss) step \(t + 1) \(name): \(error)")
            }
            try #require(layer.perExample.count == PerExampleQuantile.allCases.count)
            for (quantile, engine) in zip(PerExampleQuantile.allCases, layer.perExample) {
                let reference = Self.quantile(step.perExample, quantile.fraction), value = try #require(engine.value)
                let error = reference == 0 ? abs(value) : relativeDifference(value, reference)
                #expect(error < 1e-12, "\(architecture) \(loss) step \(t + 1) per-example \(quantile): \(error)")
            }
        }
    }
}

import RealModule

/// The loss of one run with its random ingredients drawn: the targets of `mse`,
/// the probe of `probe`, or the readout and labels of `cross_entropy`.
///
/// The loss and dLoss/dH_L are computed in float64 whatever the run's precision.
package struct Objective: Sendable {
    /// Which loss.
    package let loss: Loss
    /// `mse`: the targets Y; `probe`: P; `cross_entropy`: the readout V (width x classes).
    package let matrix: Matrix<Double>
    /// `cross_entropy`: the label of each example, in 0..<classes; empty otherwise.
    package let labels: [Int]
    /// The task `adding`: the learned scalar readout, `matrix` then holding one target per example.
    package let readout: ScalarReadout?

    /// An objective with given parts: `mse` targets, `probe` P, or `cross_entropy` readout and labels.
    package init(loss: Loss, matrix: Matrix<Double>, labels: [Int]) {
        (self.loss, self.matrix, self.labels, readout) = (loss, matrix, labels, nil)
    }

    /// The scalar regression of `adding`: y_hat = h v + c against `targets`, scored by mean squared error.
    package init(readout: ScalarReadout, targets: [Double]) {
        (loss, labels, self.readout) = (.mse, [], readout)
        matrix = Matrix(rows: targets.count, columns: 1, exactly: targets)
    }

    /// Draws the loss's random parts for `seed`; each depends only on (seed, its shape). `mse` and `probe`
    /// read all of H_L; `cross_entropy` reads the global average over positions of a conv net's last maps
    /// (each example's channel means), so its readout V (channels x classes, LeCun-normal) enters as the
    /// positions·channels x classes matrix whose row (p, c) is V's row c / positions.
    package init(loss: Loss, seed: Int, batch: Int, shape: FeatureShape, classes: Int, readoutVariance: Double = 1) {
        (self.loss, readout) = (loss, nil)
        let width = shape.count
        switch loss {
        case .mse:
            matrix = Objective.gaussian(seed: seed, purpose: "targets", rows: batch, columns: width, std: 1)
            labels = []
        case .probe:
            matrix = Objective.gaussian(seed: seed, purpose: "probe", rows: batch, columns: width, std: 1)
            labels = []
        case .crossEntropy:
            let channels = shape.channels
            let v = Objective.readoutWeights(
                seed: seed, channels: channels, classes: classes, varianceScale: readoutVariance)
            matrix = Objective.globalAverage(v, positions: width / channels)
            labels = RandomStream(seed: seed, purpose: "labels", batch, classes).uniform(count: batch).map {
                min(classes - 1, Int($0 * Double(classes)))
            }
        }
    }

    /// The readout V of `cross_entropy` for `seed`: channels x classes, LeCun normal (std 1 / sqrt(channels)), its
    /// variance times `varianceScale` (muP's 1/m; 0: zero).
    package static func readoutWeights(seed: Int, channels: Int, classes: Int, varianceScale: Double = 1)
        -> Matrix<Double>
    {
        let std =
            varianceScale == 1
            ? 1 / Double(channels).squareRoot() : (varianceScale / Double(channels)).squareRoot()
        guard std > 0 else { return Matrix(rows: channels, columns: classes) }
        return gaussian(seed: seed, purpose: "readout", rows: channels, columns: classes, std: std)
    }

    /// The readout `v` of channel means as a readout of whole position-major maps: row (p, c) = v's row c / positions.
    package static func globalAverage(_ v: Matrix<Double>, positions: Int) -> Matrix<Double> {
        guard positions > 1 else { return v }
        let scaled = v.scaled(by: 1 / Double(positions))
        return Matrix(
            rows: v.rows * positions, columns: v.columns,
            exactly: Array((0..<positions).map { _ in scaled.elements }.joined()))
    }

    /// The loss and dLoss/dH_L for the network's output H_L (batch x width).
    package func evaluate(output: Matrix<Double>) -> (loss: Double, gradient: Matrix<Double>) {
        let batch = Double(output.rows)
        if let readout { return readout.evaluate(output: output, targets: matrix.elements) }
        switch loss {
        case .mse:
            var gradient = output
            var sum = 0.0
            for i in gradient.elements.indices {
                let r = output.elements[i] - matrix.elements[i]
                sum += r * r
                gradient.elements[i] = r / batch
            }
            return (sum / (2 * batch), gradient)
        case .probe:
            var sum = 0.0
            for i in output.elements.indices { sum += matrix.elements[i] * output.elements[i] }
            return (sum / batch, matrix.scaled(by: 1 / batch))
        case .crossEntropy:
            return crossEntropy(output: output)
        }
    }

    /// `cross_entropy`: the fraction of examples whose largest logit (of H_L V) is their label; nil for other losses.
    package func accuracy(output: Matrix<Double>) -> Double? {
        guard loss == .crossEntropy, output.rows > 0 else { return nil }
        let logits = output.multiplied(by: matrix)
        var correct = 0
        for b in 0..<logits.rows {
            let row = logits.elements[(b * logits.columns)..<((b + 1) * logits.columns)]
            if let best = row.indices.max(by: { row[$0] < row[$1] }), best - b * logits.columns == labels[b] {
                correct += 1
            }
        }
        return Double(correct) / Double(logits.rows)
    }

    /// Mean softmax cross-entropy of logits H_L V; dLoss/dH_L = (softmax - onehot) V^T / batch.
    private func crossEntropy(output: Matrix<Double>) -> (loss: Double, gradient: Matrix<Double>) {
        let (loss, logitGradient) = logitGradient(output: output)
        return (loss, logitGradient.multiplied(by: matrix, transposeOther: true))
    }

    /// The mean cross-entropy of the logits H_L V and its gradient with respect to them, (softmax - onehot) / batch.
    private func logitGradient(output: Matrix<Double>) -> (loss: Double, gradient: Matrix<Double>) {
        var logits = output.multiplied(by: matrix)
        let classes = logits.columns
        var sum = 0.0
        for b in 0..<logits.rows {
            let row = b * classes
            let top = logits.elements[row..<(row + classes)].max() ?? 0
            var total = 0.0
            for c in 0..<classes { total += Double.exp(logits.elements[row + c] - top) }
            sum += top + Double.log(total) - logits.elements[row + labels[b]]
            for c in 0..<classes {
                let p = Double.exp(logits.elements[row + c] - top) / total
                logits.elements[row + c] = (p - (c == labels[b] ? 1 : 0)) / Double(logits.rows)
            }
        }
        return (sum / Double(logits.rows), logits)
    }

    /// `cross_entropy`: dLoss/dV for the readout V (channels x classes) of H_L's channel means A (batch x channels;
    /// A = H_L for a dense net): A^T (softmax - onehot) / batch.
    package func readoutGradient(output: Matrix<Double>, channels: Int) -> Matrix<Double> {
        let positions = output.columns / channels
        var means = Matrix<Double>(rows: output.rows, columns: channels)
        for b in 0..<output.rows {
            for p in 0..<positions {
                for c in 0..<channels {
                    means.elements[b * channels + c] += output.elements[(b * positions + p) * channels + c]
                }
            }
        }
        return means.scaled(by: 1 / Double(positions)).multiplied(
            by: logitGradient(output: output).gradient, transposeSelf: true)
    }

    static func gaussian(seed: Int, purpose: String, rows: Int, columns: Int, std: Double) -> Matrix<Double> {
        Matrix(
            rows: rows, columns: columns,
            exactly: RandomStream(seed: seed, purpose: purpose, rows, columns).normal(count: rows * columns, scale: std)
        )
    }
}

/// A learned linear readout of one number from the last hidden state, y_hat_b = h_b v + c, scored by
/// the mean squared error 1/batch sum_b (y_hat_b - y_b)^2 (so that always answering the targets' mean
/// scores their variance: 1/6 on the adding problem).
package struct ScalarReadout: Sendable, Equatable {
    /// v, one weight per hidden unit.
    package var weights: [Double]
    /// c.
    package var offset: Double

    package init(weights: [Double], offset: Double) { (self.weights, self.offset) = (weights, offset) }

    /// The readout of a width-`width` network for `seed`: v ~ N(0, 1/width) (LeCun normal), c = 0.
    package init(seed: Int, width: Int) {
        weights = RandomStream(seed: seed, purpose: "readout.scalar", width).normal(
            count: width, scale: 1 / Double(width).squareRoot())
        offset = 0
    }

    /// y_hat for every row of `output` (batch x width).
    package func predictions(_ output: Matrix<Double>) -> [Double] {
        (0..<output.rows).map { b in
            var sum = offset
            for j in 0..<output.columns { sum += output.elements[b * output.columns + j] * weights[j] }
            return sum
        }
    }

    /// The loss and dLoss/dH = 2/batch (y_hat - y) v^T.
    package func evaluate(output: Matrix<Double>, targets: [Double]) -> (loss: Double, gradient: Matrix<Double>) {
        let residuals = zip(predictions(output), targets).map { $0 - $1 }
        let batch = Double(output.rows)
        var gradient = Matrix<Double>(rows: output.rows, columns: output.columns)
        for (b, r) in residuals.enumerated() {
            for j in 0..<output.columns { gradient.elements[b * output.columns + j] = 2 * r * weights[j] / batch }
        }
        return (residuals.reduce(0) { $0 + $1 * $1 } / batch, gradient)
    }

    /// dLoss/dv = 2/batch H^T (y_hat - y) and dLoss/dc = 2/batch sum (y_hat - y).
    package func gradients(output: Matrix<Double>, targets: [Double]) -> (weights: [Double], offset: Double) {
        let batch = Double(output.rows)
        var weights = [Double](repeating: 0, count: output.columns), offset = 0.0
        for (b, r) in zip(predictions(output), targets).map({ $0 - $1 }).enumerated() {
            offset += 2 * r / batch
            for j in 0..<output.columns { weights[j] += 2 * r * output.elements[b * output.columns + j] / batch }
        }
        return (weights, offset)
    }
}

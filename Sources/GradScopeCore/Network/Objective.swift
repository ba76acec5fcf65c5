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

    /// An objective with given parts: `mse` targets, `probe` P, or `cross_entropy` readout and labels.
    package init(loss: Loss, matrix: Matrix<Double>, labels: [Int]) {
        (self.loss, self.matrix, self.labels) = (loss, matrix, labels)
    }

    /// Draws the loss's random parts for `seed`; each depends only on (seed, its shape).
    package init(loss: Loss, seed: Int, batch: Int, width: Int, classes: Int) {
        self.loss = loss
        switch loss {
        case .mse:
            matrix = Objective.gaussian(seed: seed, purpose: "targets", rows: batch, columns: width, std: 1)
            labels = []
        case .probe:
            matrix = Objective.gaussian(seed: seed, purpose: "probe", rows: batch, columns: width, std: 1)
            labels = []
        case .crossEntropy:
            matrix = Objective.gaussian(
                seed: seed, purpose: "readout", rows: width, columns: classes, std: 1 / Double(width).squareRoot())
            labels = RandomStream(seed: seed, purpose: "labels", batch, classes).uniform(count: batch).map {
                min(classes - 1, Int($0 * Double(classes)))
            }
        }
    }

    /// The loss and dLoss/dH_L for the network's output H_L (batch x width).
    package func evaluate(output: Matrix<Double>) -> (loss: Double, gradient: Matrix<Double>) {
        let batch = Double(output.rows)
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
        return (sum / Double(logits.rows), logits.multiplied(by: matrix, transposeOther: true))
    }

    static func gaussian(seed: Int, purpose: String, rows: Int, columns: Int, std: Double) -> Matrix<Double> {
        Matrix(
            rows: rows, columns: columns,
            exactly: RandomStream(seed: seed, purpose: purpose, rows, columns).normal(count: rows * columns, scale: std)
        )
    }
}

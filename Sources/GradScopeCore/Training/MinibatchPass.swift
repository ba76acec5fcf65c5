/// One forward and backward pass on a minibatch in training mode: dW_l (in the network's
/// `weightGradients`) and db_l formed at their true scale for the optimiser, and (when
/// recording) each layer's numbers.
struct MinibatchPass<Scalar: BLASScalar> {
    var status: RunStatus
    var loss: Double?
    /// dLoss/db_l, index l - 1 (values below the format's range become 0).
    var biasGradients: [[Scalar]] = []
    /// Layer 1 first; empty unless recording.
    var layers: [LayerMeasurement] = []
}

extension Network {
    /// Forward and backward on the current batch, forming every dW_l (`recording`: with the
    /// exact log norms and activation statistics of each layer, as `measure` gives them).
    func minibatchPass(recording: Bool) -> MinibatchPass<Scalar> {
        let forwardStatus = forward(from: 0)
        guard forwardStatus == .ok else { return MinibatchPass(status: forwardStatus) }
        var pass = MinibatchPass<Scalar>(status: .ok)
        if weightGradients.count != cell.depth {
            weightGradients = Array(repeating: Matrix(rows: 0, columns: 0), count: cell.depth)
        }
        let (loss, status) = backward { layer, exponent in
            self.formWeightGradient(layer, into: &self.weightGradients[layer - 1])
            if recording {
                let norm = ScaledNorm(of: self.weightGradients[layer - 1].elements)
                pass.layers.append(self.measureLayer(layer, exponent: exponent, weightNorm: norm))
            }
            Kernels.scaleByPowerOfTwo(&self.weightGradients[layer - 1].elements, exponent)
            pass.biasGradients.append(self.biasGradient(exponent: exponent).map { Scalar($0) })
        }
        guard status == .ok, loss.isFinite else { return MinibatchPass(status: status == .ok ? .overflow : status) }
        pass.loss = loss
        pass.biasGradients.reverse()
        pass.layers.reverse()
        return pass
    }

    /// The mean loss (and `cross_entropy` accuracy) of the network on `set`, evaluated in
    /// minibatches of `batch` rows; nil when a forward pass overflows or gives NaN.
    func evaluate(_ set: LabelledSet, with data: TrainingData, batch: Int) throws(ShapeError) -> (
        loss: Double, accuracy: Double?
    )? {
        var loss = 0.0, correct = 0.0
        for start in stride(from: 0, to: set.count, by: max(1, batch)) {
            let chunk = set.rows(start..<min(set.count, start + batch))
            try setBatch(chunk.inputs.converted(to: Scalar.self), objective: data.objective(for: chunk))
            guard forward(from: 0) == .ok else { return nil }
            let output = hidden[cell.depth].converted(to: Double.self)
            let rows = Double(chunk.count)
            loss += objective.evaluate(output: output).loss * rows
            correct += (objective.accuracy(output: output) ?? 0) * rows
        }
        guard loss.isFinite else { return nil }
        let count = Double(set.count)
        return (loss / count, data.readout == nil ? nil : correct / count)
    }
}

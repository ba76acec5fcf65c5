/// An optimiser with its state: one slot per parameter tensor (a weight matrix or a bias
/// vector), each updated in place by one fused loop over its elements (see `Optimizer`
/// for the update equations).
package struct OptimizerState<Scalar: BLASScalar> {
    package let optimizer: Optimizer
    package let learningRate: Double
    /// mu of `momentum`.
    package let momentum: Double
    /// `momentum`: v; `adam`: m (first moment).
    private var first: [[Scalar]]
    /// `adam`: s (second moment).
    private var second: [[Scalar]]
    /// Updates made so far to each slot (Adam's t).
    private var updates: [Int]

    /// A fresh optimiser (zero moments) for `slots` parameter tensors.
    package init(_ optimizer: Optimizer, learningRate: Double, momentum: Double, slots: Int) {
        (self.optimizer, self.learningRate, self.momentum) = (optimizer, learningRate, momentum)
        (first, second, updates) = (
            Array(repeating: [], count: slots), Array(repeating: [], count: slots), Array(repeating: 0, count: slots)
        )
    }

    /// Applies one step to `parameters` (slot `slot`) with its gradient `gradient` (same count).
    package mutating func update(_ parameters: inout [Scalar], gradient: [Scalar], slot: Int) {
        precondition(
            parameters.count == gradient.count, "optimiser: \(parameters.count) parameters, \(gradient.count) gradients"
        )
        let lr = Scalar(learningRate)
        updates[slot] += 1
        switch optimizer {
        case .sgd:
            for i in parameters.indices { parameters[i] -= lr * gradient[i] }
        case .momentum:
            if first[slot].isEmpty { first[slot] = Array(repeating: 0, count: parameters.count) }
            let mu = Scalar(momentum)
            for i in parameters.indices {
                first[slot][i] = mu * first[slot][i] + gradient[i]
                parameters[i] -= lr * first[slot][i]
            }
        case .adam:
            if first[slot].isEmpty {
                (first[slot], second[slot]) = (
                    Array(repeating: 0, count: parameters.count), Array(repeating: 0, count: parameters.count)
                )
            }
            adamStep(&parameters, gradient, slot: slot)
        }
    }

    private mutating func adamStep(_ parameters: inout [Scalar], _ gradient: [Scalar], slot: Int) {
        let (b1, b2, eps) = TrainingSettings.adam
        let t = Double(updates[slot])
        let firstCorrection = Scalar(1 - Double.pow(b1, t)), secondCorrection = Scalar(1 - Double.pow(b2, t))
        let (beta1, beta2, epsilon, lr) = (Scalar(b1), Scalar(b2), Scalar(eps), Scalar(learningRate))
        for i in parameters.indices {
            let g = gradient[i]
            first[slot][i] = beta1 * first[slot][i] + (1 - beta1) * g
            second[slot][i] = beta2 * second[slot][i] + (1 - beta2) * g * g
            let step =
                (first[slot][i] / firstCorrection) / ((second[slot][i] / secondCorrection).squareRoot() + epsilon)
            parameters[i] -= lr * step
        }
    }
}

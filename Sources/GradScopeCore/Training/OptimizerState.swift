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

    /// Applies one step to `parameters` (slot `slot`) with its gradient `gradient` (same count), at the learning
    /// rate times `multiplier` (muP's per-layer rates).
    package mutating func update(_ parameters: inout [Scalar], gradient: [Scalar], slot: Int, multiplier: Double = 1) {
        precondition(
            parameters.count == gradient.count, "optimiser: \(parameters.count) parameters, \(gradient.count) gradients"
        )
        let rate = multiplier == 1 ? learningRate : learningRate * multiplier
        let lr = Scalar(rate)
        updates[slot] += 1
        // The moments leave their slot for the loop (so that each is one uniquely held array the loop can
        // vectorise over) and go back after it.
        var m = take(&first[slot], count: optimizer == .sgd ? 0 : parameters.count)
        var v = take(&second[slot], count: optimizer == .adam ? parameters.count : 0)
        defer { (first[slot], second[slot]) = (m, v) }
        var p = parameters.mutableSpan
        let g = gradient.span
        switch optimizer {
        case .sgd:
            for i in 0..<min(p.count, g.count) { p[i] -= lr * g[i] }
        case .momentum:
            let mu = Scalar(momentum)
            var velocity = m.mutableSpan
            for i in 0..<min(p.count, g.count, velocity.count) {
                velocity[i] = mu * velocity[i] + g[i]
                p[i] -= lr * velocity[i]
            }
        case .adam:
            adamStep(&p, g, first: &m, second: &v, slot: slot, rate: rate)
        }
    }

    /// The slot's moment, or `count` zeros when it has none yet (none for an optimiser without it, count 0);
    /// the slot is left empty.
    private func take(_ moment: inout [Scalar], count: Int) -> [Scalar] {
        var taken = [Scalar]()
        swap(&taken, &moment)
        return taken.isEmpty ? Array(repeating: 0, count: count) : taken
    }

    private func adamStep(
        _ p: inout MutableSpan<Scalar>, _ g: Span<Scalar>, first: inout [Scalar], second: inout [Scalar], slot: Int,
        rate: Double
    ) {
        let (b1, b2, eps) = TrainingSettings.adam
        let t = Double(updates[slot])
        let firstCorrection = Scalar(1 - Double.pow(b1, t)), secondCorrection = Scalar(1 - Double.pow(b2, t))
        let (beta1, beta2, epsilon, lr) = (Scalar(b1), Scalar(b2), Scalar(eps), Scalar(rate))
        var m = first.mutableSpan, v = second.mutableSpan
        for i in 0..<min(p.count, g.count, m.count, v.count) {
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            let step = (m[i] / firstCorrection) / ((v[i] / secondCorrection).squareRoot() + epsilon)
            p[i] -= lr * step
        }
    }
}

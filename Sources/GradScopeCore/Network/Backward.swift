extension Network {
    /// The backward pass after `forward(from: 0)`: G_L = dLoss/dH_L, then for l = L ... 1 the kind
    /// gives D_l from G_l, and G_{l-1} from D_l and G_l (plain: D_l = G_l * phi'(Z_l), G_{l-1} = D_l W_l^T).
    ///
    /// To stay in range at any depth, G (with the state the kind carries, the LSTM's dc) is multiplied by a
    /// power of two after each layer so that its norm lies in [1, 2); the true G_l and D_l are the stored
    /// `gradient` and `delta` times 2^exponent. `visit(l, exponent)` is called for each
    /// layer while `gradient` and `delta` hold that layer's G_l and D_l.
    func backward(_ visit: (_ layer: Int, _ exponent: Int) -> Void) -> (loss: Double, status: RunStatus) {
        let depth = cell.depth
        var (loss, outputGradient) = objective.evaluate(output: hidden[depth].converted(to: Double.self))
        var (exponent, _, status) = Kernels.normalize(&outputGradient.elements)
        guard status == .ok, loss.isFinite else { return (loss, status == .ok ? .overflow : status) }
        gradient = outputGradient.converted(to: Scalar.self)
        gradientNorm = ScaledNorm(of: gradient.elements)
        workspace.startBackward()
        for layer in stride(from: depth, through: 1, by: -1) {
            deltaSums = kind.delta(
                gradient: gradient, input: hidden[layer - 1], tape: tapes[layer - 1], previous: previousTape(layer),
                workspace: &workspace, into: &delta)
            visit(layer, exponent)
            guard layer > 1 else { break }
            kind.propagate(
                delta: delta, gradient: gradient, weights: weights[layer - 1], tape: tapes[layer - 1],
                workspace: workspace, into: &scratch)
            swap(&gradient, &scratch)
            var shift: Int
            (shift, status) = normalizeGradient()
            // a product of finite factors that the kernel spelt as inf or NaN: recompute it in range
            if status != .ok {
                swap(&gradient, &scratch)  // G_l back in `gradient` for the recomputation
                let rescue: Int
                (rescue, status) = backwardProductInRange(layer)
                guard status == .ok else { return (loss, status) }
                swap(&gradient, &scratch)
                (shift, status) = normalizeGradient()
                guard status == .ok else { return (loss, status) }
                shift += rescue
            }
            exponent += shift
        }
        return (loss, .ok)
    }

    /// Scales G (and the carried state, jointly) by the power of two 2^-k that brings the larger norm into
    /// [1, 2), setting `gradientNorm`; returns k.
    private func normalizeGradient() -> (shift: Int, status: RunStatus) {
        guard let carriedNorm = workspace.carried.map({ ScaledNorm(of: $0.elements) }) else {
            let (shift, norm, status) = Kernels.normalize(&gradient.elements)
            gradientNorm = norm
            return (shift, status)
        }
        let norms = [ScaledNorm(of: gradient.elements), carriedNorm]
        if let bad = norms.first(where: { $0.status != .ok }) { return (0, bad.status) }
        let exponents = norms.filter { $0.significand > 0 }.map { $0.exponent + Int($0.significand.exponent) }
        let k = exponents.max() ?? 0
        gradient.scaleByPowerOfTwo(-k)
        workspace.scaleCarried(byPowerOfTwo: -k)
        gradientNorm = norms[0].scaled(byPowerOfTwo: -k)
        return (k, .ok)
    }

    /// G_{l-1} (into `scratch`) recomputed after the kernel returned a non-finite one, with what the kind's
    /// propagation reads (D_l, G_l, its own signals) and the state it carries scaled by 2^-s; returns s, to
    /// be added to the backward pass's exponent, or the status when one of them or W_l is not finite.
    func backwardProductInRange(_ layer: Int) -> (shift: Int, status: RunStatus) {
        let read = kind.propagationMagnitudes(delta: delta, gradient: gradient, workspace: workspace)
        let maxW = InRangeProduct.maxMagnitude(weights[layer - 1].elements)
        if let status = InRangeProduct.status(ofFactors: read + [maxW]) { return (0, status) }
        let s =
            InRangeProduct.shift(
                Scalar.self, maxA: read.reduce(0, Swift.max), maxB: Swift.max(maxW, 1),
                inner: weights[layer - 1].columns)
            + kind.propagationHeadroom
        kind.scalePropagation(delta: &delta, gradient: &gradient, workspace: &workspace, byPowerOfTwo: -s)
        kind.propagate(
            delta: delta, gradient: gradient, weights: weights[layer - 1], tape: tapes[layer - 1],
            workspace: workspace, into: &scratch)
        return (s, InRangeProduct.maxMagnitude(scratch.elements).isFinite ? .ok : .overflow)
    }
}

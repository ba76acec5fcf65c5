extension Network {
    /// Runs layers start+1 ... L from H_start, filling `hidden`, `branch`, `slopes`
    /// and `statistics`; stops at the first layer whose numbers are not finite.
    func forward(from start: Int) -> RunStatus {
        guard start < cell.depth else { return .ok }
        forwardDepth = min(forwardDepth, start)  // layers past `start` are being rewritten
        for layer in (start + 1)...cell.depth {
            let status = cell.architecture == .plain ? forwardPlain(layer) : forwardResidual(layer)
            guard status == .ok else { return status }
        }
        if start == 0 { forwardDepth = cell.depth }
        return .ok
    }

    /// Z_l = H_{l-1} W_l + b_l, H_l = phi(Z_l).
    /// A non-finite Z_l from finite factors is recomputed in range (`affineInRange`) before it counts as overflow.
    private func forwardPlain(_ layer: Int) -> RunStatus {
        affine(hidden[layer - 1], layer)
        var (status, stats) = activatePlain(layer)
        if status != .ok {
            status = affineInRange(hidden[layer - 1], layer)
            guard status == .ok else { return status }
            (status, stats) = activatePlain(layer)
        }
        statistics[layer - 1] = stats
        return status
    }

    /// H_l = phi(scratch), the slopes phi'(scratch) and their statistics.
    private func activatePlain(_ layer: Int) -> (RunStatus, ActivationStatistics) {
        Kernels.activate(
            cell.activation, scratch.elements, values: &hidden[layer].elements, slopes: &slopes[layer - 1].elements)
    }

    /// Z_l = phi(H_{l-1}) W_l + b_l, H_l = H_{l-1} + alpha Z_l; a non-finite H_l is checked as in `forwardPlain`.
    private func forwardResidual(_ layer: Int) -> RunStatus {
        let (status, stats) = Kernels.activate(
            cell.activation, hidden[layer - 1].elements, values: &branch[layer - 1].elements,
            slopes: &slopes[layer - 1].elements)
        statistics[layer - 1] = stats
        guard status == .ok else { return status }
        affine(branch[layer - 1], layer)
        let add = {
            Kernels.residualAdd(
                self.hidden[layer - 1].elements, self.scratch.elements, scale: Scalar(self.cell.residualScale),
                into: &self.hidden[layer].elements)
        }
        guard add() != .ok else { return .ok }
        let product = affineInRange(branch[layer - 1], layer)
        return product == .ok ? add() : product
    }

    /// scratch = x W_l + b_l.
    private func affine(_ x: Matrix<Scalar>, _ layer: Int) {
        Scalar.gemm(x, transposeA: false, weights[layer - 1], transposeB: false, into: &scratch, alpha: 1, beta: 0)
        Kernels.addBias(biases[layer - 1], to: &scratch.elements, columns: cell.width)
    }

    /// The input of W_l: H_{l-1} (plain) or phi(H_{l-1}) (residual).
    func layerInput(_ layer: Int) -> Matrix<Scalar> {
        cell.architecture == .plain ? hidden[layer - 1] : branch[layer - 1]
    }
}

extension Network {
    /// Runs layers start+1 ... L from H_start, filling `hidden` and `tapes`; stops at the first
    /// layer whose numbers are not finite.
    func forward(from start: Int) -> RunStatus {
        guard start < cell.depth else { return .ok }
        forwardDepth = min(forwardDepth, start)  // layers past `start` are being rewritten
        for layer in (start + 1)...cell.depth {
            let status = block.forward(
                hidden[layer - 1], affineMap(layer), tape: &tapes[layer - 1], scratch: &scratch,
                output: &hidden[layer])
            guard status == .ok else { return status }
            if recordsCorrelations {  // the nonlinearity's input: Z_l (in scratch) or the stream H_{l-1}
                tapes[layer - 1].correlation = PairCorrelation(rows: block.isResidual ? hidden[layer - 1] : scratch)
            }
        }
        if start == 0 { forwardDepth = cell.depth }
        return .ok
    }

    /// x -> x W_l + b_l (+ x_t U at step t = l of a recurrent network).
    func affineMap(_ layer: Int) -> AffineMap<Scalar> {
        AffineMap(weights: weights[layer - 1], bias: biases[layer - 1], drive: sequence?.drive(layer))
    }

    /// The input of W_l: H_{l-1} (plain) or phi(N(H_{l-1})) (residual).
    func layerInput(_ layer: Int) -> Matrix<Scalar> {
        block.weightInput(hidden[layer - 1], tape: tapes[layer - 1])
    }
}

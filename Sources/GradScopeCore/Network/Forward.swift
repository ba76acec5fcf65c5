extension Network {
    /// Runs layers start+1 ... L from H_start, filling `hidden` and `tapes`; stops at the first
    /// layer whose numbers are not finite.
    func forward(from start: Int) -> RunStatus {
        guard start < cell.depth else { return .ok }
        forwardDepth = min(forwardDepth, start)  // layers past `start` are being rewritten
        for layer in (start + 1)...cell.depth {
            let status = kind.forward(
                hidden[layer - 1], affineMap(layer), previous: layer > 1 ? tapes[layer - 2] : nil,
                tape: &tapes[layer - 1], workspace: &workspace, scratch: &scratch, output: &hidden[layer])
            guard status == .ok else { return status }
            if recordsCorrelations {
                tapes[layer - 1].correlation = PairCorrelation(
                    rows: kind.correlationRows(input: hidden[layer - 1], scratch: scratch, output: hidden[layer]),
                    copy: &correlationCopy)
            }
        }
        if start == 0 { forwardDepth = cell.depth }
        return .ok
    }

    /// The parameters of layer l: x -> x W_l + b_l (+ x_t U at step t = l of a recurrent network, and b_hn).
    func affineMap(_ layer: Int) -> AffineMap<Scalar> {
        AffineMap(
            weights: weights[layer - 1], bias: biases[layer - 1], drive: sequence?.drive(layer), hiddenBias: hiddenBias)
    }

    /// The input of W_l: H_{l-1} (plain, recurrent) or phi(N(H_{l-1})) (residual).
    func layerInput(_ layer: Int) -> Matrix<Scalar> {
        kind.weightInput(hidden[layer - 1], tape: tapes[layer - 1])
    }

    /// The tape of the layer below l (nil for layer 1).
    func previousTape(_ layer: Int) -> Kind.Tape? { layer > 1 ? tapes[layer - 2] : nil }
}

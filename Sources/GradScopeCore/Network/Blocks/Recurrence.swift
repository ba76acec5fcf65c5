/// The parts of a recurrent network that a feedforward one lacks. A vanilla rnn,
/// z_t = h_{t-1} W + x_t U + b, h_t = phi(z_t), is a plain network of T = depth layers whose
/// weights are all W and whose layer t adds the input term x_t U: the plain block's forward and
/// backward maps, the exact rescaling and the measurement all carry over, and h_0 = 0 is the input.
///
/// Common random numbers: W, U and b depend only on (seed, role and gate, shapes, initialiser), and x_t
/// on (seed, t, batch, input_size, input_std), so cells that differ in T, activation or loss share them.
package struct InputSequence<Scalar: BLASScalar>: Sendable {
    /// x_1 ... x_T (index t - 1), each batch x input_size.
    package internal(set) var inputs: [Matrix<Scalar>]
    /// U, input_size x width.
    package internal(set) var weights: Matrix<Scalar>

    /// The inputs and input weights of `cell` (recurrent) for `seed`.
    init(_ cell: Cell, seed: Int) throws(LAPACKError) {
        let (n, k) = (cell.width, cell.inputFeatures)
        weights = try cell.inputInitializer.weights(
            seed: seed, layer: RecurrentStream.inputWeights(gate: 0), fanIn: k, fanOut: n
        ).converted(to: Scalar.self)
        inputs = Self.inputs(cell, seed: seed)
    }

    /// x_1 ... x_T of `cell` for `seed`: x_t depends only on (seed, t, batch, input_size, input_std).
    static func inputs(_ cell: Cell, seed: Int) -> [Matrix<Scalar>] {
        let k = cell.inputFeatures
        return (1...cell.depth).map { t in
            let values = RandomStream(seed: seed, purpose: "sequence", t, cell.batch, k)
                .normal(count: cell.batch * k, scale: cell.inputStd)
            return Matrix(rows: cell.batch, columns: k, exactly: values).converted(to: Scalar.self)
        }
    }

    /// Step t's input term of the affine map.
    func drive(_ step: Int) -> InputDrive<Scalar> { InputDrive(input: inputs[step - 1], weights: weights) }
}

/// The input term x_t U of a recurrent step, added to h_{t-1} W + b.
struct InputDrive<Scalar: BLASScalar> {
    let input: Matrix<Scalar>
    let weights: Matrix<Scalar>
}

/// The stream identifiers of a recurrent cell's weights and biases, in the place of the layer number
/// (l >= 1) of a feedforward layer's and so distinct from all of them: per gate g, its recurrent
/// weights W_g, input weights U_g and bias b_g.
enum RecurrentStream {
    static func recurrentWeights(gate: Int) -> Int { -1 - 3 * gate }
    static func inputWeights(gate: Int) -> Int { -2 - 3 * gate }
    static func bias(gate: Int) -> Int { -3 - 3 * gate }
}

extension Network {
    /// Replaces the tied recurrent weights W of every step; throws unless the network is recurrent and W is
    /// width x width.
    package func setRecurrentWeights(_ w: Matrix<Scalar>) throws(ShapeError) {
        try requireSequence()
        guard w.hasShape(of: weights[0]) else {
            throw ShapeError("W must be \(cell.width) x \(cell.width), got \(w.rows) x \(w.columns)")
        }
        weights = Array(repeating: w, count: cell.depth)
    }

    /// Replaces the tied bias b of every step.
    package func setRecurrentBias(_ b: [Scalar]) throws(ShapeError) {
        try requireSequence()
        guard b.count == cell.width else { throw ShapeError("b must have \(cell.width) entries, got \(b.count)") }
        biases = Array(repeating: b, count: cell.depth)
    }

    /// Replaces the input weights U (input_size x width).
    package func setInputWeights(_ u: Matrix<Scalar>) throws(ShapeError) {
        let sequence = try requireSequence()
        guard u.hasShape(of: sequence.weights) else {
            throw ShapeError("U must be \(sequence.weights.rows) x \(cell.width), got \(u.rows) x \(u.columns)")
        }
        self.sequence?.weights = u
    }

    /// Replaces the input x_t of step t (1-based; batch x input_size).
    package func setInput(_ x: Matrix<Scalar>, step: Int) throws(ShapeError) {
        let sequence = try requireSequence()
        guard (1...cell.depth).contains(step) else { throw ShapeError("step \(step) outside 1...\(cell.depth)") }
        guard x.hasShape(of: sequence.inputs[step - 1]) else {
            throw ShapeError("x_\(step) must be \(cell.batch) x \(cell.inputFeatures), got \(x.rows) x \(x.columns)")
        }
        self.sequence?.inputs[step - 1] = x
    }

    @discardableResult
    private func requireSequence() throws(ShapeError) -> InputSequence<Scalar> {
        guard let sequence else {
            throw ShapeError("the network of architecture \(cell.architecture) is not recurrent")
        }
        return sequence
    }
}

/// A parameter set of a recurrent network: the tied W, U, b, the GRU's b_hn, or one step's input x_t.
package enum RecurrentParameter: Hashable, Sendable {
    case recurrentWeights, inputWeights, bias, hiddenBias
    /// x_t, 1-based.
    case input(Int)
}

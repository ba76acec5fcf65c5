/// The inputs of a recurrent network, which a feedforward one lacks: x_1 ... x_T and the input weights U.
/// Step t's affine map adds x_t U (`AffineMap`); h_0 = 0 is the network's input.
///
/// Common random numbers: W, U and b depend only on (seed, role and gate, shapes, initialiser), and x_t
/// on (seed, t, batch, input_size, input_std), so cells that differ in T, activation or loss share them.
package struct InputSequence<Scalar: BLASScalar>: Sendable {
    /// x_1 ... x_T (index t - 1), each batch x input_size.
    package internal(set) var inputs: [Matrix<Scalar>]
    /// U, input_size x gates·width (the gates' blocks side by side).
    package internal(set) var weights: Matrix<Scalar>

    /// The inputs and input weights of `cell` (recurrent, `gates` gates) for `seed`: gate g's U_g from its
    /// own stream.
    init(_ cell: Cell, seed: Int, gates: Int) throws(LAPACKError) {
        let (n, k) = (cell.width, cell.inputFeatures)
        weights = Matrix.sideBySide(
            try (0..<gates).map { g throws(LAPACKError) in
                try cell.inputInitializer.weights(
                    seed: seed, layer: RecurrentStream.inputWeights(gate: g), fanIn: k, fanOut: n)
            })
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

/// A parameter set of a recurrent network: the tied W, U, b, the GRU's b_hn, or one step's input x_t.
package enum RecurrentParameter: Hashable, Sendable {
    case recurrentWeights, inputWeights, bias, hiddenBias
    /// x_t, 1-based.
    case input(Int)
}

extension Matrix {
    /// The float64 blocks (of equal shape) as one rows x (blocks·columns) matrix in `Scalar`: the gates of
    /// a recurrent cell's W or U side by side.
    static func sideBySide(_ blocks: [Matrix<Double>]) -> Matrix {
        let (rows, columns) = (blocks[0].rows, blocks[0].columns)
        var result = Matrix(rows: rows, columns: columns * blocks.count)
        for (g, block) in blocks.enumerated() {
            for i in 0..<rows {
                for j in 0..<columns {
                    result.elements[i * columns * blocks.count + g * columns + j] = Scalar(
                        block.elements[i * columns + j])
                }
            }
        }
        return result
    }
}

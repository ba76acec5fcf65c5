/// A network of any kind as finite differences and tests see it (`makeNetwork`): its parameters, and the
/// loss, gradients, hidden states and measurement they give. `Network` is the one conforming type.
package protocol NetworkAccess<Scalar>: SequenceModel {
    associatedtype Scalar: BLASScalar
    var seed: Int { get }
    var weights: [Matrix<Scalar>] { get }
    var biases: [[Scalar]] { get }
    var hiddenBias: [Scalar] { get }
    var input: Matrix<Scalar> { get }
    var objective: Objective { get }
    var sequence: InputSequence<Scalar>? { get }
    func setBatch(_ x: Matrix<Scalar>, objective: Objective) throws(ShapeError)
    func setWeights(_ w: Matrix<Scalar>, layer: Int) throws(ShapeError)
    func setBiases(_ b: [Scalar], layer: Int) throws(ShapeError)
    func setObjective(_ replacement: Objective) throws(ShapeError)
    func measure() -> RunMeasurement
    func loss() -> Double?
    func hidden(atLayer layer: Int) throws(ShapeError) -> Matrix<Scalar>?
    func loss(hidden h: Matrix<Scalar>, atLayer layer: Int) throws(ShapeError) -> Double?
    func gradients() -> [LayerGradients]?
    func hiddenStates() -> [Matrix<Double>]?
    func jacobian() throws -> JacobianSpectrum?
}

extension Network: NetworkAccess {
    /// Replaces the loss's targets, labels or probe; throws unless it scores outputs of the same shape.
    package func setObjective(_ replacement: Objective) throws(ShapeError) {
        guard replacement.matrix.rows == objective.matrix.rows, replacement.matrix.columns == objective.matrix.columns
        else { throw ShapeError("the objective must be \(objective.matrix.rows) x \(objective.matrix.columns)") }
        objective = replacement
    }

    /// H_1 ... H_L (h_1 ... h_T) of a forward pass from the input, in float64; nil on overflow or NaN.
    package func hiddenStates() -> [Matrix<Double>]? {
        guard forward(from: 0) == .ok else { return nil }
        return hidden.dropFirst().map { $0.converted(to: Double.self) }
    }

    /// The spectrum of one example's input-output Jacobian (`jacobianSpectrum()`) after a forward pass; nil
    /// when it overflows. Throws `ParameterError` where batch statistics couple the examples.
    package func jacobian() throws -> JacobianSpectrum? {
        guard kind.jacobianDefined else {
            throw ParameterError(
                key: "jacobian", message: "one example's Jacobian is not defined through batch statistics")
        }
        guard forward(from: 0) == .ok else { return nil }
        return try jacobianSpectrum()
    }
}

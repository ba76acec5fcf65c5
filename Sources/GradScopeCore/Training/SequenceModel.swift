/// A recurrent network as the sequence trainer sees it: its tied parameter sets, a batch of sequences
/// with an objective, and one forward and backward pass that sums every step's share of each gradient.
/// `Network` conforms, for every recurrent kind.
package protocol SequenceModel: AnyObject {
    associatedtype Scalar: BLASScalar
    var cell: Cell { get }
    /// The parameter sets that training updates, in a fixed order: W, U, b (and the GRU's b_hn).
    var trainedParameters: [RecurrentParameter] { get }
    /// One parameter set's current values, row-major.
    func values(_ parameter: RecurrentParameter) -> [Scalar]
    /// Replaces one parameter set (row-major, same count).
    func set(_ parameter: RecurrentParameter, _ values: [Scalar]) throws(ShapeError)
    /// Replaces x_1 ... x_T (each rows x input_size, any rows) and the objective that scores h_T.
    func setSequence(_ inputs: [Matrix<Scalar>], objective: Objective) throws(ShapeError)
    /// Forward and backward through time on the current sequences.
    func sequencePass(recording: Bool) -> SequencePass<Scalar>
    /// h_T of a forward pass in float64; nil on overflow or NaN.
    func lastHidden() -> Matrix<Double>?
}

/// One forward and backward pass through time on a batch of sequences.
package struct SequencePass<Scalar: BLASScalar> {
    package var status: RunStatus
    package var loss: Double?
    /// h_T, in float64 (what the readout reads).
    package var output = Matrix<Double>(rows: 0, columns: 0)
    /// dLoss/dp of every trained parameter set p: the sum over steps of the steps' shares, at true scale
    /// (terms below the format's range become 0).
    package var gradients: [RecurrentParameter: [Scalar]] = [:]
    /// Step 1 first; empty unless recording.
    package var steps: [LayerMeasurement] = []

    init(status: RunStatus) { self.status = status }
}

/// The sum over steps of rescaled shares: each share is stored times 2^-exponent and added at its true
/// scale, in float64.
struct GradientSum {
    private var sums: [RecurrentParameter: [Double]] = [:]

    /// Adds `share` x 2^exponent to the sum of `parameter`.
    mutating func add<Scalar: BLASScalar>(_ parameter: RecurrentParameter, _ share: [Scalar], exponent: Int) {
        var sum = sums[parameter] ?? [Double](repeating: 0, count: share.count)
        for i in share.indices { sum[i] += Double.scaleNormal(Double(share[i]), exponent) }
        sums[parameter] = sum
    }

    /// The sums in `Scalar`.
    func result<Scalar: BLASScalar>(_: Scalar.Type) -> [RecurrentParameter: [Scalar]] {
        sums.mapValues { $0.map { Scalar($0) } }
    }
}

extension SequenceModel {
    /// The pass's status, loss and h_T after `backward` summed `sum`; steps arrive last first.
    func finish(
        _ backward: (loss: Double, status: RunStatus), _ sum: GradientSum, steps: [LayerMeasurement],
        output: Matrix<Double>
    ) -> SequencePass<Scalar> {
        var pass = SequencePass<Scalar>(status: backward.status)
        guard backward.status == .ok, backward.loss.isFinite else {
            pass.status = backward.status == .ok ? .overflow : backward.status
            return pass
        }
        (pass.loss, pass.output, pass.gradients, pass.steps) = (
            backward.loss, output, sum.result(Scalar.self), steps.reversed()
        )
        return pass
    }

    /// Checks a batch of sequences: T matrices of equal rows (at least one) and input_size columns.
    func checkSequence(_ inputs: [Matrix<Scalar>]) throws(ShapeError) {
        let rows = inputs.first?.rows ?? 0
        guard inputs.count == cell.depth, rows > 0,
            inputs.allSatisfy({ $0.rows == rows && $0.columns == cell.inputFeatures })
        else {
            throw ShapeError(
                "a batch of sequences is \(cell.depth) matrices of equal rows and \(cell.inputFeatures) columns")
        }
    }
}

extension Network: SequenceModel {
    /// W, U, b (and the GRU's b_hn).
    package var trainedParameters: [RecurrentParameter] {
        [.recurrentWeights, .inputWeights, .bias] + (kind.layout.hiddenBias ? [.hiddenBias] : [])
    }

    package func values(_ parameter: RecurrentParameter) -> [Scalar] {
        switch parameter {
        case .recurrentWeights: weights[0].elements
        case .inputWeights: sequence?.weights.elements ?? []
        case .bias: biases[0]
        case .hiddenBias: hiddenBias
        case .input(let t): sequence.map { (1...cell.depth).contains(t) ? $0.inputs[t - 1].elements : [] } ?? []
        }
    }

    /// Replaces one shared parameter set of a recurrent cell, or one step's input (row-major, same count).
    package func set(_ parameter: RecurrentParameter, _ values: [Scalar]) throws(ShapeError) {
        guard var sequence else {
            throw ShapeError("the network of architecture \(cell.architecture) is not recurrent")
        }
        let current = self.values(parameter)
        guard values.count == current.count, !current.isEmpty else {
            throw ShapeError("\(parameter) has \(current.count) entries, got \(values.count)")
        }
        func matrix(like m: Matrix<Scalar>) throws(ShapeError) -> Matrix<Scalar> {
            try Matrix(rows: m.rows, columns: m.columns, elements: values)
        }
        switch parameter {
        case .recurrentWeights: weights = Array(repeating: try matrix(like: weights[0]), count: cell.depth)
        case .bias: biases = Array(repeating: values, count: cell.depth)
        case .hiddenBias: hiddenBias = values
        case .inputWeights:
            sequence.weights = try matrix(like: sequence.weights)
            self.sequence = sequence
        case .input(let t):
            sequence.inputs[t - 1] = try matrix(like: sequence.inputs[t - 1])
            self.sequence = sequence
        }
    }

    package func setSequence(_ inputs: [Matrix<Scalar>], objective: Objective) throws(ShapeError) {
        guard sequence != nil else {
            throw ShapeError("the network of architecture \(cell.architecture) is not recurrent")
        }
        try checkSequence(inputs)
        try setBatch(Matrix(rows: inputs[0].rows, columns: cell.width), objective: objective)  // h_0 = 0
        sequence?.inputs = inputs
    }

    package func sequencePass(recording: Bool) -> SequencePass<Scalar> {
        let forwardStatus = forward(from: 0)
        guard forwardStatus == .ok, sequence != nil else { return SequencePass(status: forwardStatus) }
        var sum = GradientSum(), steps = [LayerMeasurement]()
        let count = biases[0].count
        let result = backward { t, exponent in
            formWeightGradient(t)
            sum.add(.recurrentWeights, weightGradient.elements, exponent: exponent)
            if let share = inputWeightShare(t) { sum.add(.inputWeights, share.elements, exponent: exponent) }
            let biasShares = kind.biasGradient(delta, sums: nil, workspace: workspace)
            sum.add(.bias, Array(biasShares.prefix(count)), exponent: exponent)
            if !hiddenBias.isEmpty { sum.add(.hiddenBias, Array(biasShares.dropFirst(count)), exponent: exponent) }
            if recording {
                steps.append(measureLayer(t, exponent: exponent, weightNorm: ScaledNorm(of: weightGradient.elements)))
            }
        }
        return finish(result, sum, steps: steps, output: hidden[cell.depth].converted(to: Double.self))
    }

    package func lastHidden() -> Matrix<Double>? {
        forward(from: 0) == .ok ? hidden[cell.depth].converted(to: Double.self) : nil
    }
}

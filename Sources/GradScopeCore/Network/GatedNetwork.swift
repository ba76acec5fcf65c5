/// One LSTM or GRU network of a cell, drawn for one seed and unrolled over T = depth steps with its
/// weights tied: the forward pass with one GEMM per step for all gates of h_{t-1} W (and one for x_t U),
/// backpropagation through time, and every step's numbers.
///
/// Exact at any T: the backward state (dh, and dc for the LSTM) is multiplied by one power of two after
/// each step so that the larger of its norms lies in [1, 2), and the step's norms carry that exponent.
/// Common random numbers: gate g's W_g, U_g and b_g come from their own streams (gate 0's are a vanilla
/// rnn's W, U and b), x_t from the rnn's input stream.
package final class GatedNetwork<Scalar: BLASScalar> {
    package let cell: Cell
    package let seed: Int
    let kind: GatedCell
    /// W (width x gates·width) and U (input_size x gates·width), gate blocks side by side.
    package private(set) var recurrentWeights: Matrix<Scalar>
    package private(set) var inputWeights: Matrix<Scalar>
    /// b (gates·width; the LSTM's `forget_bias` is in b_f) and the GRU's b_hn (width; empty for the LSTM).
    package private(set) var bias: [Scalar]
    package private(set) var hiddenBias: [Scalar]
    /// x_1 ... x_T (index t - 1), batch x input_size.
    package private(set) var inputs: [Matrix<Scalar>]
    package private(set) var objective: Objective

    /// h_0 ... h_T and (LSTM) c_0 ... c_T of the last forward pass.
    var hidden: [Matrix<Scalar>] = [], cells: [Matrix<Scalar>] = []
    private var tapes: [GatedStepTape<Scalar>] = []
    private var statistics: [ActivationStatistics] = []

    /// Draws the network of `cell` (architecture `lstm` or `gru`) for `seed`.
    package init(cell: Cell, seed: Int) throws {
        try cell.validate()
        guard let kind = GatedCell(cell.architecture) else {
            throw ParameterError(key: "architecture", message: "\(cell.architecture.rawValue) is not a gated cell")
        }
        (self.cell, self.seed, self.kind) = (cell, seed, kind)
        let (n, k) = (cell.width, cell.inputFeatures)
        let gates = 0..<kind.gates
        recurrentWeights = try Self.sideBySide(
            gates.map { g in
                try cell.initializer.weights(
                    seed: seed, layer: RecurrentStream.recurrentWeights(gate: g), fanIn: n, fanOut: n)
            })
        inputWeights = try Self.sideBySide(
            gates.map { g in
                try cell.inputInitializer.weights(
                    seed: seed, layer: RecurrentStream.inputWeights(gate: g), fanIn: k, fanOut: n)
            })
        func bias(_ gate: Int) -> [Double] {
            RandomStream.bias(seed: seed, stream: RecurrentStream.bias(gate: gate), width: n, std: cell.biasStd)
        }
        var b = gates.flatMap(bias)
        if kind == .lstm { for j in n..<(2 * n) { b[j] += cell.forgetBias } }
        self.bias = b.map { Scalar($0) }
        hiddenBias = kind == .gru ? bias(kind.gates).map { Scalar($0) } : []
        inputs = InputSequence<Scalar>.inputs(cell, seed: seed)
        objective = Objective(loss: cell.loss, seed: seed, batch: cell.batch, width: n, classes: cell.classes)
    }

    /// The float64 blocks as one rows x (blocks·columns) matrix in `Scalar`.
    private static func sideBySide(_ blocks: [Matrix<Double>]) throws -> Matrix<Scalar> {
        let (rows, columns) = (blocks[0].rows, blocks[0].columns)
        var elements = [Scalar](repeating: 0, count: rows * columns * blocks.count)
        for (g, block) in blocks.enumerated() {
            for i in 0..<rows {
                for j in 0..<columns {
                    elements[i * columns * blocks.count + g * columns + j] = Scalar(block.elements[i * columns + j])
                }
            }
        }
        return try Matrix(rows: rows, columns: columns * blocks.count, elements: elements)
    }

    private var width: Int { cell.width }
    /// Sequences in the current batch.
    var batchRows: Int { inputs[0].rows }
    private var gateColumns: Int { kind.gates * cell.width }

    /// Runs steps 1 ... T from h_0 = 0 (c_0 = 0); `overflow` when a pre-activation is not finite.
    func forward() -> RunStatus {
        let (b, n, steps) = (batchRows, width, cell.depth)
        let zero = Matrix<Scalar>(rows: b, columns: n)
        hidden = [zero]
        cells = kind == .lstm ? [zero] : []
        tapes = []
        statistics = []
        var x = Matrix<Scalar>(rows: b, columns: gateColumns), a = x
        for t in 1...steps {
            Scalar.gemm(inputs[t - 1], transposeA: false, inputWeights, transposeB: false, into: &x, alpha: 1, beta: 0)
            Kernels.addBias(bias, to: &x.elements, columns: gateColumns)
            var tape = GatedStepTape(gates: Matrix<Scalar>(rows: b, columns: gateColumns), auxiliary: zero)
            var h = zero
            let saturated: Double
            switch kind {
            case .lstm:
                Scalar.gemm(
                    hidden[t - 1], transposeA: false, recurrentWeights, transposeB: false, into: &x, alpha: 1, beta: 1)
                guard InRangeProduct.maxMagnitude(x.elements).isFinite else { return .overflow }
                var c = zero
                saturated = GatedKernels.lstmForward(x, previousCell: cells[t - 1], tape: &tape, cell: &c, hidden: &h)
                cells.append(c)
            case .gru:
                Scalar.gemm(
                    hidden[t - 1], transposeA: false, recurrentWeights, transposeB: false, into: &a, alpha: 1, beta: 0)
                guard InRangeProduct.maxMagnitude(x.elements).isFinite, InRangeProduct.maxMagnitude(a.elements).isFinite
                else { return .overflow }
                saturated = GatedKernels.gruForward(
                    input: x, recurrent: a, hiddenBias: hiddenBias, previous: hidden[t - 1], tape: &tape, hidden: &h)
            }
            statistics.append(Self.stepStatistics(h, saturated: saturated))
            hidden.append(h)
            tapes.append(tape)
        }
        return .ok
    }

    /// Mean and population std of h_t's entries, with the saturated fraction of the step's gates.
    private static func stepStatistics(_ h: Matrix<Scalar>, saturated: Double) -> ActivationStatistics {
        let count = Double(h.elements.count)
        let mean = h.elements.reduce(0.0) { $0 + Double($1) } / count
        let variance = h.elements.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / count
        return ActivationStatistics(mean: mean, std: variance.squareRoot(), saturatedFraction: saturated)
    }

    /// One step's backward signals: dP or dX (the gates' pre-activations), dA (what W sees), dh_t and
    /// (LSTM) the total dc_t, all times 2^-exponent.
    struct StepSignals {
        var delta: Matrix<Scalar>
        var recurrentDelta: Matrix<Scalar>
        var hidden: Matrix<Scalar>
        var cell: Matrix<Scalar>
        var exponent: Int
    }

    /// Step t's shares of dLoss/dW, dLoss/db, dLoss/db_hn and dLoss/dx_t, times 2^-exponent.
    struct StepShares {
        var weights: Matrix<Scalar>
        var biases: [Scalar]
        var hiddenBias: [Scalar]
        var input: Matrix<Scalar>
    }

    /// Backpropagation through time after `forward()`; `visit(t, signals)` sees every step from T down to 1.
    func backward(_ visit: (Int, StepSignals) -> Void) -> (loss: Double, status: RunStatus) {
        let (b, n) = (batchRows, width)
        var (loss, outputGradient) = objective.evaluate(output: hidden[cell.depth].converted(to: Double.self))
        var (exponent, _, status) = Kernels.normalize(&outputGradient.elements)
        guard status == .ok, loss.isFinite else { return (loss, status == .ok ? .overflow : status) }
        var dh = outputGradient.converted(to: Scalar.self)
        var dc = Matrix<Scalar>(rows: b, columns: n), totalCell = dc, direct = dc
        var delta = Matrix<Scalar>(rows: b, columns: gateColumns), recurrentDelta = delta
        for t in stride(from: cell.depth, through: 1, by: -1) {
            switch kind {
            case .lstm:
                GatedKernels.lstmBackward(
                    hiddenGradient: dh, cellGradient: &dc, totalCell: &totalCell, tape: tapes[t - 1],
                    previousCell: cells[t - 1], delta: &delta)
            case .gru:
                GatedKernels.gruBackward(
                    hiddenGradient: dh, tape: tapes[t - 1], previous: hidden[t - 1], delta: &delta,
                    recurrentDelta: &recurrentDelta, direct: &direct)
            }
            let weightSide = kind == .lstm ? delta : recurrentDelta  // what W sees: dP for the LSTM
            visit(
                t,
                StepSignals(delta: delta, recurrentDelta: weightSide, hidden: dh, cell: totalCell, exponent: exponent))
            guard t > 1 else { break }
            Scalar.gemm(
                weightSide, transposeA: false, recurrentWeights, transposeB: true, into: &dh, alpha: 1,
                beta: 0)
            if kind == .gru { Kernels.add(direct.elements, to: &dh.elements) }
            let shift: Int
            (shift, status) = Self.normalizeJointly(&dh, &dc)
            guard status == .ok else { return (loss, status) }
            exponent += shift
        }
        return (loss, .ok)
    }

    /// Scales a and b by the power of two 2^-k that brings the larger of their norms into [1, 2); returns k.
    private static func normalizeJointly(_ a: inout Matrix<Scalar>, _ b: inout Matrix<Scalar>) -> (Int, RunStatus) {
        let norms = [ScaledNorm(of: a.elements), ScaledNorm(of: b.elements)]
        if let bad = norms.first(where: { $0.status != .ok }) { return (0, bad.status) }
        let exponents = norms.filter { $0.significand > 0 }.map { $0.exponent + Int($0.significand.exponent) }
        guard let k = exponents.max() else { return (0, .ok) }
        Kernels.scaleByPowerOfTwo(&a.elements, -k)
        Kernels.scaleByPowerOfTwo(&b.elements, -k)
        return (k, .ok)
    }

    /// Step t's numbers from its backward signals: ||h_{t-1}^T dA||, ||db_t||, ||dP||, ||dh_t||, ||dx_t||
    /// = ||dX U^T|| and (LSTM) ||dc_t||.
    func measureStep(_ t: Int, _ s: StepSignals, _ shares: StepShares) -> LayerMeasurement {
        func norm(_ values: [Scalar]) -> ScaledNorm { ScaledNorm(of: values).scaled(byPowerOfTwo: s.exponent) }
        return LayerMeasurement(
            gradW: norm(shares.weights.elements), gradB: norm(shares.biases + shares.hiddenBias),
            gradZ: norm(s.delta.elements), gradH: norm(s.hidden.elements), activations: statistics[t - 1],
            perExample: perExampleQuantiles(t, s), gradX: norm(shares.input.elements),
            gradC: kind == .lstm ? norm(s.cell.elements) : nil)
    }

    /// The quantiles 10, 50, 90% over the batch of each example's share of step t's (dW, db), at true scale:
    /// LSTM ||dP_b|| sqrt(||h_{t-1,b}||^2 + 1); GRU sqrt(||dA_b||^2 ||h_{t-1,b}||^2 + ||dX_b||^2 + ||dA_{n,b}||^2)
    /// (W sees dA; b sees dX and b_hn the candidate's part of dA), from row norms only.
    func perExampleQuantiles(_ t: Int, _ s: StepSignals) -> [ScaledNorm] {
        let previous = Kernels.rowSquares(hidden[t - 1].elements, columns: width)
        let weightSide = Kernels.rowSquares(s.recurrentDelta.elements, columns: gateColumns)
        var shares = zip(weightSide, previous).map { $0 * ($1 + (kind == .lstm ? 1 : 0)) }
        if kind == .gru {
            let inputSide = Kernels.rowSquares(s.delta.elements, columns: gateColumns)
            for b in shares.indices {
                var candidate = 0.0
                for j in (2 * width)..<gateColumns {
                    let v = Double(s.recurrentDelta.elements[b * gateColumns + j])
                    candidate += v * v
                }
                shares[b] += inputSide[b] + candidate
            }
        }
        let sorted = shares.map { $0.squareRoot() }.sorted()
        return PerExampleQuantile.allCases.map {
            ScaledNorm(significand: Quantile.of(sorted: sorted, $0.fraction)).scaled(byPowerOfTwo: s.exponent)
        }
    }

    /// Step t's shares of dLoss/dW, dLoss/db and dLoss/db_hn, and dLoss/dx_t, times 2^-exponent: what its
    /// norms read (dLoss/dU's share, which no column reports, is `inputWeightShare`).
    func shares(_ t: Int, _ s: StepSignals) -> StepShares {
        var weights = Matrix<Scalar>(rows: width, columns: gateColumns)
        Scalar.gemm(
            hidden[t - 1], transposeA: true, s.recurrentDelta, transposeB: false, into: &weights, alpha: 1, beta: 0)
        var input = Matrix<Scalar>(rows: s.delta.rows, columns: inputWeights.rows)
        Scalar.gemm(s.delta, transposeA: false, inputWeights, transposeB: true, into: &input, alpha: 1, beta: 0)
        let sums = s.delta.columnSums.map { Scalar($0) }
        let hiddenBias =
            kind == .gru ? Array(s.recurrentDelta.columnSums.suffix(width)).map { Scalar($0) } : [Scalar]()
        return StepShares(weights: weights, biases: sums, hiddenBias: hiddenBias, input: input)
    }

    /// Step t's share x_t^T dX of dLoss/dU, times 2^-exponent.
    func inputWeightShare(_ t: Int, _ s: StepSignals) -> Matrix<Scalar> {
        var share = Matrix<Scalar>(rows: inputWeights.rows, columns: gateColumns)
        Scalar.gemm(inputs[t - 1], transposeA: true, s.delta, transposeB: false, into: &share, alpha: 1, beta: 0)
        return share
    }

    /// Runs the forward and backward pass and records every step's numbers.
    package func measure() -> RunMeasurement {
        let forwardStatus = forward()
        guard forwardStatus == .ok else { return RunMeasurement(status: forwardStatus, loss: nil, layers: []) }
        var steps = [LayerMeasurement]()
        let (loss, status) = backward { t, signals in steps.append(measureStep(t, signals, shares(t, signals))) }
        return RunMeasurement.folding(status: status, loss: loss, measuredBackward: steps)
    }

    /// The loss of a forward pass; nil on overflow.
    package func loss() -> Double? {
        guard forward() == .ok else { return nil }
        return objective.evaluate(output: hidden[cell.depth].converted(to: Double.self)).loss
    }

    /// h_1 ... h_T of a forward pass, in float64; nil on overflow.
    package func hiddenStates() -> [Matrix<Double>]? {
        guard forward() == .ok else { return nil }
        return hidden.dropFirst().map { $0.converted(to: Double.self) }
    }

    /// Replaces the sequences x_1 ... x_T and the objective (the caller checked their shapes).
    func replaceSequence(_ x: [Matrix<Scalar>], objective: Objective) { (inputs, self.objective) = (x, objective) }

    /// Replaces the loss's targets, labels or probe (for a case written out elsewhere); throws unless the
    /// objective scores batch x width outputs.
    package func setObjective(_ replacement: Objective) throws(ShapeError) {
        guard replacement.matrix.rows == objective.matrix.rows, replacement.matrix.columns == objective.matrix.columns
        else { throw ShapeError("the objective must be \(objective.matrix.rows) x \(objective.matrix.columns)") }
        objective = replacement
    }

    /// Every step's shares of the parameter gradients and dLoss/dx_t, dLoss/dh_t at their true scale in
    /// float64 (step 1 first); nil on overflow.
    package func gradients() -> [GatedGradients]? {
        guard forward() == .ok else { return nil }
        var result = [GatedGradients]()
        let (_, status) = backward { t, s in
            let shares = shares(t, s)
            func unscaled(_ values: [Scalar]) -> [Double] { values.map { Double.scaleNormal(Double($0), s.exponent) } }
            result.append(
                GatedGradients(
                    weights: unscaled(shares.weights.elements),
                    inputWeights: unscaled(inputWeightShare(t, s).elements),
                    biases: unscaled(shares.biases), hiddenBias: unscaled(shares.hiddenBias),
                    input: unscaled(shares.input.elements), hidden: unscaled(s.hidden.elements)))
        }
        return status == .ok ? result.reversed() : nil
    }

    /// Replaces one parameter set (for finite differences): W, U, b, b_hn or x_t (row-major entries).
    package func set(_ parameter: RecurrentParameter, _ values: [Scalar]) throws(ShapeError) {
        func replace(_ m: inout Matrix<Scalar>) throws(ShapeError) {
            guard values.count == m.elements.count else {
                throw ShapeError("\(parameter) has \(m.elements.count) entries")
            }
            m = try Matrix(rows: m.rows, columns: m.columns, elements: values)
        }
        switch parameter {
        case .recurrentWeights: try replace(&recurrentWeights)
        case .inputWeights: try replace(&inputWeights)
        case .input(let t): try replace(&inputs[t - 1])
        case .bias, .hiddenBias:
            let current = parameter == .bias ? bias : hiddenBias
            guard values.count == current.count else { throw ShapeError("\(parameter) has \(current.count) entries") }
            if parameter == .bias { bias = values } else { hiddenBias = values }
        }
    }

    /// The current values of one parameter set, row-major.
    package func values(_ parameter: RecurrentParameter) -> [Scalar] {
        switch parameter {
        case .recurrentWeights: recurrentWeights.elements
        case .inputWeights: inputWeights.elements
        case .input(let t): inputs[t - 1].elements
        case .bias: bias
        case .hiddenBias: hiddenBias
        }
    }
}

/// One step's shares of dLoss/dW, dLoss/dU, dLoss/db and dLoss/db_hn (their sums over steps are the
/// gradients), and dLoss/dx_t and dLoss/dh_t, in float64, row-major.
package struct GatedGradients: Sendable {
    package var weights, inputWeights, biases, hiddenBias, input, hidden: [Double]
}

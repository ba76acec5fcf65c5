/// One network of a cell, drawn for one seed: `depth` layers (or recurrent steps) of one `LayerKind`,
/// with every buffer of its forward and backward pass allocated once and reused across layers.
/// Forward: H_l = layer_l(H_{l-1}; W_l, b_l (, x_l U)). Backward: see `backward`.
///
/// The engine of every kind: it owns the parameters, the buffers and the pool, the exact rescaling of
/// the backward pass, the measurement, the Jacobian and finite-difference access; the kind owns the
/// mathematics of one layer.
package final class Network<Kind: LayerKind> {
    package typealias Scalar = Kind.Scalar
    /// The cell this network realises.
    package let cell: Cell
    /// The seed its random numbers were drawn from.
    package let seed: Int
    /// The kind of every layer.
    let kind: Kind
    /// The features of one example's H_l (width for dense kinds), the columns of every activation buffer.
    let features: Int
    /// The features of one example's input H_0 (`input_size`, or c_0 n^2; `features` unless set).
    let inputFeatures: Int
    /// W_1 ... W_L (index l - 1), each width x gates·width; a recurrent cell's one W repeated (shared storage).
    package internal(set) var weights: [Matrix<Scalar>] { didSet { invalidateForward() } }
    /// b_1 ... b_L (index l - 1), each of gates·width entries (shared by the steps of a recurrent cell).
    package internal(set) var biases: [[Scalar]] { didSet { invalidateForward() } }
    /// GRU: the candidate's recurrent bias b_hn (width); empty for every other kind.
    package internal(set) var hiddenBias: [Scalar] { didSet { invalidateForward() } }
    /// The input batch X = H_0 (batch x width; `setBatch` may change it and its row count).
    package private(set) var input: Matrix<Scalar>
    /// The loss and its targets.
    package internal(set) var objective: Objective
    /// Recurrent cells: the inputs x_1 ... x_T and the input weights U; nil for feedforward networks.
    package internal(set) var sequence: InputSequence<Scalar>? { didSet { invalidateForward() } }

    /// H_0 ... H_L (the residual stream for residual networks, h_t for recurrent cells).
    var hidden: [Matrix<Scalar>]
    /// What each layer's forward pass saved for the backward pass (index l - 1).
    var tapes: [Kind.Tape]
    /// The kind's own buffers.
    var workspace: Kind.Workspace
    /// Scratch: Z_l in the forward pass; G_{l-1} in the backward pass.
    var scratch: Matrix<Scalar>
    /// The backward signals G_l and D_l, and dW_l, rescaled as described in `backward`.
    var gradient: Matrix<Scalar>
    /// ||gradient|| as stored (the true ||G_l|| times 2^-exponent).
    var gradientNorm = ScaledNorm(significand: 0)
    var delta: Matrix<Scalar>
    /// D_l's row sums of squares and column sums when the kind computed them with D_l (see `LayerKind.delta`).
    var deltaSums: RowAndColumnSums?
    /// dW_l, allocated on first use (float32, or batch >= width).
    var weightGradient = Matrix<Scalar>(rows: 0, columns: 0)
    /// Recurrent cells: dLoss/dx_t (rescaled like `delta`), batch x input_size, allocated on first use.
    var inputGradient = Matrix<Scalar>(rows: 0, columns: 0)
    /// Training: dW_1 ... dW_L of the last minibatch pass at their true scale (index l - 1), kept across steps.
    var weightGradients = [Matrix<Scalar>]()
    /// Gram matrices of the layer input's and of D_l's rows (batch x batch), for ||dW_l|| when batch < width.
    var inputGram = Matrix<Scalar>(rows: 0, columns: 0)
    var deltaGram = Matrix<Scalar>(rows: 0, columns: 0)
    /// Where the per-example buffers come from and go back to (the thread's `WeightCache`), if anywhere.
    private let pool: BufferPool<Scalar>?
    /// The tapes' pooled arrays: a closure formed in `init`, where the code is specialised for the kind, so
    /// that `deinit` (which Swift compiles generically) does not walk the tapes through generic metadata.
    private let pooledArrays: ([Kind.Tape]) -> [[Scalar]]
    /// Whether the forward pass records each layer's pair correlation (`PairCorrelation`); training turns it off.
    package var recordsCorrelations = true
    /// The float64 copy of a float32 Z_l that the pair correlation reads, reused from layer to layer.
    var correlationCopy = [Double]()
    /// Whether the network is still as drawn: no weights, biases, batch or hidden layer replaced.
    private var pristine = true
    /// Layers 1 ... forwardDepth of `hidden` and `tapes` hold the forward pass of
    /// the current input and weights (a pass taken over from a deeper network may reach past L); 0 after any change.
    var forwardDepth = 0

    /// Draws the network of `cell` for `seed`: weights (from `cache` when it holds
    /// them), biases, input and loss. Throws `ParameterError` for an invalid cell,
    /// `LAPACKError` if `orthogonal` fails.
    package init(cell: Cell, seed: Int, cache: WeightCache? = nil) throws {
        try cell.validate()
        (self.cell, self.seed) = (cell, seed)
        kind = Kind(cell)
        features = kind.featureShape(cell).count
        inputFeatures = kind.inputShape(cell).count
        let layout = kind.layout
        let (n, batch, depth) = (cell.width, cell.batch, cell.depth)
        pool = cache?.buffers(Scalar.self)
        pooledArrays = { tapes in tapes.flatMap(\.pooled) }
        let drawn = try (cache ?? WeightCache()).weights(
            for: cell, seed: seed, layout: layout, shape: kind.weightShape(cell),
            firstShape: kind.firstWeightShape(cell))
        func bias(_ stream: Int) -> [Double] {
            RandomStream.bias(seed: seed, stream: stream, width: n, std: cell.biasStd)
        }
        if layout.recurrent {
            // W, U and b shared by the steps (the arrays share one storage); h_0 = 0 is the input
            let gates = 0..<layout.gates
            weights = Array(repeating: .sideBySide(drawn), count: depth)
            let drawnBias = kind.initialBias(gates.flatMap { bias(RecurrentStream.bias(gate: $0)) })
            biases = Array(repeating: drawnBias.map { Scalar($0) }, count: depth)
            hiddenBias = layout.hiddenBias ? bias(RecurrentStream.bias(gate: layout.gates)).map { Scalar($0) } : []
            input = Matrix(rows: batch, columns: n, repeating: 0)
            sequence = try InputSequence(cell, seed: seed, gates: layout.gates)
        } else {
            weights = drawn as? [Matrix<Scalar>] ?? drawn.map { $0.converted(to: Scalar.self) }
            biases = (1...depth).map { bias($0).map { Scalar($0) } }
            hiddenBias = []
            input = Matrix(rows: 0, columns: 0)
        }
        objective = Objective(
            loss: cell.loss, seed: seed, batch: batch, shape: kind.featureShape(cell), classes: cell.classes,
            readoutVariance: cell.readoutVarianceScale)
        if let images = try cell.input.inputs(size: cell.mapSize) {
            // the first `batch` images of the seed's shuffle, and their labels for cross_entropy
            let indices = Array(images.shuffledTraining(seed: seed).prefix(batch))
            input = images.batch(
                images.data.train, indices: indices, inputStd: cell.inputStd, shape: kind.inputShape(cell)
            ).converted(to: Scalar.self)
            if cell.loss == .crossEntropy {
                objective = Objective(
                    loss: .crossEntropy, matrix: objective.matrix, labels: indices.map { images.data.train.labels[$0] })
            }
        } else if !layout.recurrent {
            input = Self.correlatedInput(cell, features: inputFeatures, seed: seed).converted(to: Scalar.self)
        }
        let empty = Matrix<Scalar>(rows: 0, columns: 0)
        (hidden, tapes, scratch, gradient, delta) = ([], [], empty, empty, empty)
        workspace = kind.makeWorkspace(rows: batch, features: features)
        if let pass = pool?.takeForward(ForwardPass.Key(cell, seed: seed), depth: depth),
            let passTapes = pass.tapes as? [Kind.Tape]
        {
            (hidden, tapes, forwardDepth) = (pass.hidden, passTapes, pass.depth)
            hidden[0] = input
            (scratch, gradient, delta) = (buffer(rows: batch), buffer(rows: batch), deltaBuffer(rows: batch))
        } else {
            allocateBuffers(rows: batch)
        }
    }

    deinit { releaseBuffers() }

    /// X = H_0: rows e_b ~ N(0, input_std^2) of `features` entries (depending only on seed, features, batch,
    /// input_std), mixed with one shared row s ~ N(0, input_std^2) as x_b = sqrt(c0) s + sqrt(1 - c0) e_b
    /// when c0 = `input_correlation` > 0, so that every pair of rows has correlation c0 in expectation.
    static func correlatedInput(_ cell: Cell, features n: Int, seed: Int) -> Matrix<Double> {
        let (batch, c0) = (cell.batch, cell.inputCorrelation)
        var x = Objective.gaussian(seed: seed, purpose: "input", rows: batch, columns: n, std: cell.inputStd)
        guard c0 > 0 else { return x }
        let shared = RandomStream(seed: seed, purpose: "input.shared", n).normal(count: n, scale: cell.inputStd)
        let (a, c) = (c0.squareRoot(), (1 - c0).squareRoot())
        for i in x.elements.indices { x.elements[i] = a * shared[i % n] + c * x.elements[i] }
        return x
    }

    /// (Re)allocates every per-example buffer for batches of `rows` examples, each its own
    /// array (from the pool when it has them), so that no write has to copy a shared one first.
    private func allocateBuffers(rows: Int) {
        releaseBuffers()
        let buffers = { (n: Int) in (0..<n).map { _ in self.buffer(rows: rows) } }
        hidden = [input] + buffers(cell.depth)
        tapes = (0..<cell.depth).map { _ in kind.makeTape(rows: rows, features: features) { self.buffer(rows: rows) } }
        (scratch, gradient, delta) = (buffer(rows: rows), buffer(rows: rows), deltaBuffer(rows: rows))
        workspace = kind.makeWorkspace(rows: rows, features: features)
    }

    /// A rows x features matrix from the pool (contents unspecified) or newly allocated.
    private func buffer(rows: Int) -> Matrix<Scalar> {
        let count = rows * features
        return Matrix(
            rows: rows, columns: features, exactly: pool?.take(count: count) ?? [Scalar](repeating: 0, count: count))
    }

    /// D_l's buffer: rows x gates·features (from the pool when it is rows x features).
    private func deltaBuffer(rows: Int) -> Matrix<Scalar> {
        kind.layout.gates == 1 ? buffer(rows: rows) : Matrix(rows: rows, columns: kind.layout.gates * features)
    }

    /// Hands the per-example buffers (not the input) back to the pool: a complete forward pass
    /// from the drawn input as such, for the next network that can take it over.
    private func releaseBuffers() {
        guard let pool else { return }
        pool.give([scratch, gradient, delta].map(\.elements).filter { $0.count == scratch.elements.count })
        if pristine, forwardDepth > 0 {
            let (tapes, pooledArrays) = (tapes, pooledArrays)
            pool.keep(
                ForwardPass(
                    key: ForwardPass.Key(cell, seed: seed), depth: forwardDepth, hidden: hidden, tapes: tapes,
                    pooled: { pooledArrays(tapes) }))
        } else {
            pool.give(hidden.dropFirst().map(\.elements) + pooledArrays(tapes))
        }
        (hidden, tapes) = ([], [])
        forwardDepth = 0
    }

    /// Marks the network as changed since it was drawn: its forward pass is no longer one to share.
    private func invalidateForward() {
        pristine = false
        forwardDepth = 0
    }

    /// Replaces the input batch and the objective that scores it (any number of rows, one per example of
    /// `features` columns), for training on minibatches and evaluating on held-out examples.
    package func setBatch(_ x: Matrix<Scalar>, objective: Objective) throws(ShapeError) {
        guard x.columns == inputFeatures, x.rows > 0 else {
            throw ShapeError(
                "a batch must have \(inputFeatures) columns and at least one row, got \(x.rows) x \(x.columns)")
        }
        invalidateForward()
        let resize = x.rows != input.rows
        input = x
        self.objective = objective
        if resize { allocateBuffers(rows: x.rows) } else { hidden[0] = x }
    }

    /// Examples in the current batch.
    var batchRows: Int { input.rows }

    /// Replaces W_l (1-based); throws unless the shape is that of the drawn W_l.
    package func setWeights(_ w: Matrix<Scalar>, layer: Int) throws(ShapeError) {
        try checkLayer(layer)
        let shape = weights[layer - 1]
        guard w.hasShape(of: shape) else {
            throw ShapeError("W_\(layer) must be \(shape.rows) x \(shape.columns), got \(w.rows) x \(w.columns)")
        }
        weights[layer - 1] = w
    }

    /// Replaces b_l (1-based); throws unless it has as many entries as the drawn b_l.
    package func setBiases(_ b: [Scalar], layer: Int) throws(ShapeError) {
        try checkLayer(layer)
        let count = biases[layer - 1].count
        guard b.count == count else { throw ShapeError("b_\(layer) must have \(count) entries, got \(b.count)") }
        biases[layer - 1] = b
    }

    /// The loss of a forward pass from the input; nil if it overflowed or gave NaN.
    package func loss() -> Double? {
        guard forward(from: 0) == .ok else { return nil }
        return objective.evaluate(output: hidden[cell.depth].converted(to: Double.self)).loss
    }

    /// H_l (l in 0...L) of a forward pass from the input; nil on overflow or NaN.
    package func hidden(atLayer layer: Int) throws(ShapeError) -> Matrix<Scalar>? {
        guard (0...cell.depth).contains(layer) else { throw ShapeError("layer \(layer) outside 0...\(cell.depth)") }
        return forward(from: 0) == .ok ? hidden[layer] : nil
    }

    /// The loss of a forward pass that starts from H_l = `h` (l in 0...L); nil on overflow or NaN.
    package func loss(hidden h: Matrix<Scalar>, atLayer layer: Int) throws(ShapeError) -> Double? {
        guard (0...cell.depth).contains(layer) else { throw ShapeError("layer \(layer) outside 0...\(cell.depth)") }
        guard h.hasShape(of: hidden[layer]) else {
            throw ShapeError(
                "H_\(layer) must be \(batchRows) x \(hidden[layer].columns), got \(h.rows) x \(h.columns)")
        }
        invalidateForward()
        hidden[layer] = h
        defer { hidden[0] = input }
        guard forward(from: layer) == .ok else { return nil }
        return objective.evaluate(output: hidden[cell.depth].converted(to: Double.self)).loss
    }

    private func checkLayer(_ layer: Int) throws(ShapeError) {
        guard (1...cell.depth).contains(layer) else { throw ShapeError("layer \(layer) outside 1...\(cell.depth)") }
    }
}

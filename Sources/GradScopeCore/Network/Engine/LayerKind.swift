/// A kind of layer (or recurrent step): the one declaration that a new kind writes. It says which
/// parameter sets a layer has (`layout`), what one layer saves (`Tape`) and what a pass reuses
/// (`Workspace`), forward, backward (D_l = dLoss/dZ_l from G_l = dLoss/dH_l, then G_{l-1}), what
/// the measurement reads, and its Jacobian step.
///
/// `Network` owns everything else, the same for every kind: buffers and the pool, the exact
/// power-of-two rescaling of the backward pass with its in-range recomputation, the measurement
/// (norms, activation statistics, per-example quantiles, pair correlations), the weight cache, the
/// Jacobian, finite-difference access and training. A kind is chosen once per cell, with the precision
/// (`Cell.openKind`), so that the engine is specialised for it.
package protocol LayerKind: Sendable {
    associatedtype Scalar: BLASScalar
    /// What one layer saves in its forward pass for its backward pass.
    associatedtype Tape: LayerTape<Scalar>
    /// The kind's own buffers, reused across the layers of a pass.
    associatedtype Workspace: LayerWorkspace<Scalar>

    /// The kind of every layer of `cell`.
    init(_ cell: Cell)
    /// The parameter sets of one layer.
    var layout: ParameterLayout { get }
    /// The optional cell keys the kind reads (`CellOption`).
    var options: Set<CellOption> { get }
    /// The mean-field recursion of its layers; nil where gradscope has no theory.
    var meanField: MeanFieldForm? { get }
    /// The batch x features matrices one layer keeps for its backward pass and the next layer (what
    /// `validate`'s memory estimate counts per layer).
    var savedStates: Int { get }
    /// The kind's own checks of a cell, beyond every cell's (`Cell.validate`).
    func validate(_ cell: Cell) throws(ParameterError)
    /// b as drawn (gates side by side, in float64) -> b as the network starts with it.
    func initialBias(_ drawn: [Double]) -> [Double]

    /// The shape of one example's activation H_l (every layer's; dense kinds: `width` channels of 1 x 1).
    func featureShape(_ cell: Cell) -> FeatureShape
    /// The shape of one gate block of W_l (rows x columns) and the fans its initialiser reads.
    func weightShape(_ cell: Cell) -> WeightShape
    /// The shape of one example's input H_0 (`input_size` features, or c_0 channels), what layer 1 reads.
    func inputShape(_ cell: Cell) -> FeatureShape
    /// The shape of W_1, which reads H_0.
    func firstWeightShape(_ cell: Cell) -> WeightShape

    /// One layer's tape for batches of `rows` examples of `features` each; `buffer()` gives a rows x features
    /// matrix from the pool.
    func makeTape(rows: Int, features: Int, buffer: () -> Matrix<Scalar>) -> Tape
    /// The kind's workspace for batches of `rows` examples of `features` each.
    func makeWorkspace(rows: Int, features: Int) -> Workspace

    /// H_l into `output` from H_{l-1} = `input` (and the layer below's tape, `previous`), filling `tape`;
    /// `scratch` (rows x features) is workspace. A non-finite product of finite factors is recomputed in range
    /// before it counts as an overflow.
    func forward(
        _ input: Matrix<Scalar>, _ map: AffineMap<Scalar>, previous: Tape?, tape: inout Tape,
        workspace: inout Workspace, scratch: inout Matrix<Scalar>, output: inout Matrix<Scalar>
    ) -> RunStatus
    /// The rows whose pair correlation the layer records, after `forward`.
    func correlationRows(input: Matrix<Scalar>, scratch: Matrix<Scalar>, output: Matrix<Scalar>) -> Matrix<Scalar>

    /// D_l from G_l into `delta` (and the kind's other backward signals into `workspace`); with D_l's row
    /// sums of squares and column sums when the kind had them from the same pass (nil: the engine sums).
    func delta(
        gradient: Matrix<Scalar>, input: Matrix<Scalar>, tape: Tape, previous: Tape?, workspace: inout Workspace,
        into delta: inout Matrix<Scalar>
    ) -> RowAndColumnSums?
    /// G_{l-1} into `out`, linear in D_l, G_l and the workspace's backward signals together, so that scaling
    /// them all by a power of two (`scalePropagation`) scales the result by it.
    func propagate(
        delta: Matrix<Scalar>, gradient: Matrix<Scalar>, weights: Matrix<Scalar>, tape: Tape, workspace: Workspace,
        into out: inout Matrix<Scalar>)
    /// The largest magnitudes of what `propagate` reads besides W (0 for what it does not read).
    func propagationMagnitudes(delta: Matrix<Scalar>, gradient: Matrix<Scalar>, workspace: Workspace) -> [Double]
    /// Multiplies what `propagate` reads, and the carried backward state, by 2^n.
    func scalePropagation(
        delta: inout Matrix<Scalar>, gradient: inout Matrix<Scalar>, workspace: inout Workspace, byPowerOfTwo n: Int)
    /// The bits beyond max|inputs| max|W| that `propagate`'s partial sums may need.
    var propagationHeadroom: Int { get }

    /// The input of W_l, whose rows' outer products with `weightDelta`'s rows sum to dW_l.
    func weightInput(_ input: Matrix<Scalar>, tape: Tape) -> Matrix<Scalar>
    /// dW_l = (weight input)^T (weight delta) -> dW_l in W_l's row order (a convolution's patches are tap-major).
    func weightGradientOrder(_ dW: inout Matrix<Scalar>)
    /// What W_l sees: D_l itself, or (GRU) the recurrent part dA.
    func weightDelta(_ delta: Matrix<Scalar>, workspace: Workspace) -> Matrix<Scalar>
    /// dLoss/db_l x 2^-exponent, every bias set of the layer side by side (`sums`: D_l's, when the kind had them).
    func biasGradient(_ delta: Matrix<Scalar>, sums: RowAndColumnSums?, workspace: Workspace) -> [Double]
    /// Each example's squared share ||(dLoss_b/dW_l, dLoss_b/db_l)||^2 x 4^-exponent from the weight input and
    /// weight delta, where their rows are not examples (a convolution's are positions), with dW_l x 2^-exponent
    /// (the sum of the shares) formed into `weightGradient` on the way; nil: the engine forms both.
    func perExampleShareSquares(
        weightInput: Matrix<Scalar>, weightDelta: Matrix<Scalar>, weightGradient: inout Matrix<Scalar>
    ) -> [Double]?
    /// Each example's squared share of the biases' gradient beyond `weightDelta`'s rows; nil when the bias
    /// sees exactly `weightDelta` (then the share is ||d_b||^2 (||x_b||^2 + 1)).
    func perExampleBiasSquares(_ delta: Matrix<Scalar>, workspace: Workspace) -> [Double]?
    /// LSTM: the cell state's gradient dLoss/dc_l x 2^-exponent; nil for kinds without one.
    func cellStateGradient(_ workspace: Workspace) -> Matrix<Scalar>?
    /// Whether b_l reaches the loss at all (a batch normalisation right after it removes it).
    var biasReachesLoss: Bool { get }
    /// Whether each example's gradient is its own (no batch statistics couple the examples).
    var examplesIndependent: Bool { get }
    /// Whether ||dW_l|| may come from two batch x batch Gram matrices when batch < width (float64).
    var weightNormFromGram: Bool { get }

    /// The columns of the state whose Jacobian the network chains: the features, or (LSTM) h and c side by side.
    func stateColumns(features: Int) -> Int
    /// Whether one example's Jacobian is defined (it is not through batch statistics).
    var jacobianDefined: Bool { get }
    /// product = product J_l for the batch's first example (row vectors: rows are tangent directions of
    /// H_0, columns the state's); `next` is workspace.
    func jacobianStep(
        _ product: inout Matrix<Double>, next: inout Matrix<Double>, weights: Matrix<Double>, tape: Tape,
        previous: Tape?, input: Matrix<Scalar>)
}

/// The shape of one example's activation: channels x height x width, stored channel-major (c, y, x) in
/// one row of a batch x features matrix.
package struct FeatureShape: Hashable, Sendable {
    package var channels: Int
    package var height = 1
    package var width = 1

    package init(channels: Int, height: Int = 1, width: Int = 1) {
        (self.channels, self.height, self.width) = (channels, height, width)
    }

    /// channels x height x width, the columns of a layer's batch x features matrix.
    package var count: Int { channels * height * width }
}

/// The shape of one gate block of a layer's weight matrix (rows = what one output reads, columns = outputs),
/// and the fan-in and fan-out its initialiser scales by.
package struct WeightShape: Hashable, Sendable {
    package var rows: Int
    package var columns: Int
    package var fanIn: Int
    package var fanOut: Int
    /// A convolution's taps per input channel, k^2 (rows = c_in k^2, ordered (channel, tap)); 1 for dense.
    package var taps = 1
}

/// Which parameter sets one layer has, and whether they are shared by every layer.
package struct ParameterLayout: Hashable, Sendable {
    /// Gates per unit: W's, U's and b's columns are gates x width.
    package var gates = 1
    /// Whether every layer is one step of a recurrent cell: W, U, b shared by all steps, and step t reads x_t.
    package var recurrent = false
    /// GRU: the candidate's recurrent bias b_hn.
    package var hiddenBias = false
}

/// What a layer's tape holds for every kind: the statistics and pair correlation the measurement reads.
package protocol LayerTape<Scalar> {
    associatedtype Scalar: BLASScalar
    /// Mean, std and saturated fraction of the layer's units in the last forward pass.
    var statistics: ActivationStatistics { get set }
    /// The pair correlation of `LayerKind.correlationRows` in the last forward pass, when recorded.
    var correlation: PairCorrelation? { get set }
    /// The arrays that came from the buffer pool, to give back to it.
    var pooled: [[Scalar]] { get }
}

/// A kind's workspace; `carried` is the backward state it carries from one layer to the one below
/// besides G (LSTM: dc), which the engine rescales together with G.
package protocol LayerWorkspace<Scalar> {
    associatedtype Scalar: BLASScalar
    var carried: Matrix<Scalar>? { get }
    /// carried *= 2^n.
    mutating func scaleCarried(byPowerOfTwo n: Int)
    /// Resets the carried state before a backward pass.
    mutating func startBackward()
}

/// The workspace of a kind that needs none.
package struct NoWorkspace<Scalar: BLASScalar>: LayerWorkspace {
    package var carried: Matrix<Scalar>? { nil }
    package func scaleCarried(byPowerOfTwo n: Int) {}
    package func startBackward() {}
}

extension LayerKind {
    /// The common case: `propagate` reads D_l (and W) only.
    package func propagationMagnitudes(delta: Matrix<Scalar>, gradient: Matrix<Scalar>, workspace: Workspace)
        -> [Double]
    { [InRangeProduct.maxMagnitude(delta.elements), 0] }
    /// D_l and the carried state (if any) times 2^n.
    package func scalePropagation(
        delta: inout Matrix<Scalar>, gradient: inout Matrix<Scalar>, workspace: inout Workspace, byPowerOfTwo n: Int
    ) {
        delta.scaleByPowerOfTwo(n)
        workspace.scaleCarried(byPowerOfTwo: n)
    }
    package var propagationHeadroom: Int { 0 }
    /// W_l reads H_{l-1} itself.
    package func weightInput(_ input: Matrix<Scalar>, tape: Tape) -> Matrix<Scalar> { input }
    /// One bias entry per column of D_l.
    package func biasGradient(_ delta: Matrix<Scalar>, sums: RowAndColumnSums?, workspace: Workspace) -> [Double] {
        sums?.columnSums ?? delta.columnSums
    }
    package var biasReachesLoss: Bool { true }
    package var examplesIndependent: Bool { true }
    package var jacobianDefined: Bool { true }
    /// Dense and recurrent kinds: no kernel to put a `delta_orthogonal` centre tap in.
    package func validate(_ cell: Cell) throws(ParameterError) { try cell.requireNoDeltaOrthogonal() }
    package func initialBias(_ drawn: [Double]) -> [Double] { drawn }
    package func weightDelta(_ delta: Matrix<Scalar>, workspace: Workspace) -> Matrix<Scalar> { delta }
    package func weightGradientOrder(_ dW: inout Matrix<Scalar>) {}
    package func perExampleBiasSquares(_ delta: Matrix<Scalar>, workspace: Workspace) -> [Double]? { nil }
    package func perExampleShareSquares(
        weightInput: Matrix<Scalar>, weightDelta: Matrix<Scalar>, weightGradient: inout Matrix<Scalar>
    ) -> [Double]? { nil }
    package func cellStateGradient(_ workspace: Workspace) -> Matrix<Scalar>? { nil }
    package var weightNormFromGram: Bool { true }
    package func stateColumns(features: Int) -> Int { features }
    package func featureShape(_ cell: Cell) -> FeatureShape { FeatureShape(channels: cell.width) }
    /// H_0 has H_l's shape (a recurrent cell's h_0 = 0; its inputs x_t enter through U).
    package func inputShape(_ cell: Cell) -> FeatureShape { featureShape(cell) }
    package func firstWeightShape(_ cell: Cell) -> WeightShape { weightShape(cell) }
    package func weightShape(_ cell: Cell) -> WeightShape {
        WeightShape(rows: cell.width, columns: cell.width, fanIn: cell.width, fanOut: cell.width)
    }
}

extension LayerKind where Workspace == NoWorkspace<Scalar> {
    package func makeWorkspace(rows: Int, features: Int) -> NoWorkspace<Scalar> { NoWorkspace() }
}

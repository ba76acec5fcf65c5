/// What training recorded at one step: the losses of the network as it stands after
/// `step` updates, and each layer's gradient on the minibatch of that step.
package struct TrainingPoint: Equatable, Sendable {
    package var step: Int
    /// `ok`, or how the step's forward or backward pass failed (then training stopped there).
    package var status: RunStatus
    /// Mean loss over the first 1,024 training examples (a fixed subset) and over the held-out set.
    package var trainLoss: Double?
    package var testLoss: Double?
    /// `clusters`: fraction classified correctly; nil for `teacher`.
    package var trainAccuracy: Double?
    package var testAccuracy: Double?
    /// Layer 1 first; empty unless `ok`.
    package var layers: [TrainingLayer]
    /// A conv net on images: its first layer's filters at step 0 and at the last step; else empty.
    package var filters: [FilterWeight]
    /// The coordinate check on the fixed batch, layers 1 ... L (and L + 1, the logits); empty for recurrent cells.
    package var coordinates: [Coordinate]

    package init(
        step: Int, status: RunStatus, trainLoss: Double? = nil, testLoss: Double? = nil,
        trainAccuracy: Double? = nil, testAccuracy: Double? = nil, layers: [TrainingLayer] = [],
        filters: [FilterWeight] = [], coordinates: [Coordinate] = []
    ) {
        (self.step, self.status, self.trainLoss, self.testLoss) = (step, status, trainLoss, testLoss)
        (self.trainAccuracy, self.testAccuracy, self.layers, self.filters) = (
            trainAccuracy, testAccuracy, layers, filters
        )
        self.coordinates = coordinates
    }
}

/// One layer at one recorded step.
package struct TrainingLayer: Equatable, Sendable {
    /// The four gradient norms and the activation statistics on the step's minibatch.
    package var measurement: LayerMeasurement
    /// ||W_l(t) - W_l(0)||_F / ||W_l(0)||_F: how far the layer has moved.
    package var relativeUpdate: Double

    package init(measurement: LayerMeasurement, relativeUpdate: Double) {
        self.measurement = measurement
        self.relativeUpdate = relativeUpdate
    }
}

/// Trains the network of `cell` for `seed` as `settings` say, in the cell's precision,
/// starting from the same weights `measure` uses; returns the recorded steps.
package func train(_ cell: Cell, settings: TrainingSettings, seed: Int, cache: WeightCache? = nil) throws
    -> [TrainingPoint]
{
    switch cell.precision {
    case .float64: try cell.openKind(Training<Double>(cell: cell, settings: settings, seed: seed, cache: cache))
    case .float32: try cell.openKind(Training<Float>(cell: cell, settings: settings, seed: seed, cache: cache))
    }
}

/// Trains the network of one cell: minibatches of examples (feedforward) or of sequences (recurrent).
private struct Training<Scalar: BLASScalar>: KindUser {
    let cell: Cell, settings: TrainingSettings, seed: Int, cache: WeightCache?

    func run<Kind: LayerKind>(_ kind: Kind.Type) throws -> [TrainingPoint] where Kind.Scalar == Scalar {
        guard Kind(cell).layout.recurrent else {
            return try Trainer<Kind>(cell: cell, settings: settings, seed: seed, cache: cache).run()
        }
        let network = try Network<Kind>(cell: cell, seed: seed, cache: cache)
        network.recordsCorrelations = false
        return try SequenceTrainer(network, settings: settings, seed: seed).run()
    }
}

/// The loop both trainers share: steps 0 ... steps, a forward and backward pass on each step's
/// minibatch, recorded at the recorded steps, then an update (none after the last step).
protocol TrainingLoop: AnyObject {
    associatedtype Pass: TrainingPassResult
    var settings: TrainingSettings { get }
    /// Sets step `step`'s minibatch and runs the forward and backward pass.
    func pass(step: Int, recording: Bool) throws -> Pass
    /// The recorded point of step `step` from its pass (evaluating the losses).
    func record(_ step: Int, _ pass: Pass) throws -> TrainingPoint
    /// One optimiser step with the pass's gradients.
    func update(with pass: Pass) throws
}

/// A training pass's outcome: `ok`, or how its forward or backward pass failed.
protocol TrainingPassResult {
    var status: RunStatus { get }
}

extension MinibatchPass: TrainingPassResult {}
extension SequencePass: TrainingPassResult {}

extension TrainingLoop {
    /// Runs the loop; training stops at the first step whose pass fails (that step is recorded).
    func runLoop() throws -> [TrainingPoint] {
        let recorded = Set(settings.recordedSteps)
        var points = [TrainingPoint]()
        for step in 0...settings.steps {
            let pass = try pass(step: step, recording: recorded.contains(step))
            guard pass.status == .ok else {
                points.append(TrainingPoint(step: step, status: pass.status))
                break
            }
            if recorded.contains(step) { points.append(try record(step, pass)) }
            if step < settings.steps { try update(with: pass) }
        }
        return points
    }
}

/// Which training examples each step sees: positions step x batch ..< (step + 1) x batch of the
/// training set's epoch orders (seeded shuffles) laid end to end.
struct MinibatchOrder {
    let seed: Int
    let batch: Int
    let size: Int
    private var order: (epoch: Int, indices: [Int]) = (-1, [])

    init(seed: Int, batch: Int, size: Int) { (self.seed, self.batch, self.size) = (seed, batch, size) }

    /// The training-set indices of step `step`'s minibatch.
    mutating func indices(step: Int) -> [Int] {
        (step * batch..<(step + 1) * batch).map { position in
            let epoch = position / size
            if order.epoch != epoch { order = (epoch, TrainingData.order(seed: seed, epoch: epoch, count: size)) }
            return order.indices[position % size]
        }
    }
}

/// ||now - start|| / ||start||: how far a parameter set has moved (0 when it started at 0).
func relativeChange<Scalar: BLASScalar>(_ now: [Scalar], from start: [Scalar]) -> Double {
    var difference = [Double](repeating: 0, count: now.count)
    for i in now.indices { difference[i] = Double(now[i]) - Double(start[i]) }
    guard let moved = ScaledNorm(of: difference).value, let size = ScaledNorm(of: start).value, size > 0 else {
        return 0
    }
    return moved / size
}

/// Minibatch training of one feedforward network: the training set in a seeded order, epoch after
/// epoch, `batch` examples per step; the optimiser updates every W_l and b_l.
package final class Trainer<Kind: LayerKind>: TrainingLoop {
    package typealias Scalar = Kind.Scalar
    /// The network being trained (its weights move with every step).
    package let network: Network<Kind>
    package let settings: TrainingSettings
    /// The training and held-out sets.
    package private(set) var data: TrainingData
    package let seed: Int
    /// `images`: the readout V (channels x classes) of H_L's channel means, trained with the network (a
    /// classifier head); nil for the drawn tasks, whose readout stays fixed.
    package private(set) var readout: Matrix<Double>?
    private var readoutOptimizer: OptimizerState<Double>
    /// dLoss/dV of the last minibatch's pass (the recorded evaluations then move the network to other batches).
    private var readoutGradient: Matrix<Double>?
    private let initialWeights: [Matrix<Scalar>]
    /// The first `TrainingSettings.trainingSubsetSize` training examples: the training loss is their mean loss.
    private let trainingSubset: LabelledSet
    private var optimizer: OptimizerState<Scalar>
    private var order: MinibatchOrder
    private var coordinateCheck: CoordinateCheck<Kind>

    /// The network of `cell` for `seed` (weights from `cache` when it holds them) and the task's data.
    package init(cell: Cell, settings: TrainingSettings, seed: Int, cache: WeightCache? = nil) throws {
        try settings.validate(for: cell)
        network = try Network<Kind>(cell: cell, seed: seed, cache: cache)
        network.recordsCorrelations = false
        coordinateCheck = CoordinateCheck(network)
        data = try TrainingData(
            cell: cell, settings: settings, seed: seed, shape: Kind(cell).inputShape(cell),
            readout: network.objective.matrix)
        (self.settings, self.seed, initialWeights) = (settings, seed, network.weights)
        trainingSubset = data.train.rows(0..<min(data.train.count, TrainingSettings.trainingSubsetSize))
        optimizer = OptimizerState(
            settings.optimizer, learningRate: settings.learningRate, momentum: settings.momentum,
            slots: 2 * cell.depth)
        readoutOptimizer = OptimizerState(
            settings.optimizer, learningRate: settings.learningRate, momentum: settings.momentum, slots: 1)
        readout =
            settings.task == .images
            ? Objective.readoutWeights(
                seed: seed, channels: cell.width, classes: cell.classes, varianceScale: cell.readoutVarianceScale)
            : nil
        order = MinibatchOrder(seed: seed, batch: cell.batch, size: data.train.count)
    }

    /// Trains; returns the recorded steps.
    package func run() throws -> [TrainingPoint] { try runLoop() }

    /// The examples of step `step` (see `MinibatchOrder`).
    package func minibatch(step: Int) -> LabelledSet { data.train.rows(order.indices(step: step)) }

    func pass(step: Int, recording: Bool) throws -> MinibatchPass<Scalar> {
        let batch = minibatch(step: step)
        try network.setBatch(batch.inputs.converted(to: Scalar.self), objective: data.objective(for: batch))
        let pass = network.minibatchPass(recording: recording)
        if let v = readout, pass.status == .ok {
            let output = network.hidden[network.cell.depth].converted(to: Double.self)
            readoutGradient = network.objective.readoutGradient(output: output, channels: v.rows)
        }
        return pass
    }

    func update(with pass: MinibatchPass<Scalar>) {
        let depth = network.cell.depth
        let (cell, rule) = (network.cell, settings.optimizer)
        if var v = readout, let gradient = readoutGradient {
            readoutOptimizer.update(
                &v.elements, gradient: gradient.elements, slot: 0,
                multiplier: cell.learningRateMultiplier(.readout, optimizer: rule))
            readout = v
            data.readout = Objective.globalAverage(v, positions: network.features / v.rows)
        }
        let bias = cell.learningRateMultiplier(.bias, optimizer: rule)
        for l in 0..<depth {
            let weights = cell.learningRateMultiplier(l == 0 ? .inputLayer : .hiddenLayer, optimizer: rule)
            optimizer.update(
                &network.weights[l].elements, gradient: network.weightGradients[l].elements, slot: l,
                multiplier: weights)
            optimizer.update(&network.biases[l], gradient: pass.biasGradients[l], slot: depth + l, multiplier: bias)
        }
    }

    func record(_ step: Int, _ pass: MinibatchPass<Scalar>) throws -> TrainingPoint {
        let layers = pass.layers.enumerated().map { l, measurement in
            TrainingLayer(
                measurement: measurement,
                relativeUpdate: relativeChange(
                    network.weights[l].elements, from: initialWeights[l].elements))
        }
        let batch = network.cell.batch
        guard let coordinates = try coordinateCheck.record(network, readout: data.readout),
            let train = try network.evaluate(trainingSubset, with: data, batch: batch),
            let test = try network.evaluate(data.test, with: data, batch: batch)
        else {
            return TrainingPoint(step: step, status: .overflow)
        }
        let cell = network.cell
        let filters =
            cell.layer == .conv && settings.task == .images && (step == 0 || step == settings.steps)
            ? FilterWeight.firstLayer(network.weights[0], side: cell.kernelSize) : []
        return TrainingPoint(
            step: step, status: .ok, trainLoss: train.loss, testLoss: test.loss,
            trainAccuracy: train.accuracy, testAccuracy: test.accuracy, layers: layers, filters: filters,
            coordinates: coordinates)
    }
}

/// Training of a recurrent network on a task of sequences (`adding`): minibatches of sequences in a
/// seeded order as for feedforward nets, backpropagation through time, and one optimiser step per
/// minibatch for the tied W, U, b (b_hn) and the learned scalar readout y_hat = h_T v + c.
package final class SequenceTrainer<Model: SequenceModel>: TrainingLoop {
    package typealias Scalar = Model.Scalar
    /// The network being trained.
    package let model: Model
    package let settings: TrainingSettings
    /// The training and held-out sequences.
    package let data: TrainingData
    package let seed: Int
    /// The readout of h_T, trained with the network.
    package private(set) var readout: ScalarReadout
    private let initialRecurrentWeights: [Scalar]
    /// The first `TrainingSettings.trainingSubsetSize` training sequences: the training loss is their mean loss.
    private let trainingSubset: LabelledSet
    private var optimizer: OptimizerState<Scalar>
    private var readoutOptimizer: OptimizerState<Double>
    private var order: MinibatchOrder
    /// The targets of the last training minibatch (for the readout's gradient; evaluation leaves them).
    private var targets: [Double] = []

    /// Trains `model` (drawn for `seed`) as `settings` say, on the task's sequences for `seed`.
    package init(_ model: Model, settings: TrainingSettings, seed: Int) throws {
        let cell = model.cell
        try settings.validate(for: cell)
        (self.model, self.settings, self.seed) = (model, settings, seed)
        data = TrainingData(
            task: settings.task, seed: seed, width: cell.width, trainSize: settings.trainingExamples(for: cell),
            testSize: settings.heldOutExamples(for: cell), classes: cell.classes, inputStd: cell.inputStd,
            steps: cell.depth)
        readout = ScalarReadout(seed: seed, width: cell.width)
        initialRecurrentWeights = model.values(.recurrentWeights)
        trainingSubset = data.train.rows(0..<min(data.train.count, TrainingSettings.trainingSubsetSize))
        let (rule, rate, momentum) = (settings.optimizer, settings.learningRate, settings.momentum)
        optimizer = OptimizerState(rule, learningRate: rate, momentum: momentum, slots: model.trainedParameters.count)
        readoutOptimizer = OptimizerState(rule, learningRate: rate, momentum: momentum, slots: 2)
        order = MinibatchOrder(seed: seed, batch: cell.batch, size: data.train.count)
    }

    /// Trains; returns the recorded steps.
    package func run() throws -> [TrainingPoint] { try runLoop() }

    /// The sequences of step `step` (see `MinibatchOrder`).
    package func minibatch(step: Int) -> LabelledSet { data.train.rows(order.indices(step: step)) }

    /// Hands the sequences of `set` to the model as x_1 ... x_T, scored by the current readout.
    package func setSequences(_ set: LabelledSet) throws(ShapeError) {
        let (steps, k) = (model.cell.depth, model.cell.inputFeatures)
        let inputs = (0..<steps).map { t in
            var x = Matrix<Scalar>(rows: set.count, columns: k)
            for row in 0..<set.count {
                for j in 0..<k { x.elements[row * k + j] = Scalar(set.inputs.elements[(row * steps + t) * k + j]) }
            }
            return x
        }
        try model.setSequence(inputs, objective: Objective(readout: readout, targets: set.targets.elements))
    }

    func pass(step: Int, recording: Bool) throws -> SequencePass<Scalar> {
        let batch = minibatch(step: step)
        targets = batch.targets.elements
        try setSequences(batch)
        return model.sequencePass(recording: recording)
    }

    func update(with pass: SequencePass<Scalar>) throws {
        let readoutGradient = readout.gradients(output: pass.output, targets: targets)
        for (slot, parameter) in model.trainedParameters.enumerated() {
            var values = model.values(parameter)
            optimizer.update(&values, gradient: pass.gradients[parameter] ?? [], slot: slot)
            try model.set(parameter, values)
        }
        readoutOptimizer.update(&readout.weights, gradient: readoutGradient.weights, slot: 0)
        var offset = [readout.offset]
        readoutOptimizer.update(&offset, gradient: [readoutGradient.offset], slot: 1)
        readout.offset = offset[0]
    }

    func record(_ step: Int, _ pass: SequencePass<Scalar>) throws -> TrainingPoint {
        let moved = relativeChange(model.values(.recurrentWeights), from: initialRecurrentWeights)
        let layers = pass.steps.map { TrainingLayer(measurement: $0, relativeUpdate: moved) }
        guard let train = try meanLoss(trainingSubset), let test = try meanLoss(data.test) else {
            return TrainingPoint(step: step, status: .overflow)
        }
        return TrainingPoint(step: step, status: .ok, trainLoss: train, testLoss: test, layers: layers)
    }

    /// The mean squared error of the readout on `set`, in minibatches of `batch`; nil on overflow or NaN.
    private func meanLoss(_ set: LabelledSet) throws(ShapeError) -> Double? {
        var sum = 0.0
        let batch = model.cell.batch
        for start in stride(from: 0, to: set.count, by: max(1, batch)) {
            let chunk = set.rows(start..<min(set.count, start + batch))
            try setSequences(chunk)
            guard let h = model.lastHidden() else { return nil }
            sum += readout.evaluate(output: h, targets: chunk.targets.elements).loss * Double(chunk.count)
        }
        return sum.isFinite ? sum / Double(set.count) : nil
    }
}

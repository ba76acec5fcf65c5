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

    package init(
        step: Int, status: RunStatus, trainLoss: Double? = nil, testLoss: Double? = nil,
        trainAccuracy: Double? = nil, testAccuracy: Double? = nil, layers: [TrainingLayer] = []
    ) {
        (self.step, self.status, self.trainLoss, self.testLoss) = (step, status, trainLoss, testLoss)
        (self.trainAccuracy, self.testAccuracy, self.layers) = (trainAccuracy, testAccuracy, layers)
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
    case .float64: return try Trainer<Double>(cell: cell, settings: settings, seed: seed, cache: cache).run()
    case .float32: return try Trainer<Float>(cell: cell, settings: settings, seed: seed, cache: cache).run()
    }
}

/// Minibatch training of one network: the training set in a seeded order, epoch after
/// epoch, `batch` examples per step; the optimiser updates every W_l and b_l.
package final class Trainer<Scalar: BLASScalar> {
    /// The network being trained (its weights move with every step).
    package let network: Network<Scalar>
    package let settings: TrainingSettings
    /// The training and held-out sets.
    package let data: TrainingData
    package let seed: Int
    private let initialWeights: [Matrix<Scalar>]
    /// The first `TrainingSettings.testSize` training examples: the training loss is their mean loss.
    private let trainingSubset: LabelledSet
    private var optimizer: OptimizerState<Scalar>
    private var order: (epoch: Int, indices: [Int]) = (-1, [])

    /// The network of `cell` for `seed` (weights from `cache` when it holds them) and the task's data.
    package init(cell: Cell, settings: TrainingSettings, seed: Int, cache: WeightCache? = nil) throws {
        try settings.validate(for: cell)
        network = try Network<Scalar>(cell: cell, seed: seed, cache: cache)
        data = TrainingData(
            task: settings.task, seed: seed, width: cell.width, trainSize: settings.trainSize,
            classes: cell.classes, inputStd: cell.inputStd)
        (self.settings, self.seed, initialWeights) = (settings, seed, network.weights)
        trainingSubset = data.train.rows(0..<min(settings.trainSize, TrainingSettings.testSize))
        optimizer = OptimizerState(
            settings.optimizer, learningRate: settings.learningRate, momentum: settings.momentum,
            slots: 2 * cell.depth)
    }

    /// Steps 0 ... steps: a forward and backward pass on each step's minibatch, recorded at
    /// the recorded steps, then an update (none after the last step).
    package func run() throws -> [TrainingPoint] {
        let recorded = Set(settings.recordedSteps)
        var points = [TrainingPoint]()
        for step in 0...settings.steps {
            let batch = minibatch(step: step)
            try network.setBatch(batch.inputs.converted(to: Scalar.self), objective: data.objective(for: batch))
            let pass = network.minibatchPass(recording: recorded.contains(step))
            guard pass.status == .ok else {
                points.append(TrainingPoint(step: step, status: pass.status))
                break
            }
            if recorded.contains(step) { points.append(try record(step, pass)) }
            if step < settings.steps { update(with: pass) }
        }
        return points
    }

    /// The examples of step `step`: positions step x batch ..< (step + 1) x batch of the
    /// training set's epoch orders laid end to end.
    package func minibatch(step: Int) -> LabelledSet {
        let batch = network.cell.batch, size = settings.trainSize
        let indices = (step * batch..<(step + 1) * batch).map { position in
            let epoch = position / size
            if order.epoch != epoch { order = (epoch, TrainingData.order(seed: seed, epoch: epoch, count: size)) }
            return order.indices[position % size]
        }
        return data.train.rows(indices)
    }

    private func update(with pass: MinibatchPass<Scalar>) {
        let depth = network.cell.depth
        for l in 0..<depth {
            optimizer.update(&network.weights[l].elements, gradient: network.weightGradients[l].elements, slot: l)
            optimizer.update(&network.biases[l], gradient: pass.biasGradients[l], slot: depth + l)
        }
    }

    private func record(_ step: Int, _ pass: MinibatchPass<Scalar>) throws -> TrainingPoint {
        let layers = pass.layers.enumerated().map { l, measurement in
            TrainingLayer(measurement: measurement, relativeUpdate: relativeUpdate(layer: l))
        }
        let batch = network.cell.batch
        guard let train = try network.evaluate(trainingSubset, with: data, batch: batch),
            let test = try network.evaluate(data.test, with: data, batch: batch)
        else {
            return TrainingPoint(step: step, status: .overflow)
        }
        return TrainingPoint(
            step: step, status: .ok, trainLoss: train.loss, testLoss: test.loss,
            trainAccuracy: train.accuracy, testAccuracy: test.accuracy, layers: layers)
    }

    /// ||W_l(t) - W_l(0)||_F / ||W_l(0)||_F for layer index l (0-based).
    private func relativeUpdate(layer l: Int) -> Double {
        let now = network.weights[l].elements, start = initialWeights[l].elements
        var difference = [Double](repeating: 0, count: now.count)
        for i in now.indices { difference[i] = Double(now[i]) - Double(start[i]) }
        guard let moved = ScaledNorm(of: difference).value, let size = ScaledNorm(of: start).value, size > 0 else {
            return 0
        }
        return moved / size
    }
}

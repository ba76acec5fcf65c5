import GradScopeCore
import GradScopeTestSupport
import Testing

/// Training recurrent cells on the adding problem: the data, the summed gradients of a pass through
/// time against finite differences, one optimiser step, and what training achieves.
@Suite("Training recurrent cells: the adding problem")
struct SequenceTrainingTests {
    static func addingCell(_ architecture: Architecture, steps: Int, width: Int, batch: Int) -> Cell {
        var cell = Cell()
        (cell.architecture, cell.depth, cell.width, cell.batch, cell.inputSize) = (
            architecture, steps, width, batch, AddingProblem.features
        )
        (cell.activation, cell.biasStd) = (.tanh, 0.3)
        return cell
    }

    static func settings(steps: Int, learningRate: Double, optimizer: Optimizer, trainSize: Int) -> TrainingSettings {
        var settings = trainingSettings(
            steps: steps, learningRate: learningRate, optimizer: optimizer, trainSize: trainSize, recordEvery: steps)
        settings.task = .adding
        return settings
    }

    @Test("Adding data: one marked step in each half, the target their sum, values in [0, 1), the same per seed")
    func addingData() throws {
        let (size, steps) = (4096, 9)
        let set = AddingProblem.draw(seed: 2, "train", size: size, steps: steps)
        var constantError = 0.0
        for row in 0..<size {
            let x = (0..<steps).map { t in (0..<2).map { set.inputs.elements[(row * steps + t) * 2 + $0] } }
            let marked = x.indices.filter { x[$0][1] == 1 }
            #expect(x.allSatisfy { (0..<1).contains($0[0]) && ($0[1] == 0 || $0[1] == 1) })
            try #require(marked.count == 2, "row \(row): \(marked.count) marks")
            #expect(marked[0] < steps / 2 && marked[1] >= steps / 2, "row \(row): marks \(marked)")
            #expect(set.targets.elements[row] == x[marked[0]][0] + x[marked[1]][0])
            constantError += (set.targets.elements[row] - 1) * (set.targets.elements[row] - 1) / Double(size)
        }
        // answering 1 scores Var(target) = 1/6; (target - 1)^2 has variance 1/15 - 1/36, so 4 standard errors:
        let tolerance = 4 * (1.0 / 15 - 1.0 / 36).squareRoot() / Double(size).squareRoot()
        #expect(abs(constantError - AddingProblem.baseline) < tolerance, "\(constantError)")
        let again = AddingProblem.draw(seed: 2, "train", size: size, steps: steps)
        #expect(again.inputs.elements == set.inputs.elements && again.targets.elements == set.targets.elements)
        #expect(AddingProblem.draw(seed: 3, "train", size: size, steps: steps).targets.elements != set.targets.elements)
    }

    /// Central differences of the readout's loss on the current sequences in every entry of `parameter`.
    static func numericGradient<Model: SequenceModel>(
        _ model: Model, _ parameter: RecurrentParameter, loss: () throws -> Double
    ) throws -> [Double] where Model.Scalar == Double {
        let value = model.values(parameter), h = 1e-5
        var numeric = [Double]()
        for i in value.indices {
            var plus = value, minus = value
            plus[i] += h
            minus[i] -= h
            try model.set(parameter, plus)
            let up = try loss()
            try model.set(parameter, minus)
            numeric.append((up - (try loss())) / (2 * h))
        }
        try model.set(parameter, value)
        return numeric
    }

    /// Checks one training pass of `trainer`'s model on its first minibatch against central differences:
    /// every trained parameter set and the readout's v and c.
    static func checkPass<Model: SequenceModel>(
        _ model: Model, settings: TrainingSettings, seed: Int, label: String
    ) throws where Model.Scalar == Double {
        let trainer = try SequenceTrainer(model, settings: settings, seed: seed)
        let batch = trainer.minibatch(step: 0)
        try trainer.setSequences(batch)
        let pass = trainer.model.sequencePass(recording: true)
        try #require(pass.status == .ok)
        #expect(pass.steps.count == trainer.model.cell.depth)
        let targets = batch.targets.elements
        func loss(_ readout: ScalarReadout) throws -> Double {
            try readout.evaluate(output: try #require(trainer.model.lastHidden()), targets: targets).loss
        }
        #expect(relativeDifference(try #require(pass.loss), try loss(trainer.readout)) < 1e-14)
        for parameter in trainer.model.trainedParameters {
            let numeric = try numericGradient(trainer.model, parameter) { try loss(trainer.readout) }
            let error = relativeError(try #require(pass.gradients[parameter]), numeric)
            #expect(error < 1e-6, "\(label) \(parameter): \(error)")
        }
        let analytic = trainer.readout.gradients(output: pass.output, targets: targets)
        var numeric = [Double]()
        for i in 0...trainer.readout.weights.count {
            func shifted(_ h: Double) throws -> Double {
                var readout = trainer.readout
                if i < readout.weights.count { readout.weights[i] += h } else { readout.offset += h }
                return try loss(readout)
            }
            numeric.append((try shifted(1e-6) - (try shifted(-1e-6))) / 2e-6)
        }
        let error = relativeError(analytic.weights + [analytic.offset], numeric)
        #expect(error < 1e-7, "\(label) readout: \(error)")
    }

    @Test(
        """
        A training pass's dLoss/dW, dU, db (db_hn), summed over steps, and the readout's dv, dc match central \
        differences of the adding loss (rnn, LSTM, GRU; 2 and 12 steps)
        """)
    func passGradients() throws {
        let settings = Self.settings(steps: 1, learningRate: 0.1, optimizer: .sgd, trainSize: 16)
        for steps in [2, 12] {
            let rnn = Self.addingCell(.rnn, steps: steps, width: 4, batch: 5)
            try Self.checkPass(try makeNetwork(rnn, seed: 1), settings: settings, seed: 1, label: "rnn T=\(steps)")
            for architecture in [Architecture.lstm, .gru] {
                let cell = Self.addingCell(architecture, steps: steps, width: 4, batch: 5)
                try Self.checkPass(
                    try makeNetwork(cell, seed: 1), settings: settings, seed: 1, label: "\(architecture) T=\(steps)")
            }
        }
    }

    @Test("One SGD step moves every tied parameter set and the readout by -lr times its gradient")
    func sgdStep() throws {
        let settings = Self.settings(steps: 1, learningRate: 0.1, optimizer: .sgd, trainSize: 16)
        let cell = Self.addingCell(.gru, steps: 5, width: 4, batch: 5)
        try Self.sgdStep(try makeNetwork(cell, seed: 2), reference: try makeNetwork(cell, seed: 2), settings: settings)
    }

    /// One SGD step of `model` (seed 2) against the gradients of `reference`, the same network.
    static func sgdStep<Model: SequenceModel>(
        _ model: Model, reference: any NetworkAccess<Double>, settings: TrainingSettings
    ) throws where Model.Scalar == Double {
        let trainer = try SequenceTrainer(model, settings: settings, seed: 2)
        let batch = trainer.minibatch(step: 0)
        let start = trainer.readout
        try trainer.setSequences(batch)
        let pass = trainer.model.sequencePass(recording: false)
        let readoutGradient = start.gradients(output: pass.output, targets: batch.targets.elements)
        _ = try trainer.run()
        for parameter in trainer.model.trainedParameters {
            let gradient = try #require(pass.gradients[parameter])
            let expected = zip(reference.values(parameter), gradient).map { $0 - 0.1 * $1 }
            #expect(trainer.model.values(parameter) == expected, "\(parameter)")
        }
        #expect(trainer.readout.weights == zip(start.weights, readoutGradient.weights).map { $0 - 0.1 * $1 })
        #expect(trainer.readout.offset == start.offset - 0.1 * readoutGradient.offset)
    }

    @Test("The adding problem over 60 steps: an LSTM beats the baseline 1/6 tenfold, a tanh rnn of its size does not")
    func lstmLearnsWhereRNNDoesNot() throws {
        let settings = Self.settings(steps: 800, learningRate: 0.01, optimizer: .adam, trainSize: 4096)
        func finalTestLoss(_ architecture: Architecture) throws -> Double {
            var cell = Self.addingCell(architecture, steps: 60, width: 16, batch: 32)
            cell.biasStd = 0
            let losses = try (0..<2).map { seed in
                try #require(try train(cell, settings: settings, seed: seed).last?.testLoss)
            }
            return losses.reduce(0, +) / 2
        }
        let (lstm, rnn) = (try finalTestLoss(.lstm), try finalTestLoss(.rnn))
        #expect(lstm < AddingProblem.baseline / 10, "LSTM: \(lstm)")
        #expect(rnn > 0.8 * AddingProblem.baseline, "rnn: \(rnn)")
    }

    @Test("Recurrent cells train on adding only, and adding needs a recurrent cell, input_size 2 and 2 steps")
    func taskChecks() {
        var settings = Self.settings(steps: 1, learningRate: 0.1, optimizer: .sgd, trainSize: 64)
        func key(_ cell: Cell) -> String? {
            do throws(ParameterError) {
                try settings.validate(for: cell)
                return nil
            } catch { return error.key }
        }
        #expect(key(Self.addingCell(.lstm, steps: 3, width: 4, batch: 8)) == nil)
        var cell = Self.addingCell(.rnn, steps: 3, width: 4, batch: 8)
        cell.inputSize = 3
        #expect(key(cell) == "input_size")
        #expect(key(Self.addingCell(.gru, steps: 1, width: 4, batch: 8)) == "depth")
        #expect(key(tinyCell(.tanh, .mse, .plain)) == "train.task")
        settings.task = .teacher
        #expect(key(Self.addingCell(.rnn, steps: 3, width: 4, batch: 8)) == "train.task")
    }
}

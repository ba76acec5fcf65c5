/// The `train` object of a config: how a network is trained and how often its
/// layers are recorded while it learns.
package struct TrainingSettings: Hashable, Sendable {
    /// Optimiser steps (minibatches).
    package var steps = 500
    /// The step size lr.
    package var learningRate = 0.05
    package var optimizer = Optimizer.sgd
    /// mu of the `momentum` optimiser (v <- mu v + g).
    package var momentum = 0.9
    /// Record every this many steps (and at step 0 and the last step).
    package var recordEvery = 10
    package var task = TrainingTask.teacher
    /// Examples in the training set: `train_size` when given, else 4096 drawn once per seed (`teacher`,
    /// `clusters`, `adding`) or every image of the data set's training split (`images`).
    package var trainSize: Int?
    /// Held-out examples that give the test loss: `test_size` when given, else 1,024 drawn (synthetic tasks) or
    /// all of the data set's test split (`images`; a given size takes the split's first images, in file order).
    package var testSize: Int?

    /// The synthetic tasks' default sizes of the training and held-out sets.
    package static let drawnTrainSize = 4096, drawnTestSize = 1024
    /// The training loss is the mean loss over the first this many training examples (or all, when fewer).
    package static let trainingSubsetSize = 1024
    /// Adam's constants (Kingma & Ba 2015): beta1, beta2, epsilon.
    package static let adam = (beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
    package static let stepsRange = 1...1_000_000
    package static let trainSizeRange = 1...10_000_000

    /// Examples in the training set of `cell`: `train_size`, else 4096 drawn, or (`images`) the data set's
    /// training split.
    package func trainingExamples(for cell: Cell) -> Int {
        trainSize ?? splits(of: cell)?.train.count ?? Self.drawnTrainSize
    }

    /// Held-out examples of `cell`: `test_size`, else 1,024 drawn, or (`images`) the data set's test split.
    package func heldOutExamples(for cell: Cell) -> Int {
        testSize ?? splits(of: cell)?.test.count ?? Self.drawnTestSize
    }

    /// The examples each recorded step evaluates: the training subset and the held-out set.
    package func evaluatedExamples(for cell: Cell) -> [Int] {
        [min(trainingExamples(for: cell), Self.trainingSubsetSize), heldOutExamples(for: cell)]
    }

    /// The data set `images` trains `cell` on (read once per process); nil for a drawn task, or a set that cannot
    /// be read (`validate` reports it).
    private func splits(of cell: Cell) -> ImageDataSet? {
        task == .images ? (try? cell.input.inputs(size: cell.mapSize))?.data : nil
    }

    package init() {}

    /// The steps at which the layers are recorded: 0, recordEvery, 2 recordEvery, ..., and `steps`.
    package var recordedSteps: [Int] {
        var result = Array(stride(from: 0, to: steps, by: max(1, recordEvery)))
        result.append(steps)
        return result
    }

    /// The valid learning rates and momenta, declared once for `validate` and the config reader.
    package static let learningRateRange = NumberRange.positive
    package static let momentumRange = NumberRange.unitInterval

    /// Checks the settings against each other and against `cell`; the error names the first bad key.
    package func validate(for cell: Cell) throws(ParameterError) {
        try validateTask(for: cell)
        try ParameterError.check("train.steps", steps, in: TrainingSettings.stepsRange)
        try ParameterError.check("train.record_every", recordEvery, in: TrainingSettings.stepsRange)
        let images = task == .images ? try cell.input.inputs(size: cell.mapSize) : nil
        let available = (train: images?.data.train.count, test: images?.data.test.count)
        for (key, size, limit) in [("train_size", trainSize, available.train), ("test_size", testSize, available.test)]
        {
            guard let size else { continue }
            let range = 1...(limit ?? TrainingSettings.trainSizeRange.upperBound)
            try ParameterError.check("train." + key, size, in: range)
        }
        try ParameterError.check("train.learning_rate", learningRate, in: TrainingSettings.learningRateRange)
        try ParameterError.check("train.momentum", momentum, in: TrainingSettings.momentumRange)
        let examples = trainingExamples(for: cell)
        guard examples >= cell.batch else {
            throw ParameterError(
                key: "train.train_size",
                message:
                    "must be at least batch (\(cell.batch)) so that a minibatch holds distinct examples, got "
                    + "\(examples)"
            )
        }
        guard cell.loss == task.loss else {
            throw ParameterError(
                key: "loss",
                message:
                    "task \(task.rawValue) trains with loss \(task.loss.rawValue); set \"loss\": "
                    + "\"\(task.loss.rawValue)\", got \(cell.loss.rawValue)"
            )
        }
    }
}

extension TrainingSettings {
    /// The task against the cell: sequences (`adding`) for recurrent cells only and they train on nothing
    /// else; `adding` reads 2 features per step over at least 2 steps.
    private func validateTask(for cell: Cell) throws(ParameterError) {
        let recurrent = cell.layout.recurrent
        guard task.isSequential == recurrent else {
            let valid = TrainingTask.allCases.filter { $0.isSequential == recurrent }.map(\.rawValue)
            throw ParameterError(
                key: "train.task",
                message: "task \(task.rawValue) does not suit architecture \(cell.architecture.rawValue); valid: "
                    + valid.joined(separator: ", ")
                    + (recurrent ? " (a recurrent cell reads sequences)" : " (adding needs rnn, lstm or gru)"))
        }
        guard (task == .images) == (cell.input != .gaussian) else {
            throw ParameterError(
                key: "train.task",
                message: task == .images
                    ? "task images trains on a data set's images; set \"input\": \"fashion_mnist\" (or an idx set)"
                    : "with \"input\": \"\(cell.input.text)\" the network trains on its images; set \"task\": "
                        + "\"images\", got \(task.rawValue)")
        }
        if !recurrent, task != .images, cell.layer == .conv || cell.inputFeatures != cell.width {
            throw ParameterError(
                key: "train.task",
                message: "task \(task.rawValue) draws dense inputs of width features: it trains dense nets whose "
                    + "input_size is width only (conv nets train on a data set's images: task images)")
        }
        guard task == .adding else { return }
        guard cell.inputFeatures == AddingProblem.features else {
            throw ParameterError(
                key: "input_size",
                message: "task adding reads \(AddingProblem.features) features per step (value, marker); set "
                    + "\"input_size\": 2, got \(cell.inputFeatures)")
        }
        guard cell.depth >= 2 else {
            throw ParameterError(
                key: "depth", message: "task adding marks one step in each half of the sequence: at least 2 steps")
        }
    }
}

/// The update rule. With g the minibatch gradient of a parameter w:
/// `sgd` w <- w - lr g; `momentum` v <- mu v + g, w <- w - lr v;
/// `adam` m <- b1 m + (1 - b1) g, s <- b2 s + (1 - b2) g^2,
/// w <- w - lr (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps).
package enum Optimizer: String, CaseIterable, Sendable {
    case sgd, momentum, adam
}

/// What the network learns.
package enum TrainingTask: String, CaseIterable, Sendable {
    /// Regression onto a fixed random two-layer tanh teacher: y = tanh(x A) B, loss `mse`.
    case teacher
    /// Classification of a Gaussian mixture with `classes` clusters, loss `cross_entropy`.
    case clusters
    /// Recurrent cells: the adding problem (`AddingProblem`), a learned scalar readout of h_T, loss `mse`.
    case adding
    /// Classification of a data set's images (`input`), loss `cross_entropy`: minibatches from its training
    /// split, the test loss and accuracy on its test split.
    case images

    /// The loss the task trains with.
    package var loss: Loss { self == .clusters || self == .images ? .crossEntropy : .mse }

    /// Whether the task is one of sequences (for recurrent cells) rather than of single examples.
    package var isSequential: Bool { self == .adding }
}

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
    /// Examples in the training set (drawn once per seed).
    package var trainSize = 4096

    /// The held-out examples that give the test loss.
    package static let testSize = 1024
    /// Adam's constants (Kingma & Ba 2015): beta1, beta2, epsilon.
    package static let adam = (beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
    package static let stepsRange = 1...1_000_000
    package static let trainSizeRange = 1...10_000_000

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
        try ParameterError.check("train.train_size", trainSize, in: TrainingSettings.trainSizeRange)
        try ParameterError.check("train.learning_rate", learningRate, in: TrainingSettings.learningRateRange)
        try ParameterError.check("train.momentum", momentum, in: TrainingSettings.momentumRange)
        guard trainSize >= cell.batch else {
            throw ParameterError(
                key: "train.train_size",
                message:
                    "must be at least batch (\(cell.batch)) so that a minibatch holds distinct examples, got "
                    + "\(trainSize)"
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
        if !recurrent, cell.layer == .conv || cell.inputFeatures != cell.width {
            throw ParameterError(
                key: "train.task",
                message: "task \(task.rawValue) draws dense inputs of width features: it trains dense nets whose "
                    + "input_size is width only (conv nets and other inputs train on a data set's images, not in "
                    + "this version)")
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

    /// The loss the task trains with.
    package var loss: Loss { self == .clusters ? .crossEntropy : .mse }

    /// Whether the task is one of sequences (for recurrent cells) rather than of single examples.
    package var isSequential: Bool { self == .adding }
}

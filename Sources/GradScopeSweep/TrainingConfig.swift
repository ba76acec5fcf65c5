import GradScopeCore
import GradScopeResults
/// The `train` object of a config, read from JSON, and its CSV columns.
extension TrainingSettings {
    /// The keys of the `train` object, in the order of their CSV columns.
    static let keys = [
        "steps", "learning_rate", "optimizer", "momentum", "record_every", "task", "train_size", "test_size",
    ]

    /// A change to the settings: one key set to one value.
    typealias Setting = @Sendable (inout TrainingSettings) -> Void

    /// Reads `{"steps": 500, "learning_rate": 0.05, ...}`; missing keys keep their defaults.
    static func read(_ node: JSONNode) throws(ValueError) -> TrainingSettings {
        guard case .object(let members) = node.value else {
            throw ValueError(
                "must be an object such as {\"steps\": 500, \"learning_rate\": 0.05}; got \(node.value.typeName)")
        }
        var settings = TrainingSettings()
        for member in members {
            do throws(ValueError) { try setting(member.key, member.value)(&settings) } catch {
                throw ValueError(error.message, subpath: "." + member.key + error.subpath)
            }
        }
        return settings
    }

    /// Reads `node` as the value of `train.<key>`.
    static func setting(_ key: String, _ node: JSONNode) throws(ValueError) -> Setting {
        switch key {
        case "steps":
            let v = try Parameters.readInteger(node, in: stepsRange)
            return { $0.steps = v }
        case "record_every":
            let v = try Parameters.readInteger(node, in: stepsRange)
            return { $0.recordEvery = v }
        case "train_size":
            let v = try Parameters.readInteger(node, in: trainSizeRange)
            return { $0.trainSize = v }
        case "test_size":
            let v = try Parameters.readInteger(node, in: trainSizeRange)
            return { $0.testSize = v }
        case "learning_rate":
            let v = try Parameters.readNumber(node, in: TrainingSettings.learningRateRange)
            return { $0.learningRate = v }
        case "momentum":
            let v = try Parameters.readNumber(node, in: TrainingSettings.momentumRange)
            return { $0.momentum = v }
        case "optimizer":
            let v: Optimizer = try Parameters.readEnum(node)
            return { $0.optimizer = v }
        case "task":
            let v: TrainingTask = try Parameters.readEnum(node)
            return { $0.task = v }
        default:
            throw ValueError(
                "unknown key \"\(key)\"\(Suggestion.hint(for: key, among: keys)); valid keys of train: "
                    + "\(keys.joined(separator: ", "))"
            )
        }
    }

    /// The settings as CSV columns (`train_steps`, ...; `train_size` and `test_size` keep their names), with the
    /// set sizes `cell` trains on (a data set's split sizes where `images` leaves them out).
    func columns(for cell: Cell) -> [(key: String, value: String)] {
        return [
            ("train_steps", "\(steps)"), ("train_learning_rate", "\(learningRate)"),
            ("train_optimizer", optimizer.rawValue),
            ("train_momentum", "\(momentum)"), ("train_record_every", "\(recordEvery)"),
            (Column.trainTask, task.rawValue),
            ("train_size", "\(trainingExamples(for: cell))"),
        ] + (task == .images || testSize != nil ? [("test_size", "\(heldOutExamples(for: cell))")] : [])
    }
}

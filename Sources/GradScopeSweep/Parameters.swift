import GradScopeCore
import GradScopeResults
/// The sweepable parameters of a config: how each is read from JSON, checked,
/// applied to a cell, and written in a CSV column.
enum Parameters {
    /// The parameter keys, in the order of the CSV columns.
    static let keys = [
        "activation", "depth", "width", "init", "bias_std", "architecture", "residual_scale",
        "batch", "input_std", "loss", "classes", "precision",
    ]
    /// Keys that are valid at the top level but are not parameters of a cell.
    static let settings = ["name", "description", "seeds", "sweep", "train", "jacobian"]
    /// Keys reserved for features this version does not have yet.
    static let unavailable: [String] = []

    /// A change to a cell: one parameter set to one value.
    typealias Setting = @Sendable (inout CellDraft) -> Void

    /// Reads `node` as the value of parameter `key`; throws a message for a bad value.
    static func read(_ key: String, _ node: JSONNode) throws(ValueError) -> Setting {
        switch key {
        case "activation":
            let v: Activation = try readEnum(node)
            return { $0.cell.activation = v }
        case "architecture":
            let v: Architecture = try readEnum(node)
            return { $0.cell.architecture = v }
        case "loss":
            let v: Loss = try readEnum(node)
            return { $0.cell.loss = v }
        case "precision":
            let v: Precision = try readEnum(node)
            return { $0.cell.precision = v }
        case "depth":
            let v = try readInteger(node, in: Cell.depthRange)
            return { $0.cell.depth = v }
        case "width":
            let v = try readInteger(node, in: Cell.widthRange)
            return { $0.cell.width = v }
        case "batch":
            let v = try readInteger(node, in: Cell.batchRange)
            return { $0.cell.batch = v }
        case "classes":
            let v = try readInteger(node, in: 2...100_000)
            return { $0.cell.classes = v }
        case "bias_std":
            let v = try readNumber(node, allowZero: true)
            return { $0.cell.biasStd = v }
        case "residual_scale":
            let v = try readNumber(node, allowZero: false)
            return { $0.cell.residualScale = v }
        case "input_std":
            let v = try readNumber(node, allowZero: false)
            return { $0.cell.inputStd = v }
        case "init":
            let v = try InitializerSpec.read(node)
            return { $0.initializer = v }
        default:
            throw ValueError("unknown parameter")
        }
    }

    static func readEnum<E: RawRepresentable & CaseIterable>(_ node: JSONNode) throws(ValueError) -> E
    where E.RawValue == String {
        let valid = E.allCases.map(\.rawValue)
        guard case .string(let s) = node.value else {
            throw ValueError("must be a string, one of \(valid.joined(separator: ", ")); got \(node.value.typeName)")
        }
        guard let v = E(rawValue: s) else {
            throw ValueError(
                "unknown value \"\(s)\"\(Suggestion.hint(for: s, among: valid)); valid: "
                    + "\(valid.joined(separator: ", "))"
            )
        }
        return v
    }

    static func readInteger(_ node: JSONNode, in range: ClosedRange<Int>) throws(ValueError) -> Int {
        let valid = "an integer in \(range.lowerBound) ... \(range.upperBound)"
        guard case .number(let d, let text) = node.value else {
            throw ValueError("must be \(valid); got \(node.value.typeName)")
        }
        guard let v = Int(text) ?? exactInteger(d), range.contains(v) else {
            throw ValueError("must be \(valid); got \(text)")
        }
        return v
    }

    /// d as an Int when it is integral and in range (e.g. 1e3), else nil.
    private static func exactInteger(_ d: Double) -> Int? {
        guard d.isFinite, d == d.rounded(), abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    static func readNumber(_ node: JSONNode, allowZero: Bool) throws(ValueError) -> Double {
        let valid = "a finite number \(allowZero ? ">= 0" : "> 0")"
        guard case .number(let d, let text) = node.value else {
            throw ValueError("must be \(valid); got \(node.value.typeName)")
        }
        guard d.isFinite, allowZero ? d >= 0 : d > 0 else { throw ValueError("must be \(valid); got \(text)") }
        return d
    }
}

/// A bad value, before it is placed at a JSON path.
struct ValueError: Error {
    var message: String
    /// A path below the value's own, e.g. `.gain` inside an init object.
    var subpath: String
    init(_ message: String, subpath: String = "") {
        self.message = message
        self.subpath = subpath
    }
}

/// A cell under construction: the network's parameters plus how the user named its initialiser.
public struct CellDraft: Equatable, Sendable {
    public var cell = Cell()
    /// The initialiser as named in the config; setting it sets the cell's `initializer`.
    public var initializer = InitializerSpec.default {
        didSet { cell.initializer = initializer.initializer }
    }
    /// The `train` object, when the config trains its networks.
    public var training: TrainingSettings?
    /// `jacobian: true`: also record the singular values of the input-output Jacobian.
    public var jacobian = false

    public init() {}

    /// The cell's parameters as CSV columns, in `Parameters.keys` order, then `jacobian` when on and the `train`
    /// settings if any.
    public var columns: [(key: String, value: String)] {
        let c = cell
        return [
            ("activation", c.activation.rawValue), ("depth", "\(c.depth)"), ("width", "\(c.width)"),
            ("init", initializer.text), ("bias_std", "\(c.biasStd)"), ("architecture", c.architecture.rawValue),
            ("residual_scale", "\(c.residualScale)"), ("batch", "\(c.batch)"), ("input_std", "\(c.inputStd)"),
            ("loss", c.loss.rawValue), ("classes", "\(c.classes)"), ("precision", c.precision.rawValue),
        ] + (jacobian ? [("jacobian", "true")] : []) + (training?.columns ?? [])
    }

    public static func == (a: CellDraft, b: CellDraft) -> Bool { a.columns.map(\.value) == b.columns.map(\.value) }
}

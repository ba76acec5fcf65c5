import GradScopeCore
import GradScopeResults
/// One config parameter of a cell, declared once: its key (the config key and the CSV column), how it
/// reads from JSON with the error for a bad value, and how its value prints in the column. The loader,
/// the sweep grid, the CSV columns, `gradscope measure` and the docs table (checked by a test) all come
/// from `Parameter.all`: adding a parameter is one line here plus its field in `Cell`.
struct Parameter: Sendable {
    /// The config key, also the CSV column's name (`Column.parameter`: but for `layer`, `layer_type`).
    let key: String
    /// Reads a JSON value into the change it makes to a draft; throws the message for a bad value.
    let read: @Sendable (JSONNode) throws(ValueError) -> Setting
    /// The draft's value as the CSV column prints it.
    var column: @Sendable (CellDraft) -> String
    /// Whether the cell id hashes the value even at its default. A parameter enters the id only when set
    /// (so that adding one keeps every existing cell's id, and a resumed sweep its results), except those of
    /// the first version, whose ids always held them (`original`).
    var identifiesAtDefault = false

    /// The same parameter as one of the first version's: hashed into the cell id even at its default.
    var original: Parameter {
        var first = self
        first.identifiesAtDefault = true
        return first
    }

    /// The same parameter with an empty column for dense layers (a conv layer's key).
    var convolutional: Parameter {
        var conv = self
        conv.column = { draft in draft.cell.layer == .conv ? self.column(draft) : "" }
        return conv
    }

    /// A change to a cell: one parameter set to one value.
    typealias Setting = @Sendable (inout CellDraft) -> Void

    /// Every parameter, in the order of the CSV columns.
    static let all: [Parameter] = [
        Parameter.choice("activation", \.cell.activation).original,
        Parameter.integer("depth", \.cell.depth, in: Cell.depthRange).original,
        Parameter.integer("width", \.cell.width, in: Cell.widthRange).original,
        Parameter.value("init", \.initializer, InitializerSpec.read) { $0.initializer.text }.original,
        Parameter.number("bias_std", \.cell.biasStd, in: Cell.biasStdRange).original,
        Parameter.choice("architecture", \.cell.architecture).original,
        Parameter.number("residual_scale", \.cell.residualScale, in: Cell.residualScaleRange).original,
        Parameter.choice("normalization", \.cell.normalization),
        Parameter.number("norm_eps", \.cell.normEps, in: Cell.normEpsRange),
        Parameter.integer("batch", \.cell.batch, in: Cell.batchRange).original,
        Parameter.number("input_std", \.cell.inputStd, in: Cell.inputStdRange).original,
        Parameter.choice("loss", \.cell.loss).original,
        Parameter.integer("classes", \.cell.classes, in: Cell.classesRange).original,
        Parameter.choice("precision", \.cell.precision).original,
        Parameter.value("input_init", \.inputInitializer, InitializerSpec.read) {
            $0.cell.layout.recurrent ? $0.inputInitializer.text : ""
        },
        Parameter.value("input_size", \.cell.inputSize, Parameters.optionalInteger(in: Cell.widthRange)) {
            $0.cell.layout.recurrent || $0.cell.inputSize != nil ? "\($0.cell.inputFeatures)" : ""
        },
        Parameter.number("forget_bias", \.cell.forgetBias, in: Cell.forgetBiasRange),
        Parameter.number("input_correlation", \.cell.inputCorrelation, in: Cell.inputCorrelationRange),
        Parameter.choice("layer", \.cell.layer),
        Parameter.value("image_size", \.cell.imageSize, Parameters.optionalInteger(in: Cell.imageSizeRange)) {
            $0.cell.layer == .conv || $0.cell.input != .gaussian ? "\($0.cell.mapSize)" : ""
        },
        Parameter.integer("kernel_size", \.cell.kernelSize, in: Cell.imageSizeRange).convolutional,
        Parameter.choice("padding", \.cell.padding).convolutional,
        Parameter.value("input", \.cell.input, InputSpec.read) { $0.cell.input.text },
        Parameter.choice("parametrization", \.cell.parametrization),
        Parameter.integer("base_width", \.cell.baseWidth, in: Cell.widthRange),
        Parameter.choice("readout_init", \.cell.readoutInit),
    ]

    /// The parameter keys, in the order of the CSV columns.
    static let keys = all.map(\.key)
    /// The parameter of each key.
    static let byKey = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    /// A string parameter with the values of an enum.
    static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ key: String, _ path: WritableKeyPath<CellDraft, E> & Sendable
    ) -> Parameter where E.RawValue == String {
        Parameter(
            key: key,
            read: { node throws(ValueError) in
                let v: E = try Parameters.readEnum(node)
                return { $0[keyPath: path] = v }
            }, column: { $0[keyPath: path].rawValue })
    }

    /// An integer parameter in `range`.
    static func integer(_ key: String, _ path: WritableKeyPath<CellDraft, Int> & Sendable, in range: ClosedRange<Int>)
        -> Parameter
    {
        .value(key, path) { node throws(ValueError) in try Parameters.readInteger(node, in: range) }
    }

    /// A number in `range` (declared in `Cell`, which checks it too).
    static func number(_ key: String, _ path: WritableKeyPath<CellDraft, Double> & Sendable, in range: NumberRange)
        -> Parameter
    {
        .value(key, path) { node throws(ValueError) in try Parameters.readNumber(node, in: range) }
    }

    /// A parameter whose value `reader` reads and whose column prints it as Swift does.
    static func value<V: Sendable>(
        _ key: String, _ path: WritableKeyPath<CellDraft, V> & Sendable,
        _ reader: @escaping @Sendable (JSONNode) throws(ValueError) -> V
    ) -> Parameter {
        value(key, path, reader, column: { "\($0[keyPath: path])" })
    }

    /// A parameter whose value `reader` reads and `column` prints.
    static func value<V: Sendable>(
        _ key: String, _ path: WritableKeyPath<CellDraft, V> & Sendable,
        _ reader: @escaping @Sendable (JSONNode) throws(ValueError) -> V,
        column: @escaping @Sendable (CellDraft) -> String
    ) -> Parameter {
        Parameter(
            key: key,
            read: { node throws(ValueError) in
                let v = try reader(node)
                return { $0[keyPath: path] = v }
            }, column: column)
    }
}

/// Keys of a config and how their values read.
enum Parameters {
    /// Keys that are valid at the top level but are not parameters of a cell.
    static let settings = ["name", "description", "seeds", "sweep", "train", "jacobian", "expect"]
    /// Keys reserved for features this version does not have yet.
    static let unavailable: [String] = []

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

    /// The reader of an integer in `range` set into an optional field (nil: the key's default).
    static func optionalInteger(in range: ClosedRange<Int>) -> @Sendable (JSONNode) throws(ValueError) -> Int? {
        { node throws(ValueError) in try readInteger(node, in: range) }
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

    static func readNumber(_ node: JSONNode, in range: NumberRange) throws(ValueError) -> Double {
        let (d, text) = try readFinite(node, valid: range.description)
        guard range.contains(d) else { throw ValueError("must be \(range); got \(text)") }
        return d
    }

    /// Any finite number and its text as written; `valid` says what is valid in the message.
    static func readFinite(_ node: JSONNode, valid: String = "a finite number") throws(ValueError) -> (
        value: Double, text: String
    ) {
        guard case .number(let d, let text) = node.value else {
            throw ValueError("must be \(valid); got \(node.value.typeName)")
        }
        guard d.isFinite else { throw ValueError("must be \(valid); got \(text)") }
        return (d, text)
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
/// Two drafts are the same cell when every parameter, the initialiser as named, `jacobian` and the
/// `train` settings are equal.
package struct CellDraft: Hashable, Sendable {
    package var cell = Cell()
    /// The initialiser as named in the config; setting it sets the cell's `initializer`.
    package var initializer = InitializerSpec.default {
        didSet { cell.initializer = initializer.initializer }
    }
    /// Recurrent cells: the input weights' initialiser as named in the config.
    package var inputInitializer = InitializerSpec.inputDefault {
        didSet { cell.inputInitializer = inputInitializer.initializer }
    }
    /// The `train` object, when the config trains its networks.
    package var training: TrainingSettings?
    /// `jacobian: true`: also record the singular values of the input-output Jacobian.
    package var jacobian = false

    package init() {}

    /// The cell's parameters as CSV columns, in `Parameter.all` order, then `jacobian` when on and the `train`
    /// settings if any.
    package var columns: [(key: String, value: String)] {
        Parameter.all.map { (Column.parameter($0.key), $0.column(self)) } + settingColumns
    }

    /// The columns that identify the cell (what its id hashes): `columns` without the parameters added later
    /// that are at their default.
    var identityColumns: [(key: String, value: String)] {
        let defaults = CellDraft()
        return Parameter.all.compactMap { p in
            let value = p.column(self)
            return p.identifiesAtDefault || value != p.column(defaults) ? (Column.parameter(p.key), value) : nil
        } + settingColumns
    }

    /// `jacobian` when on and the `train` settings if any.
    private var settingColumns: [(key: String, value: String)] {
        (jacobian ? [("jacobian", "true")] : []) + (training?.columns(for: cell) ?? [])
    }

    /// The largest f whose f x f Jacobian (three such matrices in float64 and an SVD) gradscope forms: 16,384,
    /// the widest dense layer (6 GiB).
    static let jacobianFeatureLimit = 16_384

    /// Checks the cell, its `train` settings and their combinations; the error names the first bad key.
    func validate() throws(ParameterError) {
        try cell.validate()
        try training?.validate(for: cell)
        if cell.readoutInit == .zero, cell.loss != .crossEntropy || training?.task != .images {
            throw ParameterError(
                key: "readout_init",
                message: "zero leaves every gradient at 0 unless the readout learns: it needs loss cross_entropy and "
                    + "training on images (\"train\": {\"task\": \"images\"}); valid here: lecun_normal")
        }
        let features = cell.kindDeclaration.featureShape.count
        if jacobian, features > Self.jacobianFeatureLimit {
            throw ParameterError(
                key: "jacobian",
                message: "needs one example's \(features) x \(features) input-output Jacobian; at most "
                    + "\(Self.jacobianFeatureLimit) features (width x image_size^2 for conv) fit; make the net "
                    + "narrower or its maps smaller, or set jacobian false")
        }
        if jacobian, cell.normalization == .batch {
            throw ParameterError(
                key: "jacobian",
                message: "is not defined with normalization \"batch\": batch statistics couple the examples, "
                    + "so one example has no input-output Jacobian of its own; use \"layer\" or set jacobian false")
        }
    }
}

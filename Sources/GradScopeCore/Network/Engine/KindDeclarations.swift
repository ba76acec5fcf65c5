/// A cell key that only some kinds of layer read; each kind lists its own (`LayerKind.options`). A key set
/// away from its default for a kind that does not read it is a config error that names the kinds that do.
package enum CellOption: String, CaseIterable, Sendable {
    case normalization
    case inputCorrelation = "input_correlation"
    case inputSize = "input_size"
    case inputInit = "input_init"
    case forgetBias = "forget_bias"
    case imageSize = "image_size"
    case kernelSize = "kernel_size"
    case padding

    /// Whether only a convolution reads the key.
    var isConvolutional: Bool { [.imageSize, .kernelSize, .padding].contains(self) }

    /// Whether `cell` sets the key away from its default.
    func isSet(in cell: Cell) -> Bool {
        let defaults = Cell.defaults
        return switch self {
        case .normalization: cell.normalization != defaults.normalization
        case .inputCorrelation: cell.inputCorrelation != defaults.inputCorrelation
        case .inputSize: cell.inputSize != defaults.inputSize
        case .inputInit: cell.inputInitializer != defaults.inputInitializer
        case .forgetBias: cell.forgetBias != defaults.forgetBias
        case .imageSize: cell.imageSize != nil
        case .kernelSize: cell.kernelSize != defaults.kernelSize
        case .padding: cell.padding != defaults.padding
        }
    }
}

/// The mean-field recursion a kind's layers follow (THEORY): plain q_l = sigma_w^2 E[phi^2] + sigma_b^2
/// with chi(q); residual v_l = v_{l-1} + alpha^2 (...) with 1 + alpha^2 chi(v); an rnn the plain
/// recursion driven by its input at every step, from h_0 = 0. A circularly padded convolution follows its
/// block's recursion with sigma_w^2 = fan_in Var(K) (Xiao et al. 2018): every position sees k^2 taps, so
/// with inputs whose positions are alike every position's variance and pair covariance follow the dense maps.
package enum MeanFieldForm: Hashable, Sendable {
    case plain
    case residual(scale: Double)
    case recurrent
}

extension Architecture {
    /// A cell of this architecture with every other key at its default.
    private var defaultCell: Cell {
        var cell = Cell()
        cell.architecture = self
        return cell
    }

    /// The parameter layout of its layers.
    package var layout: ParameterLayout { defaultCell.layout }

    /// Whether the network unrolls one cell over time (one row per step, parameters shared).
    package var isRecurrent: Bool { layout.recurrent }

    /// The optional keys its kind reads.
    package var options: Set<CellOption> { defaultCell.kindDeclaration.options }
}

/// What a kind declares about a cell, in float64 (the declarations do not depend on the precision).
package struct KindDeclaration: Sendable {
    package var layout: ParameterLayout
    package var options: Set<CellOption>
    package var meanField: MeanFieldForm?
    package var weightShape: WeightShape
    package var firstWeightShape: WeightShape
    package var featureShape: FeatureShape
    package var inputShape: FeatureShape
    package var savedStates: Int
}

extension Cell {
    /// The declarations of the cell's kind.
    package var kindDeclaration: KindDeclaration {
        struct Declare: KindUser {
            typealias Scalar = Double
            typealias Failure = Never
            let cell: Cell
            func run<Kind: LayerKind>(_ kind: Kind.Type) -> KindDeclaration where Kind.Scalar == Double {
                let kind = Kind(cell)
                return KindDeclaration(
                    layout: kind.layout, options: kind.options, meanField: kind.meanField,
                    weightShape: kind.weightShape(cell), firstWeightShape: kind.firstWeightShape(cell),
                    featureShape: kind.featureShape(cell), inputShape: kind.inputShape(cell),
                    savedStates: kind.savedStates)
            }
        }
        return openKind(Declare(cell: self))
    }

    /// The parameter layout of the cell's layers (gates, recurrent, b_hn).
    package var layout: ParameterLayout { kindDeclaration.layout }

    /// The mean-field recursion of the cell's kind; nil where gradscope has no theory (the gated cells).
    package var meanFieldForm: MeanFieldForm? { kindDeclaration.meanField }

    /// Every optional key set for a kind that does not read it, and the kind's own checks.
    func validateForKind() throws(ParameterError) {
        struct Validate: KindUser {
            typealias Scalar = Double
            typealias Failure = ParameterError
            let cell: Cell
            func run<Kind: LayerKind>(_ kind: Kind.Type) throws(ParameterError) where Kind.Scalar == Double {
                try Kind(cell).validate(cell)
            }
        }
        if layer == .conv, architecture.isRecurrent {
            let valid = Architecture.feedforward.map(\.rawValue).joined(separator: ", ")
            throw ParameterError(
                key: "layer", message: "conv is built for architecture \(valid) (got \(architecture.rawValue))")
        }
        var options = kindDeclaration.options
        if input != .gaussian { options.insert(.imageSize) }  // a data set's images are averaged to image_size
        for option in CellOption.allCases where option.isSet(in: self) && !options.contains(option) {
            if option.isConvolutional, layer != .conv {
                throw ParameterError(key: option.rawValue, message: "is read by conv layers only (\"layer\": \"conv\")")
            }
            let readers = Architecture.allCases.filter { $0.options.contains(option) }.map(\.rawValue)
            throw ParameterError(
                key: option.rawValue,
                message: "is read by architecture \(readers.joined(separator: ", ")) only (got "
                    + "\(architecture.rawValue)); remove it")
        }
        try openKind(Validate(cell: self))
    }
}

extension Cell {
    /// `delta_orthogonal` (for `init` or `input_init`) is a convolution's initialiser.
    func requireNoDeltaOrthogonal() throws(ParameterError) {
        for (key, initializer) in [("init", initializer), ("input_init", inputInitializer)] {
            guard case .deltaOrthogonal = initializer else { continue }
            throw ParameterError(
                key: key, message: "delta_orthogonal is for conv layers (\"layer\": \"conv\"); use orthogonal here")
        }
    }
}

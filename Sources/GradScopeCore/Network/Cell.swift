/// Everything that defines one network and its loss: one cell of a sweep.
package struct Cell: Hashable, Sendable {
    package var activation: Activation = .sigmoid
    /// L, the number of weight layers.
    package var depth: Int = 10
    /// Units per layer; the input has `width` features too.
    package var width: Int = 256
    package var initializer: Initializer = Initializer.named["xavier_normal"]!
    /// Biases ~ N(0, biasStd^2).
    package var biasStd: Double = 0
    package var architecture: Architecture = .plain
    /// The residual branch's weight alpha in H_l = H_{l-1} + alpha Z_l.
    package var residualScale: Double = 1
    /// N before phi: of Z_l (plain) or of H_{l-1} (residual); `none` by default.
    package var normalization: Normalization = .none
    /// The eps of N(Z) = (Z - mean) / sqrt(var + eps).
    package var normEps: Double = 1e-5
    /// Examples per forward/backward pass.
    package var batch: Int = 128
    /// Input entries ~ N(0, inputStd^2).
    package var inputStd: Double = 1
    package var loss: Loss = .mse
    /// Number of classes of `cross_entropy`.
    package var classes: Int = 10
    package var precision: Precision = .float64
    /// Recurrent cells: the initialiser of the input weights U (input_size x width).
    package var inputInitializer: Initializer = Initializer.named["lecun_normal"]!
    /// Recurrent cells: the features of each x_t; nil means `width`.
    package var inputSize: Int?
    /// LSTM: added to the forget gate's bias.
    package var forgetBias: Double = 0
    /// c0 in [0, 1): every pair of inputs has correlation c0, x_b = sqrt(c0) s + sqrt(1 - c0) e_b
    /// (feedforward cells).
    package var inputCorrelation: Double = 0

    /// Dense layers (width x width weights) or convolutions (`width` channels on `mapSize` maps).
    package var layer: LayerType = .dense
    /// `image_size` as set: the maps of a conv net, and the side a data set's images are averaged to; nil
    /// means 16 for Gaussian inputs and the data's own side for a data set (`mapSize`).
    package var imageSize: Int?
    /// Convolutions: odd kernels of kernelSize x kernelSize taps.
    package var kernelSize: Int = 3
    /// Convolutions: what lies beyond the border.
    package var padding: Padding = .circular

    /// Where layer 1's inputs come from: Gaussian draws, or a data set's images.
    package var input: InputSource = .gaussian

    /// How the initialisation and the learning rates scale with width (`Parametrization`).
    package var parametrization: Parametrization = .standard
    /// muP's base width, at which `mup` and `standard` coincide.
    package var baseWidth: Int = 64
    /// The cross-entropy readout V's initialisation.
    package var readoutInit: ReadoutInit = .lecunNormal

    /// n, the side of the maps (conv) and of the images a data set gives (`imageSize`, else its default).
    package var mapSize: Int { imageSize ?? input.side }

    /// What layer 1 reads per position: a recurrent cell's x_t features and a dense net's input features
    /// (`inputSize`, else `width`), a conv net's channels c_0; with a data set, its one grey channel (a dense
    /// net reads the n^2 pixels).
    package var inputFeatures: Int {
        guard input != .gaussian else { return inputSize ?? width }
        return layer == .conv ? 1 : mapSize * mapSize
    }

    /// The contract's defaults.
    package init() {}

    /// A cell with every key at its default, made once.
    package static let defaults = Cell()

    /// The cell with its depth and loss set aside: cells equal in this (for one seed) compute the
    /// same forward pass, a shallower network's being the first layers of a deeper one's.
    package var forwardIdentity: Cell {
        var shared = self
        (shared.depth, shared.loss, shared.classes) = (0, .mse, 2)
        return shared
    }

    /// The valid ranges of the integer parameters.
    package static let depthRange = 1...10_000
    package static let widthRange = 1...16_384
    package static let batchRange = 1...65_536
    package static let classesRange = 2...100_000
    /// Convolutions: `image_size` (and `kernel_size`, at most the map).
    package static let imageSizeRange = 1...512
    /// The valid numbers of the real-valued keys, declared once for `validate` and the config reader.
    package static let biasStdRange = NumberRange.nonNegative
    package static let residualScaleRange = NumberRange.positive
    package static let inputStdRange = NumberRange.positive
    package static let normEpsRange = NumberRange.positive
    package static let forgetBiasRange = NumberRange.finite
    /// c0 of `input_correlation`.
    package static let inputCorrelationRange = NumberRange.unitInterval

    /// Checks every parameter against its valid range; the error names the first bad key.
    package func validate() throws(ParameterError) {
        try ParameterError.check("depth", depth, in: Cell.depthRange)
        try ParameterError.check("width", width, in: Cell.widthRange)
        try ParameterError.check("batch", batch, in: Cell.batchRange)
        try ParameterError.check("classes", classes, in: Cell.classesRange)
        try ParameterError.check("bias_std", biasStd, in: Cell.biasStdRange)
        try ParameterError.check("residual_scale", residualScale, in: Cell.residualScaleRange)
        try ParameterError.check("input_std", inputStd, in: Cell.inputStdRange)
        try ParameterError.check("norm_eps", normEps, in: Cell.normEpsRange)
        try validateOptions()
        if normalization == .batch, batch < 2 {
            throw ParameterError(
                key: "normalization", message: "batch normalisation needs batch >= 2 (got batch \(batch))")
        }
        try Cell.check(initializer, key: "init")
        try Cell.check(inputInitializer, key: "input_init")
        try validateDataSet()
        try validateParametrization()
    }

    /// A data set's inputs: a layered network, no `input_size` or `input_correlation` (the data sets them),
    /// files that read, an `image_size` that divides the data's side, a batch the training split holds, and
    /// `classes` the data's for `cross_entropy`.
    private func validateDataSet() throws(ParameterError) {
        guard input != .gaussian else { return }
        guard !architecture.isRecurrent else {
            throw ParameterError(
                key: "input",
                message: "a data set's images are read by plain and residual networks, not by "
                    + architecture.rawValue)
        }
        for (key, isSet) in [("input_size", inputSize != nil), ("input_correlation", inputCorrelation != 0)]
        where isSet {
            throw ParameterError(key: key, message: "is set by the data with \"input\": \"\(input.text)\"; remove it")
        }
        guard let inputs = try input.inputs(size: mapSize) else { return }
        if architecture == .residual, layer == .dense, mapSize * mapSize > width {
            throw ParameterError(
                key: "width",
                message: "a residual stream keeps the input's width: at least the image's \(mapSize * mapSize) "
                    + "pixels (image_size \(mapSize)); got \(width)")
        }
        guard batch <= inputs.data.train.count else {
            throw ParameterError(
                key: "batch", message: "must be at most the \(inputs.data.train.count) training images; got \(batch)")
        }
        if loss == .crossEntropy, classes != inputs.data.classes {
            throw ParameterError(
                key: "classes", message: "must be the data's \(inputs.data.classes) with cross_entropy; got \(classes)")
        }
    }

    /// The initialiser's parameter must be a finite number > 0; the error names `key.parameter`.
    private static func check(_ initializer: Initializer, key: String) throws(ParameterError) {
        switch initializer {
        case .normal(let std): try ParameterError.check(key + ".std", std, in: .positive)
        case .uniform(let limit): try ParameterError.check(key + ".limit", limit, in: .positive)
        case .varianceScaling(let scale, _, _): try ParameterError.check(key + ".scale", scale, in: .positive)
        case .orthogonal(let gain), .identity(let gain), .deltaOrthogonal(let gain):
            try ParameterError.check(key + ".gain", gain, in: .positive)
        }
    }
}

/// How layers (or time steps) are connected.
package enum Architecture: String, CaseIterable, Codable, Sendable {
    /// H_l = phi(H_{l-1} W_l + b_l).
    case plain
    /// Pre-activation residual blocks: H_l = H_{l-1} + alpha (phi(H_{l-1}) W_l + b_l).
    case residual
    /// A vanilla recurrent network over T = depth steps, weights tied: h_t = phi(h_{t-1} W + x_t U + b).
    case rnn
    /// PyTorch's `nn.LSTM` and `nn.GRU` cells over T = depth steps, weights tied (`LSTMStep`, `GRUStep`).
    case lstm, gru

    /// The layered (not recurrent) architectures.
    package static var feedforward: [Architecture] { allCases.filter { !$0.isRecurrent } }
}

extension Cell {
    /// The ranges of the keys that only some kinds read (`CellOption`), then what the cell's kind reads.
    fileprivate func validateOptions() throws(ParameterError) {
        if let inputSize { try ParameterError.check("input_size", inputSize, in: Cell.widthRange) }
        try ParameterError.check("input_correlation", inputCorrelation, in: Cell.inputCorrelationRange)
        try ParameterError.check("forget_bias", forgetBias, in: Cell.forgetBiasRange)
        try validateForKind()
    }
}

/// What one layer computes with its weights: a dense product or a convolution.
package enum LayerType: String, CaseIterable, Codable, Sendable {
    case dense, conv
}

/// The loss whose gradient is propagated backwards.
package enum Loss: String, CaseIterable, Codable, Sendable {
    /// 1/(2 batch) sum ||H_L - Y||^2, Y ~ N(0, 1).
    case mse
    /// Mean softmax cross-entropy of a fixed LeCun-normal linear readout, uniform labels.
    case crossEntropy = "cross_entropy"
    /// 1/batch sum <P, H_L>, P ~ N(0, 1): dLoss/dH_L = P / batch, independent of the network.
    case probe
}

/// The floating-point format of the forward and backward pass.
package enum Precision: String, CaseIterable, Codable, Sendable {
    case float64, float32
}

/// The numbers a real-valued key takes.
package enum NumberRange: Sendable, CustomStringConvertible {
    /// Finite and > 0.
    case positive
    /// Finite and >= 0.
    case nonNegative
    /// Any finite number.
    case finite
    /// [0, 1).
    case unitInterval

    package func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        return switch self {
        case .positive: value > 0
        case .nonNegative: value >= 0
        case .finite: true
        case .unitInterval: value >= 0 && value < 1
        }
    }

    /// What is valid, as messages say it.
    package var description: String {
        switch self {
        case .positive: "a finite number > 0"
        case .nonNegative: "a finite number >= 0"
        case .finite: "a finite number"
        case .unitInterval: "a number in [0, 1)"
        }
    }
}

/// A parameter outside its valid range.
package struct ParameterError: Error, CustomStringConvertible, Equatable {
    /// The parameter's key as in the config, e.g. `width` or `init.gain`.
    package let key: String
    /// What is wrong and what would be valid.
    package let message: String

    package var description: String { "\(key): \(message)" }

    package init(key: String, message: String) {
        (self.key, self.message) = (key, message)
    }

    static func check(_ key: String, _ value: Int, in range: ClosedRange<Int>) throws(ParameterError) {
        guard range.contains(value) else {
            let valid =
                range.upperBound == Int.max ? ">= \(range.lowerBound)" : "\(range.lowerBound) ... \(range.upperBound)"
            throw ParameterError(key: key, message: "must be an integer in \(valid), got \(value)")
        }
    }

    static func check(_ key: String, _ value: Double, in range: NumberRange) throws(ParameterError) {
        guard range.contains(value) else { throw ParameterError(key: key, message: "must be \(range), got \(value)") }
    }
}

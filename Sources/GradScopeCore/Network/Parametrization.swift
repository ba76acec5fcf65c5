/// How a network scales with width (SPEC "Width scaling"): `standard` scales nothing; `mup` (Yang et al. 2022,
/// "Tensor Programs V", Table 3) scales the readout's initialisation and each layer's learning rate by
/// m = width / base_width, so that every layer's activations and their change per step stay of order one as the
/// width grows, and coincides with `standard` at m = 1.
package enum Parametrization: String, CaseIterable, Sendable {
    case standard, mup
}

/// The initialisation of the cross-entropy readout V (channels x classes): LeCun normal, Var = 1/channels (times
/// 1/m under muP), or zero.
package enum ReadoutInit: String, CaseIterable, Sendable {
    case lecunNormal = "lecun_normal"
    case zero
}

/// The parameter sets muP treats alike: layer 1 (fan-in the fixed input size), hidden layers 2 ... L, every bias,
/// and the readout V.
package enum ParameterGroup: CaseIterable, Sendable {
    case inputLayer, hiddenLayer, bias, readout
}

extension Cell {
    /// m = width / base_width under muP (a conv net's width is its channels); 1 under `standard`.
    package var widthMultiplier: Double {
        parametrization == .mup ? Double(width) / Double(baseWidth) : 1
    }

    /// Var(V) relative to LeCun normal (1/channels): 1/m, or 0 for a zero readout.
    package var readoutVarianceScale: Double {
        readoutInit == .zero ? 0 : 1 / widthMultiplier
    }

    /// The learning rate of `group` relative to `train.learning_rate` (SPEC): under muP, layer 1 and every bias
    /// x m for SGD and momentum and x 1 for Adam; hidden layers x 1 for SGD and momentum and x 1/m for Adam; the
    /// readout x 1/m for every optimiser. 1 under `standard`.
    package func learningRateMultiplier(_ group: ParameterGroup, optimizer: Optimizer) -> Double {
        let m = widthMultiplier
        guard m != 1 else { return 1 }
        switch (group, optimizer) {
        case (.inputLayer, .adam), (.bias, .adam), (.hiddenLayer, .sgd), (.hiddenLayer, .momentum): return 1
        case (.inputLayer, _), (.bias, _): return m
        case (.hiddenLayer, .adam), (.readout, _): return 1 / m
        }
    }

    /// muP needs an input of fixed size (a data set, or `input_size` for a dense net), a readout of fixed size
    /// (`cross_entropy`) and plain layers; a zero readout needs one that is trained (the task `images`).
    func validateParametrization() throws(ParameterError) {
        try ParameterError.check("base_width", baseWidth, in: Cell.widthRange)
        guard parametrization == .mup else { return }
        guard architecture == .plain else {
            throw ParameterError(
                key: "architecture",
                message: "parametrization mup scales plain dense and conv nets (a residual stream has no input "
                    + "layer of fixed fan-in); got \(architecture.rawValue)")
        }
        guard input != .gaussian || (inputSize != nil && layer == .dense) else {
            throw ParameterError(
                key: "parametrization",
                message: "mup needs an input of fixed size: a data set (\"input\": \"fashion_mnist\") or, for a "
                    + "dense net, \"input_size\"; here layer 1 reads width features")
        }
        guard loss == .crossEntropy else {
            throw ParameterError(
                key: "loss",
                message: "parametrization mup needs the readout of fixed size of cross_entropy; got \(loss.rawValue)")
        }
    }
}

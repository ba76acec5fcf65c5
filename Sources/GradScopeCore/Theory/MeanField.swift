import RealModule

/// Mean-field theory of a deep network at initialisation (Poole et al. 2016; Schoenholz et
/// al. 2017), in the conventions of THEORY: sigma_w^2 = fan_in Var(W), sigma_b^2 = bias_std^2.
///
/// Forward: q_1 = sigma_w^2 input_std^2 + sigma_b^2, q_l = sigma_w^2 E[phi(sqrt(q_{l-1}) z)^2] + sigma_b^2.
/// Backward: E||D_{l-1}||^2 / E||D_l||^2 = chi(q_{l-1}), chi(q) = sigma_w^2 E[phi'(sqrt(q) z)^2].
/// An rnn is the plain recursion with sigma_b^2 + sigma_u^2 input_std^2 in the place of sigma_b^2
/// and q_1 = that share alone (h_0 = 0); the gated cells have no theory here.
/// Residual blocks: the stream's variance v_l = v_{l-1} + alpha^2 (sigma_w^2 E[phi^2] + sigma_b^2),
/// v_0 = input_std^2, and E||G_{l-1}||^2 / E||G_l||^2 = 1 + alpha^2 chi(v_{l-1}).
package struct MeanField: Sendable {
    package let activation: Activation
    /// sigma_w^2 and sigma_b^2.
    package let weightVariance: Double
    package let biasVariance: Double

    package init(activation: Activation, weightVariance: Double, biasVariance: Double) {
        (self.activation, self.weightVariance, self.biasVariance) = (activation, weightVariance, biasVariance)
    }

    /// The theory of `cell`'s network: sigma_w^2 = width Var(W) of its initialiser. For an rnn the
    /// input's share joins the bias's (THEORY): sigma_b^2 + sigma_u^2 input_std^2, sigma_u^2 =
    /// input_size Var(U), the variance that x_t U + b adds at every step.
    package init(_ cell: Cell) {
        var drive = cell.biasStd * cell.biasStd
        if cell.meanFieldForm == .recurrent {
            let k = cell.inputFeatures
            drive +=
                Double(k) * cell.inputInitializer.variance(fanIn: k, fanOut: cell.width) * cell.inputStd
                * cell.inputStd
        }
        let shape = cell.kindDeclaration.weightShape  // a convolution's fans are c k^2
        self.init(
            activation: cell.activation,
            weightVariance: Double(shape.fanIn) * cell.initializer.variance(fanIn: shape.fanIn, fanOut: shape.fanOut),
            biasVariance: drive)
    }

    /// Whether W_1, which reads `input_size` features (or c_0 channels), has the sigma_w^2 = fan_in Var(W) of
    /// the other layers, as the recursions assume (always with fan-in scaled initialisers); where it has not
    /// (Xavier with input_size != width), gradscope gives no theory rather than a wrong one.
    package static func firstLayerAlike(_ cell: Cell) -> Bool {
        let declaration = cell.kindDeclaration
        func variance(_ shape: WeightShape) -> Double {
            Double(shape.fanIn) * cell.initializer.variance(fanIn: shape.fanIn, fanOut: shape.fanOut)
        }
        let (first, other) = (variance(declaration.firstWeightShape), variance(declaration.weightShape))
        return abs(first - other) <= 1e-12 * abs(other)
    }

    /// sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2: the next layer's pre-activation variance.
    package func variance(after q: Double) -> Double {
        weightVariance * meanSquare(derivative: false, variance: q) + biasVariance
    }

    /// chi(q) = sigma_w^2 E[phi'(sqrt(q) z)^2].
    package func chi(_ q: Double) -> Double {
        weightVariance * meanSquare(derivative: true, variance: q)
    }

    /// E[phi(sqrt(q) z)^2], or E[phi'(sqrt(q) z)^2] when `derivative`.
    package func meanSquare(derivative: Bool, variance q: Double) -> Double {
        GaussianExpectation.of(.activation(activation, derivative: derivative, squared: true), variance: q)
    }

    /// Per layer l = 1 ... L, the predicted E||D_{l-1}||^2 / E||D_l||^2 (layer 1's entry, which has
    /// no layer below, is 1): chi(q_{l-1}) for plain networks, 1 + alpha^2 chi(v_{l-1}) for residual ones.
    package func squaredGains(_ cell: Cell) -> [Double] {
        let depth = cell.depth
        var gains = [1.0]
        let form = cell.meanFieldForm ?? .plain  // `CellTheory.forCells` asks for no gated cell's theory
        switch form {
        case .plain, .recurrent:
            // q_1: an rnn's h_0 = 0 leaves the input's and bias's share alone
            var q = (form == .recurrent ? 0 : weightVariance * cell.inputStd * cell.inputStd) + biasVariance
            var settled = false
            for _ in 2...max(2, depth) where gains.count < depth {
                gains.append(settled ? gains[gains.count - 1] : chi(q))  // chi(q_{l-1}) for l = 2, 3, ...
                let next = settled ? q : variance(after: q)
                settled = next == q  // at the fixed point every later layer is the same
                q = next
            }
        case .residual(let scale):
            let alpha2 = scale * scale
            var v = cell.inputStd * cell.inputStd  // v_0
            for _ in 2...max(2, depth) where gains.count < depth {
                v += alpha2 * variance(after: v)  // v_{l-1} for l = 2, 3, ...
                gains.append(1 + alpha2 * chi(v))
            }
        }
        return gains
    }

    /// The fixed point q* of the variance map (iterated from q_1 = sigma_w^2 + sigma_b^2, at most 5,000 times, until it
    /// settles; infinity when q grows without bound, 0 when it dies out) and chi_1 = chi(q*) (its limit).
    package var fixedPoint: (q: Double, chi: Double) {
        var q = weightVariance + biasVariance
        for _ in 0..<5000 {
            let next = variance(after: q)
            guard next.isFinite, next < 1e12 else { return (.infinity, chi(1e12)) }
            guard next > 1e-200 else { return (0, chi(q)) }  // q -> 0: chi's limit from above
            if abs(next - q) <= 1e-13 * max(q, 1e-300) { return (next, chi(next)) }
            q = next
        }
        return (q, chi(q))
    }
}

extension MeanField {
    /// The order-to-chaos line: the sigma_w^2 in [0.01, 20] at which chi_1 = 1 for `activation` and
    /// sigma_b^2, by 40 bisection steps on chi_1 - 1 (increasing in sigma_w^2); nil when chi_1 - 1 does
    /// not change sign there (sigmoid: chi_1 <= sigma_w^2 / 16 stays below 1).
    package static func criticalWeightVariance(_ activation: Activation, biasVariance: Double) -> Double? {
        func excess(_ w: Double) -> Double {
            MeanField(activation: activation, weightVariance: w, biasVariance: biasVariance).fixedPoint.chi - 1
        }
        var (low, high) = (0.01, 20.0)
        guard excess(low) < 0, excess(high) > 0 else { return nil }
        for _ in 0..<40 {
            let middle = (low + high) / 2
            if excess(middle) < 0 { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}

/// Where a network sits: chi_1 < 1 ordered (gradients vanish), chi_1 > 1 chaotic (they explode).
package enum Phase: String, Sendable {
    case ordered, critical, chaotic

    /// The phase of chi_1; within 1e-3 of 1 counts as critical.
    package init(chi: Double) {
        self = abs(chi - 1) <= 1e-3 ? .critical : (chi < 1 ? .ordered : .chaotic)
    }
}

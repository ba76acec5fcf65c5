import Foundation
/// What one (cell, seed) run measured, layer by layer.
package struct RunMeasurement: Equatable, Sendable {
    /// `ok`, or why the forward pass gave no usable numbers.
    package var status: RunStatus
    /// The loss of the forward pass (nil unless `ok`).
    package var loss: Double?
    /// Layer 1 (next to the input) first, layer L last; empty unless `ok`.
    package var layers: [LayerMeasurement]
    /// Var over the batch of ln(||d_1^b||^2 / ||d_L^b||^2), d_l^b row b of D_l: how much the gradient's
    /// journey from layer L to 1 differs between examples (Hanin 2018: about 5 sum_l 1/n_l for relu);
    /// nil where examples are coupled (batch normalisation) and for one layer.
    package var logRatioVariance: Double? = nil
    /// The mean over the batch of the same log-ratio (with the true scales: the power-of-two rescaling of the
    /// backward pass is undone), so that runs of several seeds pool into a variance over weight draws too.
    package var logRatioMean: Double? = nil

    package init(status: RunStatus, loss: Double?, layers: [LayerMeasurement]) {
        (self.status, self.loss, self.layers) = (status, loss, layers)
    }

    /// The measurement of a backward pass that ended with `status` and measured `layers` from the last to the
    /// first: the pass's failure, else the first failing norm's, else `ok` with the layers in order (layer 1
    /// first). One rule for every kind of network.
    package static func folding(status: RunStatus, loss: Double, measuredBackward layers: [LayerMeasurement])
        -> RunMeasurement
    {
        let worst = status != .ok ? status : (layers.lazy.flatMap(\.norms).first { $0.status != .ok }?.status ?? .ok)
        guard worst == .ok else { return RunMeasurement(status: worst, loss: nil, layers: []) }
        return RunMeasurement(status: .ok, loss: loss, layers: layers.reversed())
    }

    /// The mean and population variance of ln(first_b / last_b) + offset over the examples where both are
    /// positive (`offset`: the log of the two rows' scale ratio); nil with fewer than two such examples.
    static func logRatioMoments(_ first: [Double], _ last: [Double], offset: Double) -> (
        mean: Double, variance: Double
    )? {
        let ratios = zip(first, last).compactMap { a, b in a > 0 && b > 0 ? log(a) - log(b) + offset : nil }
        guard ratios.count >= 2 else { return nil }
        let mean = ratios.reduce(0, +) / Double(ratios.count)
        return (mean, ratios.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(ratios.count))
    }
}

/// Whether a run produced numbers.
package enum RunStatus: String, Codable, Sendable {
    case ok
    /// Some entry of the forward or backward pass became infinite.
    case overflow
    /// Some entry became NaN.
    case nan
}

/// The recorded numbers of one layer l of one run.
package struct LayerMeasurement: Equatable, Sendable {
    /// ||dLoss/dW_l||_F.
    package var gradW: ScaledNorm
    /// ||dLoss/db_l||_2.
    package var gradB: ScaledNorm
    /// ||D_l||_F, D_l = dLoss/dZ_l (the backpropagated error).
    package var gradZ: ScaledNorm
    /// ||G_l||_F, G_l = dLoss/dH_l.
    package var gradH: ScaledNorm
    /// Mean, standard deviation and saturated fraction of the layer's units.
    package var activations: ActivationStatistics
    /// The 10%, 50% and 90% quantiles over the batch of each example's share of the gradient,
    /// ||(dLoss_b/dW_l, dLoss_b/db_l)|| = ||d_b|| sqrt(||x_b||^2 + 1) (d_b, x_b: row b of D_l and of
    /// the layer's input); the loss is a batch mean, so each share carries its 1/batch.
    package var perExample: [ScaledNorm]
    /// Recurrent cells: ||dLoss/dx_t||_F, the gradient that reaches input t; nil for feedforward layers.
    package var gradX: ScaledNorm? = nil
    /// LSTM: ||dLoss/dc_t||_F, the gradient of the cell state; nil otherwise.
    package var gradC: ScaledNorm? = nil
    /// The correlation between examples of the layer's pre-activations (gated cells: of h_t); nil where
    /// not recorded (training).
    package var correlation: PairCorrelation? = nil

    /// Every norm the layer has, for the run's status.
    var norms: [ScaledNorm] { [gradW, gradB, gradZ, gradH] + [gradX, gradC].compactMap { $0 } }
}

/// Statistics of one layer's units over the batch: of H_l and phi'(Z_l) (plain),
/// or of phi(H_{l-1}) and phi'(H_{l-1}) (residual).
package struct ActivationStatistics: Equatable, Sendable {
    /// Mean of the entries.
    package var mean: Double
    /// Population standard deviation of the entries (divisor n).
    package var std: Double
    /// Fraction of entries with |phi'| < 0.05 sup phi' (dead units for relu).
    package var saturatedFraction: Double

    package init(mean: Double, std: Double, saturatedFraction: Double) {
        self.mean = mean
        self.std = std
        self.saturatedFraction = saturatedFraction
    }
}

/// dLoss/dW_l, dLoss/db_l and dLoss/dH_l of one layer (a recurrent cell: step t's shares of the
/// gradients of the shared W, b and U), in float64 at their true scale.
package struct LayerGradients: Sendable {
    package var weights: Matrix<Double>
    package var biases: [Double]
    package var output: Matrix<Double>
    /// GRU: dLoss/db_hn's share; empty for every other kind.
    package var hiddenBias: [Double] = []
    /// Recurrent cells: dLoss/dx_t = D_t U^T, and step t's share x_t^T D_t of dLoss/dU.
    package var input: Matrix<Double>?
    package var inputWeights: Matrix<Double>?
}

extension ScaledNorm {
    /// `ok` for a finite norm, else `nan` or `overflow`.
    package var status: RunStatus {
        significand.isNaN ? .nan : (significand.isFinite ? .ok : .overflow)
    }
}

/// The quantiles of the per-example gradient norms that are recorded, as their columns name them.
package enum PerExampleQuantile: String, CaseIterable, Sendable {
    case q10, q50, q90

    /// The quantile as a fraction.
    package var fraction: Double {
        switch self {
        case .q10: 0.1
        case .q50: 0.5
        case .q90: 0.9
        }
    }
}

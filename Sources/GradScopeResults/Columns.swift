/// The names of the CSV columns that more than one place knows, declared once: the exports write
/// their headers from these, and the report reads its values through them.
package enum Column {
    package static let cell = "cell", layer = "layer", step = "step", seed = "seed", status = "status"

    /// The CSV column of a cell parameter: its config key, except `layer` (dense or conv), whose column is
    /// `layer_type` because `layer` is the layer index of runs.csv and layers.csv.
    package static func parameter(_ key: String) -> String { key == layer ? "layer_type" : key }

    /// runs.csv and training.csv: ||dLoss/dX|| and its log10, X one of w, b, z, h.
    package static func norm(_ x: GradientNorm) -> String { "grad_\(x.rawValue)_norm" }
    package static func log10Norm(_ x: GradientNorm) -> String { "log10_grad_\(x.rawValue)_norm" }
    package static func norm(_ x: RecurrentNorm) -> String { "grad_\(x.rawValue)_norm" }
    package static func log10Norm(_ x: RecurrentNorm) -> String { "log10_grad_\(x.rawValue)_norm" }

    /// layers.csv: a statistic over seeds of log10 ||dLoss/dX||, and the geometric mean of the norm.
    package static func log10Norm(_ x: GradientNorm, _ statistic: SeedStatistic) -> String {
        "\(log10Norm(x))_\(statistic.rawValue)"
    }
    package static func geometricMean(_ x: GradientNorm) -> String { "\(norm(x))_geomean" }
    package static let actStdMean = "act_std_mean", saturatedFractionMean = "saturated_fraction_mean"
    /// layers.csv: mean-field theory's log10 ||D_l||, anchored at the last layer.
    package static let theoryLog10GradZNorm = "theory_log10_grad_z_norm"

    /// summary.csv: the mean log10 norm of layer 1 minus that of layer L, and the fitted gain per layer.
    package static func log10RatioFirstLast(_ x: GradientNorm) -> String { "\(x.rawValue)_log10_ratio_first_last" }
    package static func log10GainPerLayer(_ x: GradientNorm) -> String { "\(x.rawValue)_log10_gain_per_layer" }
    /// summary.csv and training_summary.csv: the standard error over seeds beside a column that is averaged
    /// or fitted over seeds.
    package static func standardError(_ column: String) -> String { column + "_se" }
    /// summary.csv: the same two for theory's z profile.
    package static let theoryZRatio = "theory_" + log10RatioFirstLast(.z),
        theoryZGain = "theory_" + log10GainPerLayer(.z)

    /// training.csv.
    package static let testLoss = "test_loss", relativeUpdate = "relative_update"
    /// The pair correlation of a layer's pre-activations (runs.csv; means over seeds in layers.csv), theory's c_l,
    /// and (summary.csv) the measured correlation at layer L and theory's c*, chi_c and xi_c.
    package static let correlationMean = "correlation_mean", correlationStd = "correlation_std"
    package static let theoryCorrelation = "theory_correlation", correlationLast = "correlation_last"
    package static let theoryCStar = "theory_c_star", theoryChiC = "theory_chi_c", theoryXiC = "theory_xi_c"
    /// summary.csv: the measured xi_c, and mean-field theory's sigma_w^2 and sigma_b^2 of the cell.
    package static let correlationDepthScale = "correlation_depth_scale"
    package static let sigmaW2 = "theory_sigma_w2", sigmaB2 = "theory_sigma_b2"
    /// The per-run variance and mean over examples of ln(||d_1||^2 / ||d_L||^2) (the store), pooled over the
    /// seeds in summary.csv.
    package static let logRatioVariance = "per_example_log_ratio_variance", logRatioMean = "per_example_log_ratio_mean"
    /// The training task, among the parameter columns of a training cell.
    package static let trainTask = "train_task"
    /// spectra_histogram.csv: a bin's edges in log10 sigma and the fraction of singular values in it.
    package static let log10SigmaLow = "log10_sigma_low", log10SigmaHigh = "log10_sigma_high", fraction = "fraction"
}

/// A statistic over seeds, as layers.csv names it.
package enum SeedStatistic: String, CaseIterable, Sendable {
    case mean, std, min, max
}

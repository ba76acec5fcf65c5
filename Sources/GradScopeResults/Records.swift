import GradScopeCore
/// The stored numbers of one finished (cell, seed) run.
package struct RunRecord: Equatable, Sendable {
    /// The cell's position in grid order.
    package var cellIndex: Int
    package var seed: Int
    package var status: RunStatus
    package var loss: Double?
    /// Wall time of the run (kept out of the CSV files, which must be reproducible).
    package var seconds: Double
    /// Layer 1 first; empty unless `ok`.
    package var layers: [LayerRecord]
    /// The recorded steps of training, in step order; empty when the cell does not train.
    package var training: [TrainingStepRecord]
    /// The singular values of the input-output Jacobian, largest first; empty unless `jacobian` is on.
    package var singularValues: [ScaledNorm]
    /// Var and mean over the batch of ln(||d_1^b||^2 / ||d_L^b||^2) (`RunMeasurement.logRatioVariance`).
    package var logRatioVariance: Double?
    package var logRatioMean: Double?

    package init(
        cellIndex: Int, seed: Int, status: RunStatus, loss: Double?, seconds: Double, layers: [LayerRecord],
        training: [TrainingStepRecord] = [], singularValues: [ScaledNorm] = [], logRatioVariance: Double? = nil,
        logRatioMean: Double? = nil
    ) {
        (self.singularValues, self.logRatioVariance, self.logRatioMean) = (
            singularValues, logRatioVariance, logRatioMean
        )
        self.cellIndex = cellIndex
        self.seed = seed
        self.status = status
        self.loss = loss
        self.seconds = seconds
        self.layers = layers
        self.training = training
    }
}

/// The stored numbers of one recorded training step of one run.
package struct TrainingStepRecord: Equatable, Sendable {
    package var step: Int
    /// Training stopped at a step that failed.
    package var status: RunStatus
    package var trainLoss, testLoss, trainAccuracy, testAccuracy: Double?
    /// Layer 1 first; empty unless `ok`.
    package var layers: [LayerRecord]
    /// ||W_l(t) - W_l(0)||_F / ||W_l(0)||_F, index l - 1.
    package var relativeUpdates: [Double]
    /// A conv net on images, at its first and last step: the first layer's filters on the image.
    package var filters: [FilterWeight]
    /// The coordinate check, layers 1 ... L and (with a readout) L + 1.
    package var coordinates: [Coordinate]

    package init(
        step: Int, status: RunStatus, trainLoss: Double?, testLoss: Double?, trainAccuracy: Double?,
        testAccuracy: Double?, layers: [LayerRecord], relativeUpdates: [Double], filters: [FilterWeight] = [],
        coordinates: [Coordinate] = []
    ) {
        (self.step, self.status, self.trainLoss, self.testLoss) = (step, status, trainLoss, testLoss)
        (self.trainAccuracy, self.testAccuracy, self.layers, self.relativeUpdates, self.filters) = (
            trainAccuracy, testAccuracy, layers, relativeUpdates, filters
        )
        self.coordinates = coordinates
    }
}

/// The stored numbers of one layer of one run.
package struct LayerRecord: Equatable, Sendable {
    package var gradW, gradB, gradZ, gradH: ScaledNorm
    package var actMean, actStd, saturatedFraction: Double
    /// The 10, 50 and 90% quantiles over the batch of the per-example gradient norms (empty when not recorded).
    package var perExample: [ScaledNorm]

    /// Recurrent cells: ||dLoss/dx_t|| and (LSTM) ||dLoss/dc_t||; nil where the layer has none.
    package var gradX, gradC: ScaledNorm?
    /// The pair correlation of the layer's pre-activations; nil where not recorded.
    package var correlation: PairCorrelation?

    package init(
        gradW: ScaledNorm, gradB: ScaledNorm, gradZ: ScaledNorm, gradH: ScaledNorm,
        actMean: Double, actStd: Double, saturatedFraction: Double, perExample: [ScaledNorm] = [],
        gradX: ScaledNorm? = nil, gradC: ScaledNorm? = nil, correlation: PairCorrelation? = nil
    ) {
        self.correlation = correlation
        (self.gradW, self.gradB, self.gradZ, self.gradH) = (gradW, gradB, gradZ, gradH)
        (self.actMean, self.actStd, self.saturatedFraction, self.perExample) = (
            actMean, actStd, saturatedFraction, perExample
        )
        (self.gradX, self.gradC) = (gradX, gradC)
    }

    /// The recurrent norms in column order (`RecurrentNorm.allCases`).
    package var recurrentNorms: [ScaledNorm?] { RecurrentNorm.allCases.map { self[$0] } }

    /// One of the recurrent norms.
    package subscript(norm: RecurrentNorm) -> ScaledNorm? {
        switch norm {
        case .x: gradX
        case .c: gradC
        }
    }

    /// The four norms in column order (`GradientNorm.allCases`).
    package var norms: [ScaledNorm] { GradientNorm.allCases.map { self[$0] } }

    /// One of the four norms.
    package subscript(norm: GradientNorm) -> ScaledNorm {
        switch norm {
        case .w: gradW
        case .b: gradB
        case .z: gradZ
        case .h: gradH
        }
    }
}

/// Identifies a run within a sweep.
package struct RunKey: Hashable, Sendable {
    package var cellIndex: Int
    package var seed: Int
    package init(cellIndex: Int, seed: Int) {
        self.cellIndex = cellIndex
        self.seed = seed
    }
}

/// The status of a cell over its seeds in `summary.csv` and `training_summary.csv`: `ok` when every seed
/// ran `ok`, else the first seed's failure, or `incomplete` while some runs are missing.
package enum CellStatus: String, Sendable {
    case ok, overflow, nan, incomplete

    /// The cell's status from its runs' statuses (in seed order) and whether all its seeds ran.
    init(_ statuses: [RunStatus], complete: Bool) {
        if let failed = statuses.first(where: { $0 != .ok }) {
            self = failed == .nan ? .nan : .overflow
        } else {
            self = complete ? .ok : .incomplete
        }
    }
}

/// The four gradient norms of a layer, in column order, as the store's and the CSV files' columns name them
/// (`grad_w_norm`, `grad_w_significand`, ...): dLoss/dW_l, dLoss/db_l, D_l = dLoss/dZ_l, G_l = dLoss/dH_l.
package enum GradientNorm: String, CaseIterable, Sendable {
    case w, b, z, h
}

/// The gradient norms that only recurrent steps have: of the input x_t and of the LSTM's cell state c_t.
package enum RecurrentNorm: String, CaseIterable, Sendable {
    case x, c
}

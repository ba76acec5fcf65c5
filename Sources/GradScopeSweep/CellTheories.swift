import Dispatch
import GradScopeCore
import GradScopeResults
import Synchronization

/// The mean-field theory of an experiment's cells (`CellTheory.forCells`), computed on a background thread
/// from the moment this is made, so that it overlaps what runs meanwhile; `value` waits for it.
final class PendingTheories: Sendable {
    private let result = Mutex<[Int: CellTheory]>([:])
    private let group = DispatchGroup()

    init(_ experiment: Experiment) {
        let cells = experiment.cells.map(\.cell)
        DispatchQueue.global().async(group: group) { [self] in
            let theories = CellTheory.forCells(cells)
            result.withLock { $0 = theories }
        }
    }

    var value: [Int: CellTheory] {
        group.wait()
        return result.withLock { $0 }
    }
}
extension CellTheory {
    /// Mean-field theory for each cell (index in `cells`), computed once per distinct theory: cells whose
    /// theory has the same inputs (activation, sigma_w^2, sigma_b^2, input_std, the kind's form with alpha) share
    /// it whatever their width, initialiser's name or depth (a shallower net's layer sequence is a prefix
    /// of the deepest one's). The distinct theories are computed concurrently.
    static func forCells(_ cells: [Cell]) -> [Int: CellTheory] {
        var deepest = [TheoryKey: Cell]()
        for cell in cells where cell.normalization == .none && CellTheory.hasMeanField(cell) && cell.input == .gaussian
        {
            let key = TheoryKey(cell)
            if deepest[key].map({ $0.depth < cell.depth }) ?? true { deepest[key] = cell }
        }
        let families = Array(deepest)
        let computed = families.concurrentMap { _, cell in
            let theory = MeanField(cell), point = theory.fixedPoint
            var result = CellTheory(
                squaredGains: theory.squaredGains(cell), fixedPoint: point.q,
                chiAtFixedPoint: point.chi, phase: Phase(chi: point.chi))
            (result.weightVariance, result.biasVariance) = (theory.weightVariance, theory.biasVariance)
            if cell.meanFieldForm == .plain {
                let map = CorrelationMap(theory)
                result.correlations = map.correlations(
                    inputCorrelation: cell.inputCorrelation, inputVariance: cell.inputStd * cell.inputStd,
                    depth: cell.depth)
                result.correlationFixedPoint = map.fixedPoint(at: point)
            }
            return result
        }
        let theories = Dictionary(uniqueKeysWithValues: zip(families.map(\.key), computed))
        var result = [Int: CellTheory]()
        // no theory for a data set's images: their pair correlations are the data's, not a Gaussian's
        for (index, cell) in cells.enumerated() where MeanField.firstLayerAlike(cell) && cell.input == .gaussian {
            if cell.normalization != .none {
                result[index] = NormalizedMeanField(cell).map {
                    CellTheory(
                        squaredGains: $0.squaredGains, fixedPoint: $0.fixedPoint, chiAtFixedPoint: $0.chi,
                        phase: Phase(chi: $0.chi))
                }
                continue
            }
            guard CellTheory.hasMeanField(cell), let full = theories[TheoryKey(cell)] else { continue }
            var theory = CellTheory(
                squaredGains: Array(full.squaredGains.prefix(cell.depth)), fixedPoint: full.fixedPoint,
                chiAtFixedPoint: full.chiAtFixedPoint, phase: full.phase)
            (theory.correlations, theory.correlationFixedPoint) = (
                Array(full.correlations.prefix(cell.depth)), full.correlationFixedPoint
            )
            (theory.weightVariance, theory.biasVariance) = (full.weightVariance, full.biasVariance)
            result[index] = theory
        }
        return result
    }
}

extension CellTheory {
    /// Whether mean-field theory covers the cell: a kind with a mean-field form (not the gated cells), and
    /// not `identity` weights, which are not random.
    static func hasMeanField(_ cell: Cell) -> Bool {
        if case .identity = cell.initializer { return false }
        return cell.meanFieldForm != nil
    }
}

/// Everything mean-field theory reads from a cell except its depth.
private struct TheoryKey: Hashable {
    let activation: Activation
    let weightVariance: Double, biasVariance: Double, inputStd: Double, inputCorrelation: Double
    /// The kind's recursion (with a residual block's alpha).
    let form: MeanFieldForm?

    init(_ cell: Cell) {
        let field = MeanField(cell)
        (activation, weightVariance, biasVariance) = (field.activation, field.weightVariance, field.biasVariance)
        (inputStd, form, inputCorrelation) = (cell.inputStd, cell.meanFieldForm, cell.inputCorrelation)
    }
}

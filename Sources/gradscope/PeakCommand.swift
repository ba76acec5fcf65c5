import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// `gradscope gemm-peak`: this machine's float64 GEMM rate through gradscope's own BLAS layer (for `make bench`).
struct PeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm-peak",
        abstract: "Measure the float64 GEMM rate (GFLOP/s) through gradscope's BLAS layer.",
        shouldDisplay: false
    )

    @Option(help: "Matrix size n of the n x n x n products.") var size = 2048
    @Option(help: "Products to time (the best is reported).") var repeats = 10
    @Option(help: "Threads (default: all cores).") var threads: Int?

    func run() {
        BLASLibrary.configure(threads: max(1, threads ?? machineCores))
        let stream = RandomStream(seed: 0, purpose: "gemm-peak")
        let a = try! Matrix(rows: size, columns: size, elements: stream.uniform(count: size * size))
        var c = Matrix<Double>(rows: size, columns: size)
        let best = bestSeconds(repeats: repeats) { _ in
            Double.gemm(a, transposeA: false, a, transposeB: false, into: &c, alpha: 1, beta: 0)
        }
        print(String(format: "%.2f", 2 * pow(Double(size), 3) / best / 1e9))
    }
}

/// `gradscope normals-rate`: float64 standard normals per second on one core (for `make bench`).
struct NormalsRateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normals-rate",
        abstract: "Measure Gaussian sampling: float64 normals per second on one core.",
        shouldDisplay: false
    )

    @Option(help: "Normals per timed fill (default: one 1024 x 1024 weight matrix).") var count = 1 << 20
    @Option(help: "Timed fills (the best is reported).") var repeats = 30

    func run() {
        BLASLibrary.configure(threads: 1)  // no idle OpenBLAS threads spinning beside the timed loop
        // one buffer, refilled: as the weight cache refills its matrices
        var values = [Double](repeating: 0, count: count)
        let best = bestSeconds(repeats: repeats) { round in
            RandomStream(seed: round, purpose: "normals-rate").fillNormal(&values)
        }
        print(String(format: "%.0f", Double(count) / best))
    }
}

/// `gradscope gemm-floor CONFIG`: the seconds that the matrix products alone of a plain implementation
/// of the sweep take on this machine (for `make bench`): per run and layer the forward product
/// H W (a convolution's patches P K), the backward product D W^T (D K^T) and dW = H^T D (P^T D), in the
/// cell's precision, the runs spread over all cores with one BLAS thread each, nothing else; a cell that
/// trains repeats them for each of its steps + 1 minibatches and adds the forward products of its recorded
/// evaluations (the training subset and the held-out set, in batches). No implementation that does these
/// products with this BLAS can be faster.
struct FloorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm-floor",
        abstract: "Time the GEMMs alone of a plain implementation of a sweep (seconds).",
        shouldDisplay: false
    )

    @Argument(help: "The experiment config.") var config: String

    func run() throws {
        BLASLibrary.configure(threads: 1)
        let experiment = try ExperimentLoader.load(path: config)
        let runs: [ProductShape] = experiment.cells.flatMap { grid in
            experiment.seeds.map { _ in ProductShape(grid.cell, training: grid.draft.training) }
        }
        let shapes = runs.sorted { $0.cost > $1.cost }  // largest first, for an even split
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: shapes.count) { index in
            let shape = shapes[index]
            shape.precision == .float32 ? shape.products(Float.self) : shape.products(Double.self)
        }
        print(String(format: "%.3f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    }
}

/// The three products of one run's layers: (rows x inner) (inner x outputs) forward, its transpose backward,
/// and the weight gradient; rows = batch (x positions for a convolution), inner = width (c k^2); `passes` times
/// (a training run's minibatches), then the forward products of its evaluations, `evaluations` rows each.
private struct ProductShape {
    let rows: Int, inner: Int, outputs: Int, depth: Int, precision: Precision
    let passes: Int, evaluations: [Int]

    init(_ cell: Cell, training: TrainingSettings?) {
        let declaration = cell.kindDeclaration
        let positions = declaration.featureShape.height * declaration.featureShape.width
        (rows, inner, outputs) = (cell.batch * positions, declaration.weightShape.rows, declaration.weightShape.columns)
        (depth, precision) = (cell.depth, cell.precision)
        guard let training, !cell.layout.recurrent else {
            (passes, evaluations) = (1, [])
            return
        }
        passes = training.steps + 1
        let chunks = training.evaluatedExamples(for: cell).flatMap { count in
            stride(from: 0, to: count, by: cell.batch).map { min(cell.batch, count - $0) * positions }
        }
        evaluations = Array(Array(repeating: chunks, count: training.recordedSteps.count).joined())
    }

    var cost: Int { inner * outputs * depth * (3 * rows * passes + evaluations.reduce(0, +)) }

    func products<S: BLASScalar>(_: S.Type) {
        let h = Matrix<S>(rows: rows, columns: inner, repeating: 0.5),
            w = Matrix<S>(rows: inner, columns: outputs, repeating: 0.01)
        var z = Matrix<S>(rows: rows, columns: outputs), g = h, dW = w
        for _ in 0..<passes {
            for _ in 0..<depth {
                S.gemm(h, transposeA: false, w, transposeB: false, into: &z, alpha: 1, beta: 0)
                S.gemm(z, transposeA: false, w, transposeB: true, into: &g, alpha: 1, beta: 0)
                S.gemm(h, transposeA: true, z, transposeB: false, into: &dW, alpha: 1, beta: 0)
            }
        }
        let chunks = Dictionary(evaluations.map { ($0, Matrix<S>(rows: $0, columns: inner, repeating: 0.5)) }) { a, _ in
            a
        }
        for chunk in evaluations {
            guard let x = chunks[chunk] else { continue }
            var y = Matrix<S>(rows: chunk, columns: outputs)
            for _ in 0..<depth { S.gemm(x, transposeA: false, w, transposeB: false, into: &y, alpha: 1, beta: 0) }
        }
    }
}

/// `gradscope haar-rate`: seconds per Haar-random orthogonal matrix on one core, by gradscope's sampler
/// (reflectors drawn directly, Q formed in compact-WY blocks) and by the factorisation it replaced (dgeqrf +
/// dorgqr of the same Gaussian draws), timed alternately, best of `repeats` each (for `make bench` and
/// docs/performance.md).
struct HaarRateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haar-rate",
        abstract: "Time one Haar-random orthogonal matrix: gradscope's sampler against dgeqrf + dorgqr (seconds).",
        shouldDisplay: false
    )

    @Option(help: "The matrix is width x width.") var width = 1024
    @Option(help: "Timed draws of each (the best is reported).") var repeats = 5

    func run() throws {
        BLASLibrary.configure(threads: 1)
        let gaussian = try Initializer.normal(std: 1).weights(seed: 0, layer: 1, fanIn: width, fanOut: width)
        var best = (sampler: Double.infinity, factorisation: Double.infinity)
        for _ in 0..<max(1, repeats) {  // alternately, so that both see the same machine
            best.sampler = min(
                best.sampler, try bestSeconds { _ in _ = try Initializer.haarOrthogonal(from: gaussian) })
            best.factorisation = min(best.factorisation, try bestSeconds { _ in _ = try Double.qr(gaussian) })
        }
        print(
            String(
                format: "sampler %.4g s, dgeqrf + dorgqr %.4g s, ratio %.2fx", best.sampler,
                best.factorisation, best.factorisation / best.sampler))
    }
}

/// The shortest wall time in seconds of `repeats` calls of `body` (passed the round, from 0): the timing of
/// the measuring commands, best of several so that one interruption does not count.
func bestSeconds(repeats: Int = 1, _ body: (Int) throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for round in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body(round)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

import GradScopeCore
import GradScopeResults
import Foundation

/// The work and memory one run of a cell needs, estimated before anything runs.
package struct RunEstimate: Sendable, Equatable {
    /// Floating-point operations of one run: 6 batch width^2 per layer for the forward and
    /// backward GEMMs, plus 8/3 width^3 per layer for the QR of `orthogonal`.
    package let flops: Double
    /// Peak bytes of one run: weights, the per-layer forward state, scratch and draws.
    package let bytes: Double

    /// With `training`: plus (steps + 1) forward and backward passes that form every dW_l,
    /// a forward pass per example (2 width^2 per dense layer) for each evaluation of the training subset and
    /// held-out set, and the training state (initial weights, gradients, two optimiser moments, the data).
    package init(_ cell: Cell, training: TrainingSettings?) {
        let base = RunEstimate(cell)
        guard let training else {
            self = base
            return
        }
        if cell.layout.recurrent {
            self = base.addingSequenceTraining(cell, training)
            return
        }
        let shape = LayerShape(cell)
        let (b, l) = (Double(cell.batch), Double(cell.depth))
        let scalar = cell.precision == .float64 ? 8.0 : 4.0
        let sizes = training.exampleCounts(cell)
        let evaluations = Double(training.recordedSteps.count) * sizes.evaluated * shape.forwardFlops(batch: 1) * l
        flops = base.flops + Double(training.steps + 1) * 3 * shape.forwardFlops(batch: b) * l + evaluations
        // the teacher, or the cluster centres
        let w = Double(cell.width)
        let task = training.task == .teacher ? 2 * w * w * 8 : Double(cell.classes) * w * 8
        let targets = training.task == .images ? 0 : w  // a drawn task's targets (teacher) or their room
        bytes =
            base.bytes + 4 * l * shape.weights * scalar + sizes.stored * (Double(cell.inputFeatures) + targets) * 8
            + task
    }

    /// A recurrent cell's training on sequences, from one run's estimate (one pass through time at
    /// `batch`): (steps + 1) such passes, a forward pass (a third of one) per `batch` evaluated sequences
    /// at each recorded step, the training state (initial W, gradients, two optimiser moments of W, U
    /// and b) and the sequences, T x input_size features each.
    func addingSequenceTraining(_ cell: Cell, _ training: TrainingSettings) -> RunEstimate {
        let (w, k, t) = (Double(cell.width), Double(cell.inputFeatures), Double(cell.depth))
        let g = Double(cell.layout.gates)
        let scalar = cell.precision == .float64 ? 8.0 : 4.0
        let sizes = training.exampleCounts(cell)
        let evaluations = Double(training.recordedSteps.count) * sizes.evaluated / Double(cell.batch) * flops / 3
        return RunEstimate(
            flops: flops + Double(training.steps + 1) * flops + evaluations,
            bytes: bytes + 4 * g * w * (w + k + 1) * scalar + sizes.stored * (t * k + 1) * 8)
    }

    /// Plus the Jacobian spectrum of one example's f x f map (f = width, or a conv net's c n^2 features):
    /// a second forward pass, per layer f tangent rows through the layer's product (f/batch times a
    /// forward GEMM), and an SVD (about 10 f^3), with three f x f matrices.
    func addingJacobian(_ cell: Cell) -> RunEstimate {
        let shape = LayerShape(cell)
        let (f, b) = (shape.features, Double(cell.batch))
        let forward = shape.forwardFlops(batch: b)
        return RunEstimate(flops: flops + forward * (1 + f / b) + 10 * f * f * f, bytes: bytes + 3 * f * f * 8)
    }

    init(flops: Double, bytes: Double) {
        (self.flops, self.bytes) = (flops, bytes)
    }

    /// The FLOPs of drawing one r x c weight matrix by QR: 8/3 r c min(r, c) for `orthogonal` and
    /// `delta_orthogonal` (dgeqrf and dorgqr; 8/3 width^3 for a dense layer), else 0.
    static func qrFlops(_ cell: Cell) -> Double {
        switch cell.initializer {
        case .orthogonal, .deltaOrthogonal: break
        default: return 0
        }
        let shape = cell.kindDeclaration.weightShape
        let (r, c) = (Double(shape.rows), Double(shape.columns))
        return 8.0 / 3 * r * c * min(r, c)
    }

    /// A layered cell: per layer the forward GEMM and the backward two (6 batch width^2 for a dense layer,
    /// 6 batch n^2 (c k^2) c for a convolution), normalisation's 12 FLOPs per entry; the weights, the
    /// states each layer saves, scratch (with a convolution's patches and their gradient) and the float64 draws.
    package init(_ cell: Cell) {
        if cell.layout.recurrent {
            self = Self.recurrent(cell)
            return
        }
        let shape = LayerShape(cell)
        let (f, b, l) = (shape.features, Double(cell.batch), Double(cell.depth))
        let scalar = cell.precision == .float64 ? 8.0 : 4.0
        let normalized = cell.normalization != .none
        flops = 3 * shape.forwardFlops(batch: b) * l + Self.qrFlops(cell) * l + (normalized ? 12 * b * f * l : 0)
        let perLayerStates = Double(cell.kindDeclaration.savedStates)
        let weights = l * shape.weights * scalar
        let forward = (perLayerStates * l + 1) * b * f * scalar
        let scratch = (3 * b * f + shape.weights + 2 * b * shape.patches) * scalar
        let draws = 3 * shape.weights * 8 + 3 * b * f * 8  // float64 draws and their scaled copies
        bytes = weights + forward + scratch + draws
    }
}

/// The sizes of one layer of a layered cell, from its kind's declarations.
struct LayerShape {
    /// Features of one example's activation (width, or c n^2).
    let features: Double
    /// Entries of W_l (K_l: (c k^2) x c).
    let weights: Double
    /// Rows of the weight input per example (1, or a convolution's n^2 positions).
    let positions: Double
    /// Entries of one example's patches (0 for a dense layer: it reads H itself).
    let patches: Double

    init(_ cell: Cell) {
        let declaration = cell.kindDeclaration
        let (w, f) = (declaration.weightShape, declaration.featureShape)
        features = Double(f.count)
        weights = Double(w.rows * w.columns)
        positions = Double(f.height * f.width)
        patches = w.taps > 1 || positions > 1 ? positions * Double(w.rows) : 0
    }

    /// 2 batch positions rows columns: the forward GEMM of one layer.
    func forwardFlops(batch: Double) -> Double { 2 * batch * positions * weights }
}

extension RunEstimate {
    /// A recurrent cell over T = depth steps with G gates (rnn 1, GRU 3, LSTM 4): per step the products
    /// h W and x U forward, dz W^T, dz U^T and the two weight shares backward (6 batch G width (width +
    /// input_size)), about 30 G batch width elementwise; one W and U (tied), the draws of the G gates' W;
    /// per step the inputs and the batch x width states the kind saves (G + 3).
    static func recurrent(_ cell: Cell) -> RunEstimate {
        let (w, b, t, k) = (Double(cell.width), Double(cell.batch), Double(cell.depth), Double(cell.inputFeatures))
        let g = Double(cell.layout.gates)
        let scalar = cell.precision == .float64 ? 8.0 : 4.0
        let products: Double = 6 * b * g * w * (w + k) * t
        let flops: Double = products + 30 * g * b * w * t + g * qrFlops(cell)
        let weights: Double = g * w * (w + k) * scalar + 3 * g * w * w * 8
        let states: Double = t * (Double(cell.kindDeclaration.savedStates) * b * w + b * k) * scalar
        let scratch: Double = 4 * g * b * w * scalar
        return RunEstimate(flops: flops, bytes: weights + states + scratch)
    }
}

extension TrainingSettings {
    /// The examples a run of `cell` keeps (training and held-out sets) and those it evaluates at each recorded step
    /// (the training subset and the held-out set).
    func exampleCounts(_ cell: Cell) -> (stored: Double, evaluated: Double) {
        (
            Double(trainingExamples(for: cell) + heldOutExamples(for: cell)),
            Double(evaluatedExamples(for: cell).reduce(0, +))
        )
    }
}

extension GridCell {
    /// The work and memory of one run of this cell, training and the Jacobian spectrum included.
    var estimate: RunEstimate {
        let base = RunEstimate(cell, training: draft.training)
        return draft.jacobian ? base.addingJacobian(cell) : base
    }
}

/// This machine's memory that a sweep may use.
package enum MachineMemory {
    /// `MemAvailable` from /proc/meminfo, in bytes; nil where it cannot be read.
    package static var available: Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Double(fields[1]) { return kib * 1024 }
        }
        return nil
    }
}

extension Experiment {
    /// The largest per-run estimate over the grid.
    package var peakEstimate: RunEstimate? { largestCell?.estimate }

    /// The cell whose run needs the most memory, with its estimate.
    var largestCell: (cell: GridCell, estimate: RunEstimate)? {
        cells.map { ($0, $0.estimate) }.max { $0.1.bytes < $1.1.bytes }
    }

    /// Total floating-point operations of the whole sweep (all cells, all seeds).
    package var totalFlops: Double {
        cells.reduce(0) { $0 + $1.estimate.flops } * Double(seeds.count)
    }

    /// An error when `jobs` runs at a time cannot fit in `available` bytes.
    package func memoryCheck(jobs: Int, available: Double?) -> ConfigError? {
        guard let available, let (cell, peak) = largestCell else { return nil }
        guard peak.bytes * Double(jobs) > available else { return nil }
        return ConfigError(
            file: file, path: "sweep", position: document["sweep"]?.position,
            message:
                "cell \(cell.id) (depth \(cell.cell.depth), width \(cell.cell.width), batch \(cell.cell.batch)) needs "
                + "about \(Format.bytes(peak.bytes)) per run\(jobs > 1 ? " x \(jobs) jobs" : ""), but this machine has "
                + "\(Format.bytes(available)) available; lower depth, width or "
                + "batch\(jobs > 1 ? ", or run fewer jobs at a time" : "")"
        )
    }
}

/// The tables a sweep writes and whether a spreadsheet can open them.
extension Experiment {
    /// Spreadsheets open at most this many rows, the header included (Excel; LibreOffice Calc by default).
    package static let spreadsheetRows = 1_048_576

    /// Each CSV file this sweep writes, with the number of data rows it will hold when every run finishes
    /// (a run that overflows writes fewer: these are upper bounds).
    package var csvRowCounts: [(file: String, rows: Int)] {
        let seedCount = seeds.count
        var runs = 0, layers = 0, training = 0, trainingCells = 0, spectra = 0
        for cell in cells {
            let depth = cell.cell.depth
            runs += seedCount * depth
            layers += depth
            if let settings = cell.draft.training {
                training += seedCount * settings.recordedSteps.count * depth
                trainingCells += 1
            }
            if cell.draft.jacobian { spectra += 1 }
        }
        var counts = [("runs.csv", runs), ("layers.csv", layers), ("summary.csv", cells.count)]
        if trainingCells > 0 { counts += [("training.csv", training), ("training_summary.csv", trainingCells)] }
        if spectra > 0 {
            counts += [
                ("spectra.csv", spectra * seedCount), ("spectra_histogram.csv", spectra * SpectraExport.histogramRows),
            ]
        }
        return counts
    }

    /// A warning when some CSV file will have more rows than a spreadsheet opens (nothing is refused):
    /// which files will not open whole, and which will.
    package var spreadsheetWarning: String? {
        let counts = csvRowCounts
        let tooLong = counts.filter { $0.rows + 1 > Self.spreadsheetRows }
        guard !tooLong.isEmpty else { return nil }
        let opening = counts.filter { $0.rows + 1 <= Self.spreadsheetRows }
        let list = { (files: [(file: String, rows: Int)]) in
            files.map { "\($0.file) (\(Format.count($0.rows)) rows)" }.joined(separator: ", ")
        }
        return
            "\(file): warning: \(list(tooLong)) will have more rows than a spreadsheet opens "
            + "(\(Format.count(Self.spreadsheetRows)) with the header); "
            + (opening.isEmpty
                ? "read it with a script or a database (results.sqlite)"
                : "\(list(opening)) will open; read the rest with a script or results.sqlite")
            + ". Nothing is refused."
    }
}

import RealModule

/// Examples with what the loss compares them to: regression targets (`mse`) or class labels (`cross_entropy`).
package struct LabelledSet: Sendable {
    /// One example per row, width features.
    package let inputs: Matrix<Double>
    /// `teacher`: the teacher's outputs, one row per example; `clusters`: empty.
    package let targets: Matrix<Double>
    /// `clusters`: the class of each example; `teacher`: empty.
    package let labels: [Int]

    package var count: Int { inputs.rows }

    /// The examples at `indices`, in that order.
    package func rows(_ indices: [Int]) -> LabelledSet {
        LabelledSet(
            inputs: inputs.gatheringRows(indices), targets: targets.gatheringRows(indices),
            labels: labels.isEmpty ? [] : indices.map { labels[$0] })
    }

    /// The examples `range`.
    package func rows(_ range: Range<Int>) -> LabelledSet { rows(Array(range)) }
}

/// The training and held-out sets of one seed, and the fixed readout of `clusters`.
///
/// Common random numbers: every draw depends only on (seed, task, width, sizes,
/// classes, input_std), so cells that differ in activation, depth, initialiser or
/// optimiser learn the same task from the same examples in the same order.
package struct TrainingData: Sendable {
    package let train: LabelledSet
    package let test: LabelledSet
    /// `clusters`: the fixed readout V (width x classes, LeCun normal), the same as `cross_entropy`'s at
    /// initialisation; `images`: the readout as the trainer last set it (a conv net's expanded to its maps).
    package var readout: Matrix<Double>?

    /// Draws the sets of `task` for `seed`.
    package init(
        task: TrainingTask, seed: Int, width: Int, trainSize: Int, testSize: Int = TrainingSettings.drawnTestSize,
        classes: Int, inputStd: Double, steps: Int = 1
    ) {
        switch task {
        case .images:
            preconditionFailure("images come from a data set: TrainingData(cell:settings:seed:readout:)")
        case .adding:
            let draw = { (purpose: String, size: Int) in
                AddingProblem.draw(seed: seed, purpose, size: size, steps: steps)
            }
            (train, test, readout) = (draw("train", trainSize), draw("test", testSize), nil)
        case .teacher:
            let teacher = Teacher(seed: seed, width: width)
            let draw = { (purpose: String, size: Int) -> LabelledSet in
                let x = TrainingData.gaussian(seed, purpose, rows: size, columns: width, std: inputStd)
                return LabelledSet(inputs: x, targets: teacher.outputs(x), labels: [])
            }
            (train, test, readout) = (draw("train.input", trainSize), draw("test.input", testSize), nil)
        case .clusters:
            let means = TrainingData.gaussian(
                seed, "clusters.means", rows: classes, columns: width, std: inputStd / 2.0.squareRoot())
            let draw = { (purpose: String, size: Int) -> LabelledSet in
                let labels = RandomStream(seed: seed, purpose: purpose + ".labels", size, classes).uniform(count: size)
                    .map {
                        min(classes - 1, Int($0 * Double(classes)))
                    }
                var x = TrainingData.gaussian(
                    seed, purpose, rows: size, columns: width, std: inputStd / 2.0.squareRoot())
                for (row, label) in labels.enumerated() {
                    for j in 0..<width { x.elements[row * width + j] += means.elements[label * width + j] }
                }
                return LabelledSet(inputs: x, targets: Matrix(rows: 0, columns: 0), labels: labels)
            }
            let readout = Objective(
                loss: .crossEntropy, seed: seed, batch: 1, shape: FeatureShape(channels: width), classes: classes
            ).matrix
            (train, test, self.readout) = (draw("train.input", trainSize), draw("test.input", testSize), readout)
        }
    }

    /// The objective that scores `set`: `mse` against its targets or `cross_entropy` of its labels.
    package func objective(for set: LabelledSet) -> Objective {
        if let readout { return Objective(loss: .crossEntropy, matrix: readout, labels: set.labels) }
        return Objective(loss: .mse, matrix: set.targets, labels: [])
    }

    /// The order of the training examples in epoch `epoch`: a seeded Fisher-Yates shuffle.
    static func order(seed: Int, epoch: Int, count: Int) -> [Int] {
        var order = Array(0..<count)
        let uniforms = RandomStream(seed: seed, purpose: "train.order", count, epoch).uniform(count: count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = min(i, Int(uniforms[i] * Double(i + 1)))
            order.swapAt(i, j)
        }
        return order
    }

    static func gaussian(_ seed: Int, _ purpose: String, rows: Int, columns: Int, std: Double) -> Matrix<Double> {
        Objective.gaussian(seed: seed, purpose: purpose, rows: rows, columns: columns, std: std)
    }
}

/// The teacher of `teacher`: y = tanh(x A) B, A and B width x width with entries N(0, 1/width).
struct Teacher {
    let first: Matrix<Double>
    let second: Matrix<Double>

    init(seed: Int, width: Int) {
        let std = 1 / Double(width).squareRoot()
        first = TrainingData.gaussian(seed, "teacher.first", rows: width, columns: width, std: std)
        second = TrainingData.gaussian(seed, "teacher.second", rows: width, columns: width, std: std)
    }

    func outputs(_ x: Matrix<Double>) -> Matrix<Double> {
        var hidden = x.multiplied(by: first)
        for i in hidden.elements.indices { hidden.elements[i] = Double.tanh(hidden.elements[i]) }
        return hidden.multiplied(by: second)
    }
}

extension Matrix {
    /// The rows at `indices`, in that order.
    func gatheringRows(_ indices: [Int]) -> Matrix {
        guard columns > 0, rows > 0 else { return self }
        var result = [Scalar]()
        result.reserveCapacity(indices.count * columns)
        for i in indices { result.append(contentsOf: elements[(i * columns)..<((i + 1) * columns)]) }
        return Matrix(rows: indices.count, columns: columns, exactly: result)
    }
}

/// The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015): a sequence of T
/// steps, each x_t = (value uniform on [0, 1], marker); one step of each half of the sequence is marked
/// (marker 1, the others 0), and the target is the sum of the two marked values. Its variance is
/// 2 x 1/12 = 1/6: the mean squared error of always answering 1.
package enum AddingProblem {
    /// Features of each x_t.
    package static let features = 2
    /// The mean squared error of the best constant answer (1).
    package static let baseline = 1.0 / 6

    /// `size` sequences of `steps` steps as rows of T x 2 features (x_t at columns 2(t-1), 2(t-1)+1),
    /// with their targets; the draws depend only on (seed, purpose, size, steps).
    package static func draw(seed: Int, _ purpose: String, size: Int, steps: Int) -> LabelledSet {
        let values = RandomStream(seed: seed, purpose: "adding." + purpose + ".values", size, steps)
            .uniform(count: size * steps)
        let marks = RandomStream(seed: seed, purpose: "adding." + purpose + ".marks", size, steps)
            .uniform(count: 2 * size)
        let firstHalf = steps / 2
        var inputs = [Double](repeating: 0, count: size * steps * features), targets = [Double]()
        targets.reserveCapacity(size)
        for row in 0..<size {
            let first = min(firstHalf - 1, Int(marks[2 * row] * Double(firstHalf)))
            let second = firstHalf + min(steps - firstHalf - 1, Int(marks[2 * row + 1] * Double(steps - firstHalf)))
            for t in 0..<steps { inputs[(row * steps + t) * features] = values[row * steps + t] }
            for t in [first, second] { inputs[(row * steps + t) * features + 1] = 1 }
            targets.append(values[row * steps + first] + values[row * steps + second])
        }
        return LabelledSet(
            inputs: Matrix(rows: size, columns: steps * features, exactly: inputs),
            targets: Matrix(rows: size, columns: 1, exactly: targets), labels: [])
    }
}

extension TrainingData {
    /// `images`: the first `trainExamples` of `seed`'s shuffle of the training split (its first `batch` are the
    /// images a measurement of the cell reads), the first `testExamples` of the test split in file order (the same
    /// for every seed), scored by cross_entropy through the fixed `readout` of the network at initialisation.
    package init(
        images: ImageInputs, seed: Int, trainExamples: Int, testExamples: Int, inputStd: Double,
        shape: FeatureShape, readout: Matrix<Double>
    ) {
        let set = { (split: ImageSplit, indices: [Int]) in
            LabelledSet(
                inputs: images.batch(split, indices: indices, inputStd: inputStd, shape: shape),
                targets: Matrix(rows: 0, columns: 0), labels: indices.map { split.labels[$0] })
        }
        train = set(images.data.train, Array(images.shuffledTraining(seed: seed).prefix(trainExamples)))
        test = set(images.data.test, Array(0..<min(testExamples, images.data.test.count)))
        self.readout = readout
    }

    /// The sets of `settings`' task for `cell` and `seed`; `images` lays the images out as `shape` (what layer 1
    /// reads) and scores them through `readout`, the network's cross_entropy readout V.
    package init(
        cell: Cell, settings: TrainingSettings, seed: Int, shape: FeatureShape, readout: Matrix<Double>
    ) throws(ParameterError) {
        if settings.task == .images, let images = try cell.input.inputs(size: cell.mapSize) {
            self.init(
                images: images, seed: seed, trainExamples: settings.trainingExamples(for: cell),
                testExamples: settings.heldOutExamples(for: cell), inputStd: cell.inputStd, shape: shape,
                readout: readout)
            return
        }
        self.init(
            task: settings.task, seed: seed, width: cell.width, trainSize: settings.trainingExamples(for: cell),
            testSize: settings.heldOutExamples(for: cell), classes: cell.classes, inputStd: cell.inputStd,
            steps: cell.depth)
    }
}

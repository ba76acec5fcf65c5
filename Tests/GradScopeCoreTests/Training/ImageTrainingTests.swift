import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// Training on Fashion-MNIST (the task `images`; `make setup` installs the data set).
@Suite("Training on images")
struct ImageTrainingTests {
    /// A small cell on Fashion-MNIST at `side` x `side`, cross_entropy over its 10 classes.
    static func imageCell(_ layer: LayerType, width: Int, depth: Int, batch: Int, side: Int = 7) -> Cell {
        var cell = tinyCell(.tanh, .crossEntropy, .plain, width: width, batch: batch, depth: depth)
        (cell.input, cell.imageSize, cell.layer, cell.classes) = (.fashionMNIST, side, layer, 10)
        return cell
    }

    static func imageSettings(steps: Int, learningRate: Double, trainSize: Int?, testSize: Int?) -> TrainingSettings {
        var settings = trainingSettings(
            steps: steps, learningRate: learningRate, trainSize: trainSize, recordEvery: steps)
        (settings.task, settings.testSize) = (.images, testSize)
        return settings
    }

    @Test("images, conv: a step moves K_l by -lr dK and V by -lr dV (central differences); the filters are K_1's")
    func convStep() throws {
        let cell = Self.imageCell(.conv, width: 3, depth: 2, batch: 4)
        let settings = Self.imageSettings(steps: 1, learningRate: 0.1, trainSize: 8, testSize: 8)
        let trainer = try Trainer<PlainLayer<Double>>(cell: cell, settings: settings, seed: 5)
        let w0 = trainer.network.weights
        let batch = trainer.minibatch(step: 0)
        let v0 = Objective.readoutWeights(seed: 5, channels: 3, classes: 10)
        let points = try trainer.run()

        let reference = try makeNetwork(cell, seed: 5)
        func objective(_ v: Matrix<Double>) -> Objective {
            Objective(loss: .crossEntropy, matrix: Objective.globalAverage(v, positions: 49), labels: batch.labels)
        }
        try reference.setBatch(batch.inputs, objective: objective(v0))
        let gradients = try #require(reference.gradients())
        for l in 0..<cell.depth {
            let expected = zip(w0[l].elements, gradients[l].weights.elements).map { $0 - 0.1 * $1 }
            #expect(trainer.network.weights[l].elements == expected, "K_\(l + 1)")
        }
        let v1 = try #require(trainer.readout)
        let h = 1e-6
        for i in v0.elements.indices {
            func loss(_ shift: Double) throws -> Double {
                var entries = v0.elements
                entries[i] += shift
                let v = try Matrix(rows: v0.rows, columns: v0.columns, elements: entries)
                try reference.setBatch(batch.inputs, objective: objective(v))
                return try #require(reference.loss())
            }
            let difference = (try loss(h) - loss(-h)) / (2 * h)
            #expect(abs(v1.elements[i] - (v0.elements[i] - 0.1 * difference)) < 1e-8, "V entry \(i)")
        }
        // filters.csv's weights: K_1[(0, dy, dx), f] at step 0 and at the last step, read here by a plain loop
        for (point, kernel) in [(points.first, w0[0]), (points.last, trainer.network.weights[0])] {
            var expected = [FilterWeight]()
            for f in 0..<3 {
                for dy in 0..<3 {
                    for dx in 0..<3 {
                        expected.append(
                            FilterWeight(filter: f, dy: dy, dx: dx, weight: kernel.elements[(dy * 3 + dx) * 3 + f]))
                    }
                }
            }
            #expect(point?.filters == expected)
        }
    }

    @Test("A small dense net trained 300 steps on Fashion-MNIST beats chance (0.1) by a wide margin")
    func denseBeatsChance() throws {
        var cell = Self.imageCell(.dense, width: 64, depth: 2, batch: 32)
        (cell.activation, cell.initializer) = (.relu, Initializer.named["he_normal"]!)
        var settings = Self.imageSettings(steps: 300, learningRate: 0.05, trainSize: 10_000, testSize: 2000)
        settings.optimizer = .momentum
        let points = try train(cell, settings: settings, seed: 0)
        let (first, last) = (try #require(points.first), try #require(points.last))
        #expect(last.status == .ok && last.step == 300)
        let accuracy = try #require(last.testAccuracy)
        #expect(accuracy > 0.6, "test accuracy \(accuracy)")
        #expect(abs((first.testAccuracy ?? 1) - 0.1) < 0.1, "at initialisation: near chance")
        #expect(try #require(last.testLoss) < 0.6 * (try #require(first.testLoss)))
    }

    @Test(
        "images sets: the first train_size of the seed's shuffle (the measured batch first), the test split in order"
    )
    func sets() throws {
        let cell = Self.imageCell(.dense, width: 8, depth: 2, batch: 4)
        let images = try #require(try cell.input.inputs(size: 7))
        let shape = FeatureShape(channels: 49)
        let settings = Self.imageSettings(steps: 1, learningRate: 0.1, trainSize: 50, testSize: nil)
        let data = try TrainingData(
            cell: cell, settings: settings, seed: 2, shape: shape, readout: Matrix(rows: 49, columns: 10))
        let order = Array(images.shuffledTraining(seed: 2).prefix(50))
        #expect(data.train.labels == order.map { images.data.train.labels[$0] })
        #expect(
            data.train.inputs.elements
                == images.batch(images.data.train, indices: order, inputStd: 1, shape: shape).elements)
        #expect(data.test.count == 10_000 && data.test.labels == images.data.test.labels)
        let measured = try makeNetwork(cell, seed: 2)
        #expect(measured.input.elements == Array(data.train.inputs.elements.prefix(4 * 49)))
    }

    @Test("images errors: the task without a data set, a data set with a drawn task, sizes beyond the splits")
    func errors() throws {
        let cell = Self.imageCell(.conv, width: 3, depth: 2, batch: 4)
        var gaussian = cell
        gaussian.input = .gaussian
        let cases: [(Cell, TrainingSettings, String)] = [
            (gaussian, Self.imageSettings(steps: 1, learningRate: 0.1, trainSize: nil, testSize: nil), "train.task"),
            (
                cell, Self.imageSettings(steps: 1, learningRate: 0.1, trainSize: 60_001, testSize: nil),
                "train.train_size"
            ),
            (
                cell, Self.imageSettings(steps: 1, learningRate: 0.1, trainSize: nil, testSize: 10_001),
                "train.test_size"
            ),
            (cell, Self.imageSettings(steps: 1, learningRate: 0.1, trainSize: 3, testSize: nil), "train.train_size"),
        ]
        for (c, settings, key) in cases {
            #expect(throws: ParameterError.self) { try settings.validate(for: c) }
            do { try settings.validate(for: c) } catch { #expect(error.key == key, "\(error.message)") }
        }
        var teacher = Self.imageSettings(steps: 1, learningRate: 0.1, trainSize: nil, testSize: nil)
        teacher.task = .clusters
        do { try teacher.validate(for: cell) } catch { #expect(error.key == "train.task") }
    }
}

import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// A training cell: `activation`, depth, width, batch; the teacher task's loss.
func trainingCell(
    _ activation: Activation, depth: Int, width: Int, batch: Int, initializer: String = "xavier_normal",
    architecture: Architecture = .plain, residualScale: Double = 1
) -> Cell {
    var cell = Cell()
    cell.activation = activation
    cell.depth = depth
    cell.width = width
    cell.batch = batch
    cell.initializer = Initializer.named[initializer]!
    cell.architecture = architecture
    cell.residualScale = residualScale
    return cell
}

func trainingSettings(steps: Int, learningRate: Double, optimizer: Optimizer = .sgd, trainSize: Int?, recordEvery: Int)
    -> TrainingSettings
{
    var settings = TrainingSettings()
    settings.steps = steps
    settings.learningRate = learningRate
    settings.optimizer = optimizer
    settings.trainSize = trainSize
    settings.recordEvery = recordEvery
    return settings
}

@Suite("Training")
struct TrainingTests {
    @Test(
        "One SGD step is W - lr dW exactly (the engine's gradient), and dW agrees with finite differences of the loss")
    func sgdStep() throws {
        var cell = tinyCell(.tanh, .mse, .plain, width: 4, batch: 3, depth: 3)
        cell.biasStd = 0
        let settings = trainingSettings(steps: 1, learningRate: 0.1, trainSize: 12, recordEvery: 1)
        let trainer = try Trainer<PlainLayer<Double>>(cell: cell, settings: settings, seed: 3)
        let (w0, b0) = (trainer.network.weights, trainer.network.biases)
        let batch = trainer.minibatch(step: 0)
        _ = try trainer.run()

        let reference = try makeNetwork(cell, seed: 3)
        try reference.setBatch(batch.inputs, objective: trainer.data.objective(for: batch))
        let gradients = try #require(reference.gradients())
        for l in 0..<cell.depth {
            let expected = zip(w0[l].elements, gradients[l].weights.elements).map { $0 - 0.1 * $1 }
            #expect(trainer.network.weights[l].elements == expected, "W_\(l + 1)")
            #expect(trainer.network.biases[l] == zip(b0[l], gradients[l].biases).map { $0 - 0.1 * $1 }, "b_\(l + 1)")
        }
        // dW from the step itself against central differences of the minibatch loss.
        let h = 1e-6
        for l in 0..<cell.depth {
            for i in w0[l].elements.indices {
                func loss(_ shift: Double) throws -> Double {
                    var w = w0[l]
                    w = try Matrix(
                        rows: w.rows, columns: w.columns,
                        elements: w.elements.enumerated().map { $0 == i ? $1 + shift : $1 })
                    try reference.setWeights(w, layer: l + 1)
                    defer { try? reference.setWeights(w0[l], layer: l + 1) }
                    return try #require(reference.loss())
                }
                let numeric = (try loss(h) - loss(-h)) / (2 * h)
                let fromStep = (w0[l].elements[i] - trainer.network.weights[l].elements[i]) / 0.1
                #expect(
                    abs(numeric - fromStep) <= 1e-7 * max(1, abs(numeric)),
                    "W_\(l + 1)[\(i)]: \(fromStep) vs \(numeric)")
            }
        }
    }

    @Test("Momentum and Adam follow their textbook equations over two steps")
    func optimizers() {
        let start: [Double] = [1, -2]
        let gradients: [[Double]] = [[0.5, -1], [0.25, 2]]
        func twoSteps(_ optimizer: Optimizer) -> [[Double]] {
            var state = OptimizerState<Double>(optimizer, learningRate: 0.1, momentum: 0.9, slots: 1)
            var p = start, trace = [[Double]]()
            for g in gradients {
                state.update(&p, gradient: g, slot: 0)
                trace.append(p)
            }
            return trace
        }
        // Momentum, by hand: v1 = g1, p1 = p0 - 0.1 v1; v2 = 0.9 v1 + g2, p2 = p1 - 0.1 v2.
        let momentum = twoSteps(.momentum)
        for (got, want) in zip(momentum.joined(), [0.95, -1.9, 0.88, -2.01]) { #expect(abs(got - want) < 1e-15) }
        // Adam, by hand (beta1 0.9, beta2 0.999, eps 1e-8): step 1 moves each weight by lr g/(|g| + eps);
        // step 2: m = 0.07, m^ = 0.07/0.19, s = 0.00031225, s^ = 0.00031225/0.001999 for the first weight.
        let adam = twoSteps(.adam)
        let want = [1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 / (1 + 1e-8), 0.8067820404774624, -1.9366103534720749]
        for (got, w) in zip(adam.joined(), want) { #expect(abs(got - w) < 1e-12, "\(got) vs \(w)") }
        let sgd: [Double] = [1 - 0.05 - 0.025, -2 + 0.1 - 0.2]
        #expect(twoSteps(.sgd).last == sgd)
    }

    @Test("A shallow tanh network learns the teacher task: the test loss falls at least 5x")
    func learnsEasyTask() throws {
        let cell = trainingCell(.tanh, depth: 2, width: 32, batch: 32)
        let settings = trainingSettings(
            steps: 300, learningRate: 0.01, optimizer: .adam, trainSize: 1024, recordEvery: 100)
        let points = try train(cell, settings: settings, seed: 1)
        #expect(points.map(\.step) == [0, 100, 200, 300])
        let first = try #require(points.first?.testLoss), last = try #require(points.last?.testLoss)
        #expect(first / last >= 5, "test loss \(first) -> \(last)")
    }

    @Test(
        """
        Deep tanh networks with batch and with layer normalisation learn the teacher task (test loss falls 2x); \
        float32 learns it too
        """, arguments: [Normalization.batch, .layer])
    func learnsWithNormalisation(normalization: Normalization) throws {
        var cell = trainingCell(.tanh, depth: 8, width: 32, batch: 32)
        cell.normalization = normalization
        let settings = trainingSettings(
            steps: 200, learningRate: 0.003, optimizer: .adam, trainSize: 1024, recordEvery: 100)
        let points = try train(cell, settings: settings, seed: 1)
        let first = try #require(points.first?.testLoss), last = try #require(points.last?.testLoss)
        #expect(points.allSatisfy { $0.status == .ok })
        #expect(first / last >= 2, "\(normalization): test loss \(first) -> \(last)")
        cell.precision = .float32
        let single = try #require(try train(cell, settings: settings, seed: 1).last?.testLoss)
        // 200 Adam steps amplify rounding differences; the two runs end close, not equal
        #expect(abs(single - last) < 0.05 * last, "\(single) vs \(last)")
    }

    @Test("Deep sigmoid: layer 1 moves 100x less than layer L; relu (He) and residual relu stay within 10x")
    func earlyLayersLearnSlowly() throws {
        let depth = 20
        let settings = trainingSettings(steps: 30, learningRate: 0.01, trainSize: 256, recordEvery: 30)
        func ratio(_ cell: Cell) throws -> Double {
            let points = try train(cell, settings: settings, seed: 0)
            let last = try #require(points.last)
            let updates = last.layers.map(\.relativeUpdate)
            try #require(
                last.status == .ok && updates.count == depth,
                "\(cell.activation) \(cell.architecture): \(points.map { ($0.step, $0.status, $0.trainLoss) })")
            return log10(updates[0] / updates[depth - 1])
        }
        let sigmoid = try ratio(trainingCell(.sigmoid, depth: depth, width: 64, batch: 32))
        let relu = try ratio(trainingCell(.relu, depth: depth, width: 64, batch: 32, initializer: "he_normal"))
        let residual = try ratio(
            trainingCell(
                .relu, depth: depth, width: 64, batch: 32, initializer: "he_normal",
                architecture: .residual, residualScale: 1 / Double(depth).squareRoot()))
        #expect(sigmoid <= -2, "sigmoid: log10 ratio \(sigmoid)")
        #expect(abs(relu) <= 1, "relu: log10 ratio \(relu)")
        #expect(abs(residual) <= 1, "residual relu: log10 ratio \(residual)")
    }

    @Test("Training is deterministic, and float32 follows float64 closely on a short run")
    func deterministic() throws {
        var cell = trainingCell(.tanh, depth: 3, width: 16, batch: 8)
        cell.loss = .crossEntropy
        var settings = trainingSettings(
            steps: 20, learningRate: 0.05, optimizer: .momentum, trainSize: 64, recordEvery: 5)
        settings.task = .clusters
        let a = try train(cell, settings: settings, seed: 4), b = try train(cell, settings: settings, seed: 4)
        #expect(a == b)
        #expect(a.allSatisfy { $0.testAccuracy != nil && $0.trainAccuracy != nil })
        cell.precision = .float32
        let single = try train(cell, settings: settings, seed: 4)
        let (x, y) = (try #require(a.last?.testLoss), try #require(single.last?.testLoss))
        #expect(abs(x - y) < 1e-4 * abs(x), "\(x) vs \(y)")
    }

    @Test("Settings that cannot train are refused with the key")
    func invalidSettings() {
        let cell = trainingCell(.tanh, depth: 2, width: 8, batch: 16)
        var settings = TrainingSettings()
        settings.trainSize = 8
        #expect(throws: ParameterError.self) { try train(cell, settings: settings, seed: 0) }
        settings = TrainingSettings()
        settings.task = .clusters
        #expect { try settings.validate(for: cell) } throws: { ($0 as? ParameterError)?.key == "loss" }
    }
}

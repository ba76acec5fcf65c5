import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

/// muP's per-layer learning rates and readout (SPEC "Width scaling"), against hand-computed steps.
@Suite("Parametrization")
struct ParametrizationTests {
    /// A dense relu net on Fashion-MNIST at 7 x 7 (49 features), width 8, under `parametrization`.
    static func cell(_ parametrization: Parametrization, baseWidth: Int) -> Cell {
        var cell = ImageTrainingTests.imageCell(.dense, width: 8, depth: 3, batch: 4)
        (cell.activation, cell.biasStd) = (.relu, 0.1)
        (cell.parametrization, cell.baseWidth) = (parametrization, baseWidth)
        return cell
    }

    /// One step of `optimizer` on a parameter with gradient `g` at rate `rate`, as the textbook writes it.
    static func step(_ w: Double, _ g: Double, rate: Double, _ optimizer: Optimizer) -> Double {
        switch optimizer {
        case .sgd, .momentum: return w - rate * g  // the first momentum step: v = g
        case .adam:
            let (b1, b2, eps) = TrainingSettings.adam
            let m = (1 - b1) * g, v = (1 - b2) * g * g
            return w - rate * ((m / (1 - b1)) / ((v / (1 - b2)).squareRoot() + eps))
        }
    }

    @Test("mup, m = 4: one step moves W_1 and b by m (SGD) or 1 (Adam) times the step, W_2.. by 1 or 1/m, V by 1/m")
    func multipliers() throws {
        for optimizer in Optimizer.allCases {
            let cell = Self.cell(.mup, baseWidth: 2)
            var settings = ImageTrainingTests.imageSettings(steps: 1, learningRate: 0.01, trainSize: 16, testSize: 8)
            settings.optimizer = optimizer
            let trainer = try Trainer<PlainLayer<Double>>(cell: cell, settings: settings, seed: 1)
            let (w0, b0) = (trainer.network.weights, trainer.network.biases)
            let v0 = try #require(trainer.readout)
            let batch = trainer.minibatch(step: 0)
            _ = try trainer.run()
            let reference = try makeNetwork(cell, seed: 1)
            // the readout at initialisation: LeCun normal times 1/m in variance
            let standardV = Objective.readoutWeights(seed: 1, channels: 8, classes: 10)
            for (a, b) in zip(v0.elements, standardV.elements) { #expect(abs(a - b / 2) <= 1e-15 * abs(b)) }
            func objective(_ v: Matrix<Double>) -> Objective {
                Objective(loss: .crossEntropy, matrix: v, labels: batch.labels)
            }
            try reference.setBatch(batch.inputs, objective: objective(v0))
            let gradients = try #require(reference.gradients())
            let m = 4.0
            let (input, hidden) = optimizer == .adam ? (1.0, 1 / m) : (m, 1.0)
            for l in 0..<3 {
                let rate = 0.01 * (l == 0 ? input : hidden)
                let expected = zip(w0[l].elements, gradients[l].weights.elements).map {
                    Self.step($0, $1, rate: rate, optimizer)
                }
                #expect(trainer.network.weights[l].elements == expected, "\(optimizer) W_\(l + 1)")
                let biases = zip(b0[l], gradients[l].biases).map { Self.step($0, $1, rate: 0.01 * input, optimizer) }
                #expect(trainer.network.biases[l] == biases, "\(optimizer) b_\(l + 1)")
            }
            // V by central differences of the minibatch loss, at rate lr / m
            let v1 = try #require(trainer.readout)
            for i in v0.elements.indices {
                func loss(_ shift: Double) throws -> Double {
                    var entries = v0.elements
                    entries[i] += shift
                    try reference.setBatch(
                        batch.inputs, objective: objective(try Matrix(rows: 8, columns: 10, elements: entries)))
                    return try #require(reference.loss())
                }
                let g = (try loss(1e-6) - loss(-1e-6)) / 2e-6
                let expected = Self.step(v0.elements[i], g, rate: 0.01 / m, optimizer)
                #expect(abs(v1.elements[i] - expected) < (optimizer == .adam ? 1e-6 : 1e-10), "\(optimizer) V[\(i)]")
            }
        }
    }

    @Test("mup with base_width = width is standard: the same steps, losses and coordinates")
    func baseWidthIsStandard() throws {
        for optimizer in Optimizer.allCases {
            var settings = ImageTrainingTests.imageSettings(steps: 3, learningRate: 0.01, trainSize: 16, testSize: 8)
            (settings.optimizer, settings.recordEvery) = (optimizer, 1)
            let standard = try train(Self.cell(.standard, baseWidth: 2), settings: settings, seed: 4)
            let mup = try train(Self.cell(.mup, baseWidth: 8), settings: settings, seed: 4)
            #expect(standard == mup && standard.count == 4 && standard[3].coordinates.count == 4, "\(optimizer)")
        }
    }

    @Test("Coordinates: mean |H_l| and |H_l(t) - H_l(0)| on the measured batch, by a plain loop; the logits through V")
    func coordinates() throws {
        let cell = Self.cell(.standard, baseWidth: 64)
        var settings = ImageTrainingTests.imageSettings(steps: 2, learningRate: 0.05, trainSize: 16, testSize: 8)
        settings.recordEvery = 2
        let trainer = try Trainer<PlainLayer<Double>>(cell: cell, settings: settings, seed: 2)
        let start = try makeNetwork(cell, seed: 2)
        let points = try trainer.run()
        let after = try makeNetwork(cell, seed: 2)
        for l in 1...3 {
            try after.setWeights(trainer.network.weights[l - 1], layer: l)
            try after.setBiases(trainer.network.biases[l - 1], layer: l)
        }
        let v = try #require(trainer.data.readout)
        func states(_ network: any NetworkAccess<Double>, _ readout: Matrix<Double>) throws -> [[Double]] {
            var layers = [[Double]]()
            for l in 1...3 { layers.append(try #require(try network.hidden(atLayer: l)).elements) }
            layers.append(try #require(try network.hidden(atLayer: 3)).multiplied(by: readout).elements)
            return layers
        }
        let initial = try states(start, start.objective.matrix), final = try states(after, v)
        let last = try #require(points.last)
        for l in 0..<4 {
            var act = 0.0, delta = 0.0
            for i in final[l].indices {
                act += abs(final[l][i])
                delta += abs(final[l][i] - initial[l][i])
            }
            let n = Double(final[l].count)
            #expect(abs(last.coordinates[l].actL1 - act / n) <= 1e-12 * act / n, "layer \(l + 1)")
            #expect(abs(last.coordinates[l].deltaL1 - delta / n) <= 1e-12 * max(delta / n, 1e-300), "layer \(l + 1)")
        }
        #expect(points.first?.coordinates.allSatisfy { $0.deltaL1 == 0 } == true)
    }
}

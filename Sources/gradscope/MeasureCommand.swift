import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// `gradscope measure`: one network, one seed, its per-layer numbers as CSV on stdout.
struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Run one network for one seed and print its per-layer gradient norms as CSV."
    )

    @Option(help: "Activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var activation: Activation = .sigmoid
    @Option(help: "Number of weight layers L (1 ... 10000).")
    var depth = 10
    @Option(help: "Units per layer (1 ... 16384).")
    var width = 256
    @Option(help: "Examples per batch (1 ... 65536).")
    var batch = 128
    @Option(help: "Initialiser name: \(Initializer.named.keys.sorted().joined(separator: ", ")).")
    var initializer = "xavier_normal"
    @Option(help: "Standard deviation of the biases.")
    var biasStd = 0.0
    @Option(help: "plain or residual.")
    var architecture: Architecture = .plain
    @Option(help: "alpha in H_l = H_{l-1} + alpha Z_l (residual only).")
    var residualScale = 1.0
    @Option(help: "Standard deviation of the input entries.")
    var inputStd = 1.0
    @Option(help: "mse, cross_entropy or probe.")
    var loss: Loss = .mse
    @Option(help: "Classes of cross_entropy.")
    var classes = 10
    @Option(help: "float64 or float32.")
    var precision: Precision = .float64
    @Option(help: "The seed.")
    var seed = 0
    @Option(help: "Threads for the matrix products (default: all cores).")
    var threads: Int?

    func validate() throws {
        guard Initializer.named[initializer] != nil else {
            throw ValidationError(
                "unknown initialiser '\(initializer)'; valid: "
                    + "\(Initializer.named.keys.sorted().joined(separator: ", "))"
            )
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        BLASLibrary.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        var cell = Cell()
        cell.activation = activation
        cell.depth = depth
        cell.width = width
        cell.batch = batch
        cell.initializer = Initializer.named[initializer] ?? cell.initializer
        cell.biasStd = biasStd
        cell.architecture = architecture
        cell.residualScale = residualScale
        cell.inputStd = inputStd
        cell.loss = loss
        cell.classes = classes
        cell.precision = precision
        let result: RunMeasurement
        do {
            result = try GradScopeCore.measure(cell, seed: seed)
        } catch let error as ParameterError {
            throw ValidationError("--\(error.key.replacingOccurrences(of: "_", with: "-")): \(error.message)")
        }
        print(
            "layer,status,log10_grad_w_norm,log10_grad_b_norm,log10_grad_z_norm,"
                + "log10_grad_h_norm,act_mean,act_std,saturated_fraction"
        )
        guard result.status == .ok else {
            print("," + result.status.rawValue + String(repeating: ",", count: 7))
            return
        }
        for (index, layer) in result.layers.enumerated() {
            let norms = [layer.gradW, layer.gradB, layer.gradZ, layer.gradH].map { $0.log10.map { "\($0)" } ?? "" }
            let stats = [layer.activations.mean, layer.activations.std, layer.activations.saturatedFraction].map {
                "\($0)"
            }
            print(([String(index + 1), "ok"] + norms + stats).joined(separator: ","))
        }
    }
}

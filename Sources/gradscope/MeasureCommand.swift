import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep

/// `gradscope measure`: one network, one seed, its per-layer numbers as CSV on stdout.
struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Run one network for one seed and print its per-layer gradient norms as CSV.",
        discussion: """
            Parameters are config keys with their values, read as in a config file: \
            gradscope measure activation=tanh depth=50 width=128 init='{"name": "orthogonal", "gain": 1.1}'. \
            Keys: \(ExperimentLoader.parameterKeys.joined(separator: ", ")).
            """
    )

    @Argument(help: ArgumentHelp("key=value settings of the network (unset keys keep their config defaults)."))
    var settings: [String] = []
    @Option(help: "The seed.")
    var seed = 0
    @Option(help: "Threads for the matrix products (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        for setting in settings {
            guard let key = setting.split(separator: "=", maxSplits: 1).first.map(String.init), setting.contains("=")
            else { throw ValidationError("'\(setting)' is not key=value") }
            guard ExperimentLoader.parameterKeys.contains(key) else {
                throw ValidationError(
                    "unknown parameter '\(key)'; valid: \(ExperimentLoader.parameterKeys.joined(separator: ", "))")
            }
        }
    }

    /// The settings as a one-cell config: each value as JSON when it parses as a number, object, list or
    /// boolean, else as a string.
    private var config: [UInt8] {
        let members = settings.map { setting -> String in
            let parts = setting.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? String(parts[1]) : ""
            let node = (try? JSONParser.parse(Array(value.utf8))).flatMap { node -> JSONNode? in
                if case .string = node.value { return nil }
                return node
            }
            return "\(JSONNode.string(String(parts[0])).serialized()): "
                + (node ?? JSONNode.string(value)).serialized()
        }
        return Array(("{\"name\": \"measure\", \"seeds\": [\(seed)]" + members.map { ", " + $0 }.joined() + "}").utf8)
    }

    func run() throws {
        BLASLibrary.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let experiment: Experiment
        do {
            experiment = try ExperimentLoader.load(bytes: config, file: "measure")
        } catch {  // positions in the made-up config mean nothing to the user: the key and the message
            throw ConfigErrors(
                error.errors.map { ConfigError(file: "measure", path: $0.path, position: nil, message: $0.message) })
        }
        guard let cell = experiment.cells.first?.cell else { return }
        let result = try GradScopeCore.measure(cell, seed: seed)
        let header =
            ["layer", "status"] + GradientNorm.allCases.map { Column.log10Norm($0) }
            + RecurrentNorm.allCases.map { Column.log10Norm($0) } + ["act_mean", "act_std", "saturated_fraction"]
        print(header.joined(separator: ","))
        guard result.status == .ok else {
            print("," + result.status.rawValue + String(repeating: ",", count: header.count - 2))
            return
        }
        for (index, layer) in result.layers.enumerated() {
            let norms = ([layer.gradW, layer.gradB, layer.gradZ, layer.gradH] + [layer.gradX, layer.gradC]).map {
                $0?.log10.map { "\($0)" } ?? ""
            }
            let stats = [layer.activations.mean, layer.activations.std, layer.activations.saturatedFraction].map {
                "\($0)"
            }
            print(([String(index + 1), RunStatus.ok.rawValue] + norms + stats).joined(separator: ","))
        }
    }
}

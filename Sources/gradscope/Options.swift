import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// The config files a command reads, loaded together so every mistake is reported at once.
struct ConfigArguments: ParsableArguments {
    @Argument(help: "Experiment config files (JSON).", completion: .file(extensions: ["json"]))
    var configs: [String]

    /// Loads every config; throws all their mistakes together.
    func load() throws -> [Experiment] {
        var experiments = [Experiment](), errors = [ConfigError]()
        for path in configs {
            do { experiments.append(try ExperimentLoader.load(path: path)) } catch { errors += error.errors }
        }
        var names = [String: String]()
        for e in experiments {
            if let other = names[e.name] {
                errors.append(
                    ConfigError(
                        file: e.file, path: "name", position: e.document["name"]?.position,
                        message: "\"\(e.name)\" is also the name of \(other); results would collide"))
            }
            names[e.name] = e.file
        }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return experiments
    }
}

/// This machine's cores.
var machineCores: Int { ProcessInfo.processInfo.activeProcessorCount }

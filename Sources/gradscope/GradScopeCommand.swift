import ArgumentParser
import Foundation
import GradScope

@main
struct GradScopeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradscope",
        abstract: "Measure how gradients vanish or explode, layer by layer, in deep networks.",
        discussion: "Exit codes: 0 success, 1 a failure while running, 2 a usage or config error.",
        version: gradscopeVersion,
        subcommands: [MeasureCommand.self]
    )

    /// Parses and runs a command, mapping every usage error to exit code 2 (the contract's code).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(code == .validationFailure || error is UsageError ? 2 : 1)
        }
    }
}

/// A mistake in the command line or a config: exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Activation: ExpressibleByArgument {}
extension Architecture: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}

import ArgumentParser
import CMalloc
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

@main
struct GradScopeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradscope",
        abstract: "Measure how gradients vanish or explode, layer by layer, in deep networks.",
        discussion: """
            Exit codes: 0 success, 1 a failure while running, 2 a usage or config error.

            BLAS kernels: every command takes --blas-core auto|off|NAME (or the environment variable \
            GRADSCOPE_BLAS_CORE). auto (the default) keeps OpenBLAS's kernels unless it fell back to generic \
            ones on a CPU newer than its table, and then loads the best this CPU runs; off keeps OpenBLAS's \
            own choice; NAME (Haswell, SkylakeX, ...) forces a core. `gradscope info` prints the choice.
            """,
        version: gradscopeVersion,
        subcommands: [
            RunCommand.self, ValidateCommand.self, MergeCommand.self, ExportCommand.self, SlurmCommand.self,
            ReportCommand.self, CheckCommand.self, InfoCommand.self,
            ActivationsCommand.self, MeasureCommand.self, PeakCommand.self, NormalsRateCommand.self, FloorCommand.self,
            HaarRateCommand.self,
        ]
    )

    /// Parses and runs a command, mapping every usage error to exit code 2 (the contract's code).
    static func main() async {
        // Buffers of 1 MiB and more (weight matrices, activations of wide layers) are mapped and
        // unmapped on their own. glibc's default threshold rises after the first large free and
        // from then on keeps freed matrices in per-thread heaps, which grew the standard bench
        // sweep's peak memory from 1.1 to 1.4 GB when the order of its frees changed.
        #if os(Linux)
            mallopt(M_MMAP_THRESHOLD, 1 << 20)
        #endif
        do {
            var command = try parseAsRoot(try BLASCoreLauncher.start(Array(CommandLine.arguments.dropFirst())))
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            Foundation.exit(report(error))
        }
    }

    /// Prints `error` on stderr and returns the exit code: 2 for usage and config
    /// mistakes, 1 for failures while running, 0 for --help and --version.
    static func report(_ error: Error) -> Int32 {
        func say(_ lines: [String]) {
            FileHandle.standardError.write(Data(lines.map { "error: \($0)\n" }.joined().utf8))
        }
        switch error {
        case let errors as ConfigErrors:
            say(errors.errors.map(\.description))
            return 2
        case let conflict as FolderConflict:
            say([conflict.description])
            return conflict.isUsage ? 2 : 1
        case RunFailure.usage(let message):
            say([message])
            return 2
        case RunFailure.failed(let message):
            say([message])
            return 1
        default:
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            return code == .validationFailure ? 2 : 1
        }
    }
}

extension Activation: ExpressibleByArgument {}
extension Architecture: ExpressibleByArgument {}
extension Loss: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}

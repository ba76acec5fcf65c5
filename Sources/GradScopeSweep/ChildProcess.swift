import GradScopeCore
import GradScopeResults
import Subprocess
import SystemPackage

/// Runs another program to its end and collects what it wrote, both streams read concurrently
/// (swift-subprocess), so that a child writing more than a pipe holds (64 KiB) to either one cannot
/// block it and the caller. Used for `sbatch`; the tests launch gradscope through it.
package enum ChildProcess {
    /// How a child ended and what it wrote.
    package struct Outcome: Sendable {
        /// The exit code, or 128 + the signal that killed it (as a shell reports it).
        package let status: Int32
        package let standardOutput: String
        package let standardError: String
    }

    /// The most either stream may hold; more is an error, not a silent cut.
    package static let outputLimit = 256 << 20

    /// Runs `executable` (a path, or a name looked up in PATH) with `arguments`, in `directory` if given.
    package static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) async throws
        -> Outcome
    {
        let program: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
        let result = try await Subprocess.run(
            program, arguments: Arguments(arguments), workingDirectory: directory.map { FilePath($0) },
            output: .string(limit: outputLimit), error: .string(limit: outputLimit))
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = Int32(code)
        case .signaled(let signal): status = 128 + Int32(signal)
        }
        return Outcome(
            status: status, standardOutput: result.standardOutput ?? "", standardError: result.standardError ?? "")
    }
}

import Foundation
import GradScopeCore
import GradScopeSweep

/// Chooses OpenBLAS's kernels before any command runs (docs/performance.md, "The BLAS kernels").
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` only when it loads, before `main`; a processor newer than its
/// table gets generic kernels (Prescott: SSE3) then. So gradscope reads what was loaded, decides
/// (`BLASCoreDecision`), and when another core is due, sets the variable and replaces its own image
/// with itself once (`execv`), passing on what it did in `GRADSCOPE_BLAS_CORE_CHOSEN`. Child processes
/// inherit both variables; Slurm tasks get the request and choose on their own node.
enum BLASCoreLauncher {
    /// The option that forces a core (`--blas-core Haswell`), keeps OpenBLAS's (`off`) or lets gradscope
    /// choose (`auto`, the default); accepted anywhere before `--`, by every command.
    static let option = "--blas-core"

    /// Takes `--blas-core` out of `arguments`, decides, and either records the choice and returns the
    /// arguments for the parser, or restarts the process (and does not return). Throws a usage error for
    /// an unknown core or one this processor cannot run.
    static func start(_ arguments: [String]) throws -> [String] {
        let (rest, request) = try parseRequest(arguments)
        let environment = ProcessInfo.processInfo.environment
        let features = Processor.current.features
        let decision = BLASCoreDecision.decide(
            loaded: BLASLibrary.coreName, features: features, request: request,
            coreType: environment[BLASCoreRestart.openBLASVariable],
            restart: environment[BLASCoreRestart.environmentVariable].flatMap(BLASCoreRestart.init(text:)))
        switch decision {
        case .keep(let choice):
            BLASLibrary.coreChoice = choice
        case .load(let core, var choice):
            let restart = BLASCoreRestart(core: core.name, libraryCore: choice.libraryCore, chosenBy: choice.chosenBy)
            restartProcess(with: core, restart)
            choice.core = BLASLibrary.coreName  // only when the restart failed
            choice.reason += "; but gradscope could not restart itself (\(String(cString: strerror(errno))))"
            BLASLibrary.coreChoice = choice
        }
        return rest
    }

    /// This process's request: `--blas-core` in its arguments, else `GRADSCOPE_BLAS_CORE`, else `auto`.
    static var request: BLASCoreRequest {
        (try? parseRequest(Array(CommandLine.arguments.dropFirst())).request) ?? .automatic
    }

    /// `arguments` without `--blas-core`, and the request it or `GRADSCOPE_BLAS_CORE` makes.
    private static func parseRequest(_ arguments: [String]) throws -> (rest: [String], request: BLASCoreRequest) {
        let (rest, optionValue) = try extractOption(arguments)
        let text = optionValue ?? ProcessInfo.processInfo.environment[BLASCoreRequest.environmentVariable] ?? "auto"
        switch BLASCoreRequest.parse(text, on: Processor.current.features) {
        case .success(let request): return (rest, request)
        case .failure(let error):
            let source = optionValue == nil ? BLASCoreRequest.environmentVariable : option
            throw RunFailure.usage("\(source): \(error.message)")
        }
    }

    /// Replaces this process with itself, `OPENBLAS_CORETYPE` set; returns only if that failed (the
    /// variables are then taken back, so that no child inherits a core this process does not run).
    private static func restartProcess(with core: BLASCore, _ restart: BLASCoreRestart) {
        setenv(BLASCoreRestart.openBLASVariable, core.name, 1)
        setenv(BLASCoreRestart.environmentVariable, restart.text, 1)
        #if os(Linux)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
        let saved = errno
        unsetenv(BLASCoreRestart.openBLASVariable)
        unsetenv(BLASCoreRestart.environmentVariable)
        errno = saved
    }

    /// `arguments` without `--blas-core X` / `--blas-core=X` (before a `--`), and X.
    static func extractOption(_ arguments: [String]) throws -> (rest: [String], value: String?) {
        var rest = [String](), value: String?, index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                rest += arguments[index...]
                break
            }
            if argument == option {
                guard index + 1 < arguments.count else { throw RunFailure.usage("\(option) needs a value") }
                value = arguments[index + 1]
                index += 2
                continue
            }
            if argument.hasPrefix(option + "=") {
                value = String(argument.dropFirst(option.count + 1))
            } else {
                rest.append(argument)
            }
            index += 1
        }
        return (rest, value)
    }
}

/// What the user asks of the BLAS kernels (the command line's option or the environment variable
/// `GRADSCOPE_BLAS_CORE`): `auto` keeps OpenBLAS's core unless it fell back to generic kernels on a
/// processor newer than its table, `off` always keeps it, a core name forces that core.
package enum BLASCoreRequest: Equatable, Sendable {
    case automatic, off
    case force(BLASCore)

    /// The variable that carries the request to gradscope processes (Slurm tasks among them).
    package static let environmentVariable = "GRADSCOPE_BLAS_CORE"

    /// The request `text` spells (`auto`, `off` or a core of `BLASCore.all`, any case), or a message that
    /// says what is valid on this processor.
    package static func parse(_ text: String, on features: CPUFeatures) -> Result<BLASCoreRequest, BLASCoreError> {
        switch text.lowercased() {
        case "auto", "": return .success(.automatic)
        case "off": return .success(.off)
        default:
            let runnable = BLASCore.selectable(on: features).map(\.name)
            guard let core = BLASCore.named(text), core.selectable else {
                return .failure(
                    .init("unknown BLAS core \"\(text)\"; valid: auto, off, " + runnable.joined(separator: ", ")))
            }
            guard features.isSuperset(of: core.level.requirement) else {
                return .failure(
                    .init(
                        "this CPU cannot run OpenBLAS's \(core.name) kernels (they need \(core.level.label)); "
                            + "valid here: auto, off, " + runnable.joined(separator: ", ")))
            }
            return .success(.force(core))
        }
    }

    /// The spelling `parse` reads back.
    package var text: String {
        switch self {
        case .automatic: "auto"
        case .off: "off"
        case .force(let core): core.name
        }
    }
}

/// A request for a BLAS core that cannot be honoured on this processor, worded for the user.
package struct BLASCoreError: Error, Equatable, Sendable {
    package let message: String
    package init(_ message: String) { self.message = message }
}

/// Who chose the BLAS core in use.
package enum BLASCoreChooser: String, Sendable {
    /// OpenBLAS, from the processor model, when it loaded.
    case openblas
    /// gradscope, because OpenBLAS fell back to generic kernels on this processor.
    case gradscope
    /// The user: a forced core, or `OPENBLAS_CORETYPE` set before gradscope started.
    case user
}

/// The BLAS core in use, the one OpenBLAS chose by itself, who chose and why: every manifest records it
/// and `gradscope info` prints it. Part of reproducibility: cores round differently (docs/numerics.md).
package struct BLASCoreChoice: Equatable, Sendable {
    package var core: String
    package var libraryCore: String
    package var chosenBy: BLASCoreChooser
    package var reason: String

    package init(core: String, libraryCore: String, chosenBy: BLASCoreChooser, reason: String) {
        (self.core, self.libraryCore, self.chosenBy, self.reason) = (core, libraryCore, chosenBy, reason)
    }

    /// The reason of a core the user forced through gradscope.
    static let forcedReason = "forced by the user"
}

/// What a gradscope process that restarted itself for a core passes to its new image: the core it
/// asked for, the one OpenBLAS had chosen by itself, and who asked (`Haswell;Prescott;gradscope`).
package struct BLASCoreRestart: Equatable, Sendable {
    package var core: String
    package var libraryCore: String
    package var chosenBy: BLASCoreChooser

    /// The variable that carries it; it counts only while `OPENBLAS_CORETYPE` names the same core.
    package static let environmentVariable = "GRADSCOPE_BLAS_CORE_CHOSEN"
    /// OpenBLAS's own variable, read once when the library loads.
    package static let openBLASVariable = "OPENBLAS_CORETYPE"

    package init(core: String, libraryCore: String, chosenBy: BLASCoreChooser) {
        (self.core, self.libraryCore, self.chosenBy) = (core, libraryCore, chosenBy)
    }

    package init?(text: String) {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let chooser = BLASCoreChooser(rawValue: parts[2]) else { return nil }
        self.init(core: parts[0], libraryCore: parts[1], chosenBy: chooser)
    }

    package var text: String { "\(core);\(libraryCore);\(chosenBy.rawValue)" }
}

/// The decision gradscope makes when it starts, before any BLAS call: keep the core OpenBLAS loaded,
/// load another one (the process restarts itself with `OPENBLAS_CORETYPE` set: OpenBLAS reads it only
/// when it loads), or refuse a forced core this processor cannot run.
package enum BLASCoreDecision: Equatable, Sendable {
    case keep(BLASCoreChoice)
    /// Restart with this core; the choice as it will read once it is loaded.
    case load(BLASCore, BLASCoreChoice)

    /// The decision for a process whose OpenBLAS loaded the core `loaded` on a processor with `features`.
    /// `coreType` is `OPENBLAS_CORETYPE` as this process found it, `restart` what an earlier image of this
    /// process passed on (ignored unless `coreType` names its core). Never overrides a `coreType` the
    /// user set, unless the user also forces a core through gradscope.
    package static func decide(
        loaded: String, features: CPUFeatures, request: BLASCoreRequest, coreType: String?,
        restart: BLASCoreRestart?
    ) -> BLASCoreDecision {
        let coreType = coreType.flatMap { $0.isEmpty ? nil : $0 }
        if let restart, let coreType, coreType.lowercased() == restart.core.lowercased() {
            return .keep(restarted(restart, loaded: loaded, features: features))
        }
        switch request {
        case .force(let core):
            let choice = BLASCoreChoice(
                core: core.name, libraryCore: loaded, chosenBy: .user,
                reason: BLASCoreChoice.forcedReason)
            return loaded.lowercased() == core.name.lowercased() ? .keep(choice) : .load(core, choice)
        case .off:
            return .keep(
                BLASCoreChoice(
                    core: loaded, libraryCore: loaded, chosenBy: coreType == nil ? .openblas : .user,
                    reason: "gradscope's choice is turned off; OpenBLAS's own choice is kept"))
        case .automatic:
            if let coreType {
                return .keep(
                    BLASCoreChoice(
                        core: loaded, libraryCore: loaded, chosenBy: .user,
                        reason: "\(BLASCoreRestart.openBLASVariable)=\(coreType) was set before gradscope "
                            + "started; gradscope leaves it"))
            }
            return automatic(loaded: loaded, features: features)
        }
    }

    private static func automatic(loaded: String, features: CPUFeatures) -> BLASCoreDecision {
        let best = BLASCore.best(for: features)
        guard let current = BLASCore.named(loaded) else {
            return .keep(
                BLASCoreChoice(
                    core: loaded, libraryCore: loaded, chosenBy: .openblas,
                    reason: "OpenBLAS chose \(loaded), a core gradscope does not rank; kept"))
        }
        guard current.level < best.level else {
            return .keep(
                BLASCoreChoice(
                    core: loaded, libraryCore: loaded, chosenBy: .openblas,
                    reason: "OpenBLAS knows this CPU: its \(loaded) kernels use \(current.level.label), "
                        + "the best this CPU offers"))
        }
        return .load(best, fallback(to: best.name, from: current, features: features))
    }

    /// The choice after a fallback from `library` to `core`.
    private static func fallback(to core: String, from library: BLASCore, features: CPUFeatures) -> BLASCoreChoice {
        let best = KernelLevel.best(for: features)
        return BLASCoreChoice(
            core: core, libraryCore: library.name, chosenBy: .gradscope,
            reason: "OpenBLAS fell back to its generic \(library.name) kernels (\(library.level.label)) on a CPU "
                + "newer than its table, which offers \(best.label): gradscope loaded \(core)")
    }

    /// The choice of a process that restarted for `restart.core` and now runs `loaded`.
    private static func restarted(_ restart: BLASCoreRestart, loaded: String, features: CPUFeatures)
        -> BLASCoreChoice
    {
        var choice =
            if restart.chosenBy == .gradscope, let library = BLASCore.named(restart.libraryCore) {
                fallback(to: restart.core, from: library, features: features)
            } else {
                BLASCoreChoice(
                    core: restart.core, libraryCore: restart.libraryCore, chosenBy: restart.chosenBy,
                    reason: BLASCoreChoice.forcedReason)
            }
        if loaded.lowercased() != restart.core.lowercased() {
            choice.reason += "; but OpenBLAS loaded \(loaded) instead of \(restart.core)"
        }
        choice.core = loaded
        return choice
    }
}

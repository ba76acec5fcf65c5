import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM: the first asks the sweep to stop after the runs in
/// flight; the second exits at once (what is stored is safe either way).
public final class Interrupt: Sendable {
    public static let shared = Interrupt()
    private let requested = Atomic<Bool>(false)
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    /// Whether a stop was requested.
    public var isRequested: Bool { requested.load(ordering: .relaxed) }

    /// Installs the handlers (once, at start-up).
    public func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                if requested.exchange(true, ordering: .relaxed) { _exit(130) }
                FileHandle.standardError.write(Data("\ngradscope: stopping after the runs in flight (again to quit at once)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }
}

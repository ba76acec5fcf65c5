import Foundation
import Synchronization

/// Set by the first Ctrl-C (SIGINT) or SIGTERM.
private let stopRequested = Atomic<Bool>(false)
/// Written by the signal handler; prepared before the handler is installed (no allocation in the handler).
private let stopMessage = Array("\ngradscope: stopping after the runs in flight (Ctrl-C again to quit at once)\n".utf8)

/// The signal handler: async-signal-safe (an atomic exchange, write(2), _exit).
private func handleStopSignal(_: Int32) {
    if stopRequested.exchange(true, ordering: .relaxed) { _exit(130) }
    stopMessage.withUnsafeBufferPointer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Ctrl-C (SIGINT) and SIGTERM: the first asks the sweep to stop after the runs in
/// flight; the second exits at once (what is stored is safe either way).
enum Interrupt {
    /// Whether a stop was requested.
    static var isRequested: Bool { stopRequested.load(ordering: .relaxed) }

    /// Installs the handlers (once, at start-up, before any run starts), and unblocks
    /// the signals in case the parent process started gradscope with them blocked.
    static func install() {
        _ = stopMessage.count  // initialise the global outside the handler
        var signals = sigset_t()
        sigemptyset(&signals)
        for number in [SIGINT, SIGTERM] {
            sigaddset(&signals, number)
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handleStopSignal
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }
}

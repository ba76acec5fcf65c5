import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport
import Synchronization

/// The live progress line of `gradscope run` on a terminal's stderr:
/// `standard [##########..........] 48%  57/108 runs  0:07 left`, the bar and the percentage
/// being work done (each run weighted by its estimated cost), redrawn in place.
final class ProgressBar: Sendable {
    static let width = 24
    private let drawn = Mutex(false)

    func draw(_ p: ProgressSnapshot) {
        let filled = Int((p.fraction * Double(Self.width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: Self.width - filled)
        let left = p.secondsLeft.map { "\(Format.duration($0)) left" } ?? "estimating time left"
        let line =
            "\(p.name) [\(bar)] \(Int((p.fraction * 100).rounded(.down)))%  \(p.runsDone)/\(p.runsTotal) runs  \(left)"
        drawn.withLock { shown in
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            shown = true
        }
    }

    /// Ends the line (if one was drawn), so the next output starts on its own.
    func finish() {
        drawn.withLock { shown in
            if shown { FileHandle.standardError.write(Data("\n".utf8)) }
            shown = false
        }
    }
}

import GradScopeCore
import GradScopeResults
import Dispatch
import Synchronization

/// Where a sweep stands: work done (weighted by each run's estimated cost), runs done, and the time left.
package struct ProgressSnapshot: Sendable {
    package let name: String
    package let runsDone: Int
    package let runsTotal: Int
    /// Estimated work done over all work, in [0, 1].
    package let fraction: Double
    package let elapsed: Double
    /// Seconds left; nil until a run has finished.
    package let secondsLeft: Double?
}

/// Follows a sweep's runs as the workers finish them and estimates the time left.
///
/// The time left is the sweep's remaining schedule, not remaining work over a rate: each worker's
/// speed is the work it finished over the time it took (cost units per second, pooled over the
/// workers), its family in flight is done less what it has already run, and the families not yet
/// started go, in their order, to the worker that will be free first (as the runner hands them out).
/// So a large family that will run alone at the end counts as the time it takes, not as a share.
package final class SweepProgress: Sendable {
    package let name: String
    private let costs: [[Double]]
    private let familyCosts: [Double]
    private let total: Double
    private let runsTotal: Int
    private let clock: @Sendable () -> Double
    private let state: Mutex<State>

    private struct State {
        var done = 0.0, runsDone = 0
        /// Per worker: the family it runs (nil when idle), the runs of it done, and when it last finished a run.
        var family: [Int?], runsOfFamily: [Int], lastFinish: [Double]
        /// Families handed out so far (they are taken in order).
        var started = 0
    }

    /// `costs[f][r]`: the cost of run r of family f, in the order they run; `clock`: seconds since the start.
    package init(name: String, costs: [[Double]], workers: Int, clock: (@Sendable () -> Double)? = nil) {
        self.name = name
        let start = DispatchTime.now()
        self.clock = clock ?? { Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9 }
        self.costs = costs
        familyCosts = costs.map { $0.reduce(0, +) }
        total = familyCosts.reduce(0, +)
        runsTotal = costs.reduce(0) { $0 + $1.count }
        let n = max(1, workers)
        state = Mutex(
            State(
                family: Array(repeating: nil, count: n), runsOfFamily: Array(repeating: 0, count: n),
                lastFinish: Array(repeating: 0, count: n)))
    }

    var elapsed: Double { clock() }

    /// Worker `worker` takes family `family` (families are taken in order).
    package func started(family: Int, worker: Int) {
        state.withLock { s in
            s.family[worker] = family
            s.runsOfFamily[worker] = 0
            s.started = max(s.started, family + 1)
        }
    }

    /// Worker `worker` finished the next run of its family.
    package func finishedRun(worker: Int) {
        let now = elapsed
        state.withLock { s in
            guard let family = s.family[worker], s.runsOfFamily[worker] < costs[family].count else { return }
            s.done += costs[family][s.runsOfFamily[worker]]
            s.runsOfFamily[worker] += 1
            s.runsDone += 1
            s.lastFinish[worker] = now
        }
    }

    /// Worker `worker` has no more families.
    package func finished(worker: Int) {
        state.withLock { $0.family[worker] = nil }
    }

    package func snapshot() -> ProgressSnapshot {
        let now = elapsed
        let s = state.withLock { $0 }
        return ProgressSnapshot(
            name: name, runsDone: s.runsDone, runsTotal: runsTotal,
            fraction: total > 0 ? min(1, s.done / total) : 1, elapsed: now, secondsLeft: secondsLeft(s, now: now))
    }

    /// The remaining schedule's length at the measured speed; nil before the first finished run.
    private func secondsLeft(_ s: State, now: Double) -> Double? {
        let busy = s.lastFinish.reduce(0, +)
        guard s.done > 0, busy > 0 else { return nil }
        let speed = s.done / busy  // cost units per worker-second
        let free = s.family.indices.map { w -> Double in
            guard let family = s.family[w] else { return now }
            let left = costs[family][s.runsOfFamily[w]...].reduce(0, +)
            let running = now - s.lastFinish[w]  // of the run in flight
            return now + max(0, left / speed - running)
        }
        let end = WorkModel.scheduleEnd(free: free, lengths: familyCosts[s.started...].lazy.map { $0 / speed })
        return max(0, end - now)
    }
}

import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Synchronization
import Testing

@Suite("Progress: work weighted by cost, time left from the remaining schedule")
struct ProgressTests {
    /// A clock the test sets.
    final class Clock: Sendable {
        let now = Mutex(0.0)
        func set(_ t: Double) { now.withLock { $0 = t } }
        var read: @Sendable () -> Double { { self.now.withLock { $0 } } }
    }

    @Test("Nothing finished: no time left is guessed; the fraction is the cost done, not the runs done")
    func weighted() {
        let clock = Clock()
        let progress = SweepProgress(name: "p", costs: [[90], [5, 5]], workers: 1, clock: clock.read)
        #expect(progress.snapshot().secondsLeft == nil)
        progress.started(family: 0, worker: 0)
        clock.set(9)
        progress.finishedRun(worker: 0)
        let s = progress.snapshot()
        #expect(s.runsDone == 1 && s.runsTotal == 3)
        #expect(abs(s.fraction - 0.9) < 1e-12)  // one run of three, but 90% of the work
        #expect(abs((s.secondsLeft ?? 0) - 1) < 1e-9)  // 10 units left at 10 units/s
    }

    @Test(
        "Two workers, three equal families: after the first two the last runs alone, so the time left is a whole family"
    )
    func criticalPath() {
        let clock = Clock()
        let progress = SweepProgress(name: "p", costs: [[10], [10], [10]], workers: 2, clock: clock.read)
        progress.started(family: 0, worker: 0)
        progress.started(family: 1, worker: 1)
        clock.set(10)
        progress.finishedRun(worker: 0)
        progress.finishedRun(worker: 1)
        progress.started(family: 2, worker: 0)
        progress.finished(worker: 1)
        // 10 units left over 2 workers would say 5 s; the schedule says 10 s.
        #expect(abs((progress.snapshot().secondsLeft ?? 0) - 10) < 1e-9)
        clock.set(14)  // the run in flight has run 4 s of its 10
        #expect(abs((progress.snapshot().secondsLeft ?? 0) - 6) < 1e-9)
    }

    @Test("Families not yet started go to the worker free first")
    func listSchedule() {
        let clock = Clock()
        let progress = SweepProgress(name: "p", costs: [[4], [1], [3], [3]], workers: 2, clock: clock.read)
        progress.started(family: 0, worker: 0)
        progress.started(family: 1, worker: 1)
        clock.set(1)
        progress.finishedRun(worker: 1)  // speed: 1 unit per worker-second
        progress.started(family: 2, worker: 1)
        // Worker 0 is free at 4, worker 1 at 1 + 3 = 4; family 3 (3 units) then ends at 7: 6 s from now.
        #expect(abs((progress.snapshot().secondsLeft ?? 0) - 6) < 1e-9)
    }

    /// The runs of a config given as JSON text, as the runner lists them: every cell with every seed.
    static func work(_ json: String) throws -> [(GridCell, Int)] {
        let experiment = try ExperimentLoader.load(bytes: Array(json.utf8), file: "schedule.json")
        return experiment.cells(in: Shard(index: 0, count: 1)).flatMap { cell in experiment.seeds.map { (cell, $0) } }
    }

    @Test("Few large families split into forward groups when that ends sooner; many families stay whole")
    func balancedSchedule() throws {
        // adding's shape: one weight family per seed, three on two workers
        let training = try Self.work(
            """
            {"name": "s", "width": 32, "batch": 32, "seeds": 3, "input_size": 2, "activation": "tanh",
             "train": {"steps": 50, "learning_rate": 0.01, "optimizer": "adam", "task": "adding", "train_size": 256},
             "sweep": {"depth": [50, 100], "architecture": ["rnn", "lstm", "gru"]}}
            """)
        let families = SweepRunner.families(training)
        #expect(families.count == 3)
        let items = SweepRunner.balanced(families, workers: 2)
        #expect(items.count == 9, "one item per seed and architecture")
        #expect(SweepRunner.makespan(items, workers: 2) < 0.8 * SweepRunner.makespan(families, workers: 2))
        // every run once, and the runs that share a forward pass (same architecture and seed) in one item
        #expect(items.joined().count == training.count)
        for item in items {
            #expect(Set(item.map { "\($0.0.cell.architecture)-\($0.1)" }).count == 1)
        }
        #expect(SweepRunner.balanced(families, workers: 1).count == 3)
        // narrow-deep's shape: twelve families on two workers stay as they are
        let plain = try Self.work(
            """
            {"name": "n", "batch": 8, "seeds": 3, "sweep": {"activation": ["sigmoid", "tanh"],
             "init": ["xavier_normal", "orthogonal"], "depth": [20, 100], "width": [8, 16]}}
            """)
        let whole = SweepRunner.families(plain)
        #expect(whole.count == 12 && SweepRunner.balanced(whole, workers: 2).count == 12)
    }
}

import GradScopeCore
import GradScopeResults
import Foundation
import Synchronization

/// How `gradscope run` runs a sweep.
package struct RunOptions: Sendable {
    package var output = "results"
    /// Runs in parallel; nil: chosen by `Schedule` from the cells and the machine.
    package var jobs: Int?
    /// The cores the sweep may use (jobs x threads per run).
    package var cores = ProcessInfo.processInfo.activeProcessorCount
    /// Bytes of memory the runs in flight may use together; nil where unknown.
    package var memory = MachineMemory.available
    package var shard = Shard.whole
    package var resume = false
    package var force = false
    /// Called with the sweep's progress after every finished run and every quarter second (the CLI draws it).
    package var progress: (@Sendable (ProgressSnapshot) -> Void)?
    /// The stop token: once it returns true, the sweep stops after the runs in flight (the CLI sets it on Ctrl-C).
    package var stopRequested: @Sendable () -> Bool = { false }

    package init() {}
}

/// Runs one experiment into its results folder: prepares (or resumes) the store,
/// runs the missing (cell, seed) pairs on `jobs` threads, and exports.
package struct SweepRunner {
    package let experiment: Experiment
    package let options: RunOptions
    let folder: ResultsFolder

    package init(experiment: Experiment, options: RunOptions) {
        self.experiment = experiment
        self.options = options
        folder = ResultsFolder(output: options.output, name: experiment.name)
    }

    /// Checks the results folder against `resume` and `force` before anything is written; throws a
    /// `FolderConflict`. Returns `MixedBLASCores` when resuming would add runs of this machine's BLAS
    /// core to runs of another.
    @discardableResult
    package func checkFolder() throws -> MixedBLASCores? {
        guard folder.hasStore, !options.force else { return nil }
        let path = folder.url.path
        guard options.resume else { throw FolderConflict.holdsResults(folder: path, experiment: experiment.name) }
        let store = try ResultStore(path: folder.storePath)
        if let hash = try store.meta(ResultsFolder.Key.configHash), hash != experiment.configHash {
            throw FolderConflict.configChanged(file: experiment.file, folder: path)
        }
        let revision = try ResultsFolder.numericsRevision(of: store)
        if revision != numericsRevision {
            let version = try store.meta(ResultsFolder.Key.version) ?? "an earlier version"
            throw FolderConflict.otherRevision(folder: path, version: version, revision: revision)
        }
        if let shard = try store.meta(ResultsFolder.Key.shard), shard != options.shard.description {
            throw FolderConflict.otherShard(folder: path, stored: shard, requested: options.shard)
        }
        let cores = try ResultsFolder.blasCores(of: store)
        guard !cores.isEmpty, !cores.contains(BLASLibrary.coreName) else { return nil }
        return MixedBLASCores(folder: path, cores: cores + [BLASLibrary.coreName])
    }

    /// Runs the sweep (what finished is stored and exported, also when it was interrupted).
    package func run() throws -> SweepOutcome {
        try checkFolder()
        if options.force, folder.hasStore { try folder.clear() }
        try folder.create()
        let store = try ResultStore(path: folder.storePath)
        try initialiseMeta(store)
        try ResultsFolder.recordBLASCore(in: store)
        let done = try store.completedRuns()
        let work = experiment.cells(in: options.shard).flatMap { cell in
            experiment.seeds.map { (cell, $0) }
        }.filter { !done.contains(RunKey(cellIndex: $0.0.index, seed: $0.1)) }
        let families = SweepRunner.balanced(SweepRunner.families(work), workers: options.jobs ?? options.cores)
        let jobs = max(
            1,
            min(
                families.count,
                options.jobs
                    ?? Schedule.jobs(
                        families: families.count, cores: options.cores, runBytes: experiment.peakEstimate?.bytes ?? 0,
                        memory: options.memory)))
        let progress = SweepProgress(name: experiment.name, costs: WorkModel.costs(families), workers: jobs)
        let theories = PendingTheories(experiment)  // seconds of quadrature in deep sweeps, beside the runs
        try reporting(progress) { try execute(families, jobs: jobs, store: store, progress: progress) }
        let interrupted = options.stopRequested()
        if !interrupted { try store.setMeta([ResultsFolder.Key.finished: Manifest.now]) }
        try folder.export(experiment, store: store, run: context(jobs: jobs), theories: theories)
        let last = progress.snapshot()
        return SweepOutcome(
            name: experiment.name, folder: folder.url.path, runsDone: last.runsDone, runsTotal: work.count,
            seconds: last.elapsed, interrupted: interrupted)
    }

    /// Runs `body` while a thread hands `progress` to `options.progress` every quarter second, and once at the end.
    private func reporting(_ progress: SweepProgress, _ body: () throws -> Void) rethrows {
        guard let report = options.progress else { return try body() }
        // The ticker draws until `stop` is signalled, and is joined before the last draw.
        let stop = DispatchSemaphore(value: 0), ticking = DispatchGroup()
        ticking.enter()
        Thread {
            defer { ticking.leave() }
            repeat { report(progress.snapshot()) } while stop.wait(timeout: .now() + 0.25) == .timedOut
        }.start()
        defer {
            stop.signal()
            ticking.wait()
            report(progress.snapshot())
        }
        try body()
    }

    func context(jobs: Int) -> RunContext {
        RunContext(jobs: jobs, threadsPerRun: max(1, options.cores / jobs), shard: options.shard)
    }

    private func initialiseMeta(_ store: ResultStore) throws {
        guard try store.meta(ResultsFolder.Key.configHash) == nil else { return }
        let text = experiment.document.serialized()
        try store.setMeta([
            ResultsFolder.Key.configHash: experiment.configHash, ResultsFolder.Key.configText: text,
            ResultsFolder.Key.configFile: experiment.file, ResultsFolder.Key.shard: options.shard.description,
            ResultsFolder.Key.version: gradscopeVersion, ResultsFolder.Key.started: Manifest.now,
            ResultsFolder.Key.numerics: "\(numericsRevision)",
        ])
    }

    /// Groups runs that share their weights (same seed, width and initialiser), so one thread
    /// runs a family with one `WeightCache`; largest families first. Within a family, runs
    /// that share their forward pass (the same `forwardIdentity`) follow each other, deepest first.
    package static func families(_ work: [(GridCell, Int)]) -> [[(GridCell, Int)]] {
        var groups = [WeightFamily: [(GridCell, Int)]](), order = [WeightFamily]()
        for item in work {
            let key = WeightFamily(item.0.cell, seed: item.1)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(item)
        }
        return largestFirst(order.map { key in forwardSharersTogether(groups[key] ?? []) })
    }

    /// `families`, or when they are few (under four per worker) their forward groups (`forwardGroups`) as work
    /// items of their own if the longest-first list schedule of their `WorkModel` costs on `workers` threads ends
    /// sooner that way. A few large families leave cores idle at the end (`adding`: one family per seed, three on
    /// two cores, the last alone); a group on its own only draws its weights again (the same values, by common
    /// random numbers) and shares no forward pass with its family's other groups. The numbers do not depend on
    /// the choice.
    package static func balanced(_ families: [[(GridCell, Int)]], workers: Int) -> [[(GridCell, Int)]] {
        guard workers > 1, families.count < workers * 4 else { return families }
        let groups = largestFirst(families.flatMap(forwardGroups))
        return makespan(groups, workers: workers) < makespan(families, workers: workers) ? groups : families
    }

    /// `items` by their runs' estimated FLOPs, largest first; equal ones in their given order.
    private static func largestFirst(_ items: [[(GridCell, Int)]]) -> [[(GridCell, Int)]] {
        let cost = { (work: [(GridCell, Int)]) in work.reduce(0.0) { $0 + $1.0.estimate.flops } }
        return items.enumerated().sorted { (cost($0.element), -$0.offset) > (cost($1.element), -$1.offset) }
            .map(\.element)
    }

    /// The runs of `family` (ordered by `forwardSharersTogether`) cut where the forward identity changes.
    static func forwardGroups(_ family: [(GridCell, Int)]) -> [[(GridCell, Int)]] {
        var groups = [[(GridCell, Int)]]()
        for run in family {
            if let last = groups.last?.last, last.0.cell.forwardIdentity == run.0.cell.forwardIdentity {
                groups[groups.count - 1].append(run)
            } else {
                groups.append([run])
            }
        }
        return groups
    }

    /// When the last of `workers` threads finishes `items`, each thread taking the next item as it gets free:
    /// in `WorkModel` units.
    package static func makespan(_ items: [[(GridCell, Int)]], workers: Int) -> Double {
        WorkModel.scheduleEnd(
            free: Array(repeating: 0, count: max(1, workers)), lengths: WorkModel.costs(items).map { $0.reduce(0, +) })
    }

    /// `family` ordered by forward identity (in order of first appearance), then deepest first.
    static func forwardSharersTogether(_ family: [(GridCell, Int)]) -> [(GridCell, Int)] {
        var identities = [Cell]()
        let keyed = family.map { run -> (group: Int, run: (GridCell, Int)) in
            let identity = run.0.cell.forwardIdentity
            if let i = identities.firstIndex(of: identity) { return (i, run) }
            identities.append(identity)
            return (identities.count - 1, run)
        }
        return keyed.sorted { ($0.group, -$0.run.0.cell.depth) < ($1.group, -$1.run.0.cell.depth) }.map(\.run)
    }

    /// Runs `families` on `jobs` threads (at most one per family), a family at a time per thread; each finished run is
    /// stored at once.
    private func execute(_ families: [[(GridCell, Int)]], jobs: Int, store: ResultStore, progress: SweepProgress) throws
    {
        let next = Mutex(0)
        let failure = Mutex<Error?>(nil)
        let group = DispatchGroup(), stopRequested = options.stopRequested
        for worker in 0..<jobs {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                defer { progress.finished(worker: worker) }
                let cache = WeightCache()
                BLASLibrary.asWorker {
                    while true {
                        let index = next.withLock { i -> Int in
                            defer { i += 1 }
                            if i < families.count { progress.started(family: i, worker: worker) }
                            return i
                        }
                        guard index < families.count else { return }
                        for (cell, seed) in families[index] {
                            guard !stopRequested(), failure.withLock({ $0 == nil }) else { return }
                            do {
                                try store.record(try SweepRunner.measureRun(cell, seed: seed, cache: cache))
                                progress.finishedRun(worker: worker)
                            } catch {
                                failure.withLock { $0 = $0 ?? error }
                            }
                        }
                    }
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw RunFailure.failed("\(experiment.name): \(error)") }
    }

    /// One (cell, seed): measured and turned into a stored record.
    static func measureRun(_ cell: GridCell, seed: Int, cache: WeightCache) throws -> RunRecord {
        let start = DispatchTime.now()
        let result = try measure(cell.cell, seed: seed, cache: cache)
        let training =
            try cell.draft.training.map { try train(cell.cell, settings: $0, seed: seed, cache: cache) } ?? []
        let spectrum =
            cell.draft.jacobian && result.status == .ok
            ? try jacobianSpectrum(cell.cell, seed: seed, cache: cache) : nil
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return RunRecord(
            cellIndex: cell.index, seed: seed, status: result.status, loss: result.loss, seconds: seconds,
            layers: result.layers.map(LayerRecord.init), training: training.map(TrainingStepRecord.init),
            singularValues: spectrum?.singularValues ?? [], logRatioVariance: result.logRatioVariance,
            logRatioMean: result.logRatioMean)
    }
}

/// What one `SweepRunner.run` did.
package struct SweepOutcome: Sendable {
    package let name: String
    /// The results folder.
    package let folder: String
    /// Runs finished this time, of the runs that were missing when it started.
    package let runsDone: Int
    package let runsTotal: Int
    package let seconds: Double
    /// Stopped by Ctrl-C or SIGTERM before every run finished.
    package let interrupted: Bool
}

extension LayerRecord {
    /// The stored form of a measured layer.
    init(_ l: LayerMeasurement) {
        self.init(
            gradW: l.gradW, gradB: l.gradB, gradZ: l.gradZ, gradH: l.gradH,
            actMean: l.activations.mean, actStd: l.activations.std, saturatedFraction: l.activations.saturatedFraction,
            perExample: l.perExample, gradX: l.gradX, gradC: l.gradC, correlation: l.correlation)
    }
}

extension TrainingStepRecord {
    /// The stored form of a recorded training step.
    init(_ p: TrainingPoint) {
        self.init(
            step: p.step, status: p.status, trainLoss: p.trainLoss, testLoss: p.testLoss,
            trainAccuracy: p.trainAccuracy, testAccuracy: p.testAccuracy,
            layers: p.layers.map { LayerRecord($0.measurement) }, relativeUpdates: p.layers.map(\.relativeUpdate),
            filters: p.filters, coordinates: p.coordinates)
    }
}

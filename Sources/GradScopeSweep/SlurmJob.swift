import GradScopeCore
import GradScopeResults
import Foundation

/// One sweep as a Slurm job array: task K of N runs `gradscope run CONFIG --shard K/N` into its own
/// shard folder, and a merge job, started only when every task succeeded, joins the shards.
///
/// Layout under `<output>/<name>/`: `slurm/array.sbatch`, `slurm/merge.sbatch`, `slurm/logs/`,
/// `slurm/shards/K/<name>/` (each shard's results folder); the merge writes `<output>/<name>/` itself.
package struct SlurmJob: Sendable {
    package let experiment: Experiment
    /// Absolute paths of the config, of the output folder and of the gradscope binary the tasks run.
    package let config: String
    package let output: String
    package let binary: String
    package let shards: Int
    package var partition: String?
    package var time: String?
    package var cpusPerTask = 1
    /// The BLAS core request the tasks inherit; each task decides on its own node's CPU.
    package var blasCore = BLASCoreRequest.automatic

    package init(experiment: Experiment, config: String, output: String, binary: String, shards: Int) {
        (self.experiment, self.shards) = (experiment, shards)
        (self.config, self.output, self.binary) = (
            SlurmJob.absolute(config), SlurmJob.absolute(output), SlurmJob.absolute(binary)
        )
    }

    package var folder: URL {
        URL(fileURLWithPath: output).appendingPathComponent(experiment.name).appendingPathComponent("slurm")
    }
    package var arrayScript: URL { folder.appendingPathComponent("array.sbatch") }
    package var mergeScript: URL { folder.appendingPathComponent("merge.sbatch") }

    /// The results folder of shard `k`.
    package func shardFolder(_ k: Int) -> URL {
        folder.appendingPathComponent("shards").appendingPathComponent("\(k)").appendingPathComponent(experiment.name)
    }

    /// The shards whose results are not complete: no store, a store for another config, or an unfinished run.
    package func unfinishedShards() -> [Int] {
        (0..<shards).filter { k in
            let results = ResultsFolder(url: shardFolder(k))
            guard results.hasStore, let store = try? ResultStore(path: results.storePath) else { return true }
            let hash = try? store.meta(ResultsFolder.Key.configHash),
                finished = try? store.meta(ResultsFolder.Key.finished)
            return hash != experiment.configHash || finished == nil
        }
    }

    /// The job array's script for the shards `tasks` (Slurm's `--array` list; the shard count N is
    /// written into the script, since SLURM_ARRAY_TASK_COUNT counts the tasks, not the shards).
    package func arrayText(tasks: [Int]) -> String {
        var lines = header(name: "gradscope-\(experiment.name)", log: "%A_%a.out")
        lines.append("#SBATCH --array=\(SlurmJob.ranges(tasks))")
        lines +=
            ["", "set -eu"] + blasCoreLines + [
                "k=$SLURM_ARRAY_TASK_ID",
                "exec \(SlurmJob.quoted(binary)) run \(SlurmJob.quoted(config)) --shard \"$k/\(shards)\" --resume "
                    + "--quiet \\",
                "    --jobs \"${SLURM_CPUS_PER_TASK:-1}\" --output \(SlurmJob.quoted(folder.path))/shards/\"$k\"",
            ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The merge job's script: every shard folder into `<output>/<name>/`.
    package var mergeText: String {
        var lines = header(name: "gradscope-\(experiment.name)-merge", log: "merge-%j.out")
        lines += ["", "set -eu"] + blasCoreLines + ["exec \(SlurmJob.quoted(binary)) merge \\"]
        lines += (0..<shards).map { "    \(SlurmJob.quoted(shardFolder($0).path)) \\" }
        lines.append("    --output \(SlurmJob.quoted(output)) --force")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes both scripts (the array for the unfinished shards) and the logs folder; returns the array's tasks.
    package func write() throws -> [Int] {
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        let tasks = unfinishedShards()
        try Data(arrayText(tasks: tasks.isEmpty ? Array(0..<shards) : tasks).utf8).write(
            to: arrayScript, options: .atomic)
        try Data(mergeText.utf8).write(to: mergeScript, options: .atomic)
        return tasks
    }

    /// Submits the array, then the merge with `--dependency=afterok:<array> --kill-on-invalid-dep=yes`
    /// (a failed or cancelled task cancels the merge); returns both job ids.
    package func submit(sbatch: String = "sbatch") async throws -> (array: String, merge: String) {
        let array = try await SlurmJob.sbatch(sbatch, [arrayScript.path])
        let merge = try await SlurmJob.sbatch(
            sbatch, ["--dependency=afterok:\(array)", "--kill-on-invalid-dep=yes", mergeScript.path])
        return (array, merge)
    }

    /// The BLAS kernels of a task: the request of the submitting command, and a core that gradscope
    /// chose for the submitting machine's CPU (`OPENBLAS_CORETYPE` with its mark, which sbatch passes
    /// on) taken back, so that each node chooses for its own CPU (nodes of one cluster differ).
    private var blasCoreLines: [String] {
        let (request, mark, coreType) = (
            BLASCoreRequest.environmentVariable, BLASCoreRestart.environmentVariable, BLASCoreRestart.openBLASVariable
        )
        return [
            "# BLAS kernels: chosen on each node for its CPU (docs/performance.md, \"The BLAS kernels\")",
            "export \(request)=\(SlurmJob.quoted(blasCore.text))",
            "if [ -n \"${\(mark):-}\" ]; then unset \(coreType) \(mark); fi",
        ]
    }

    private func header(name: String, log: String) -> [String] {
        var lines = [
            "#!/bin/bash", "# Written by gradscope \(gradscopeVersion) for \(experiment.file) (\(shards) shards).",
            "#SBATCH --job-name=\(name)", "#SBATCH --output=\(folder.path)/logs/\(log)",
            "#SBATCH --cpus-per-task=\(cpusPerTask)",
        ]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        return lines
    }

    /// `sbatch --parsable ARGS`: the job id it prints (`id` or `id;cluster`).
    static func sbatch(_ command: String, _ arguments: [String]) async throws -> String {
        let outcome: ChildProcess.Outcome
        do { outcome = try await ChildProcess.run(command, ["--parsable"] + arguments) } catch {
            throw RunFailure.failed("cannot start \(command): \(error)")
        }
        let id =
            outcome.standardOutput.split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            } ?? ""
        guard outcome.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw RunFailure.failed(
                "\(command) \(arguments.joined(separator: " ")) failed (exit \(outcome.status)): "
                    + "\(outcome.standardError)\(outcome.standardOutput)"
            )
        }
        return id
    }

    /// `0-3,5,7-8` for [0, 1, 2, 3, 5, 7, 8].
    static func ranges(_ tasks: [Int]) -> String {
        var parts = [String](), start: Int?, previous = -2
        for k in tasks.sorted() + [Int.max] {
            if k != previous + 1, let s = start {
                parts.append(s == previous ? "\(s)" : "\(s)-\(previous)")
                start = nil
            }
            if start == nil { start = k }
            previous = k
        }
        return parts.joined(separator: ",")
    }

    /// `path` in single quotes for the shell.
    static func quoted(_ path: String) -> String { "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }
}

import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// `gradscope slurm`: write (and submit) a Slurm job array that runs one shard per task, and a merge job.
struct SlurmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write (and with --submit, submit) a Slurm job array with one shard per task, and a merge job.",
        discussion: """
            Writes OUTPUT/<name>/slurm/array.sbatch and merge.sbatch. Task K runs \
            `gradscope run CONFIG --shard K/N --resume` into OUTPUT/<name>/slurm/shards/K/; the merge job \
            (afterok on the whole array, cancelled if any task fails) joins them into OUTPUT/<name>/. \
            Run the command again after a failure: the array then holds only the shards that did not finish.
            """
    )

    @OptionGroup var configs: ConfigArguments
    @Option(help: "Number of shards (array tasks), 1 ... 10000.")
    var shards: Int
    @Option(help: "Slurm partition (sbatch --partition).")
    var partition: String?
    @Option(help: "Time limit per task (sbatch --time), e.g. 2:00:00.")
    var time: String?
    @Option(
        name: .customLong("cpus-per-task"),
        help: "CPUs per task (sbatch --cpus-per-task); each task runs that many jobs.")
    var cpusPerTask = 1
    @Option(help: "Folder for the results (one subfolder per experiment).")
    var output = "results"
    @Flag(help: "Submit the array and the merge job with sbatch and print their job ids.")
    var submit = false

    func validate() throws {
        guard (1...10_000).contains(shards) else {
            throw ValidationError("--shards must be in 1 ... 10000, got \(shards)")
        }
        guard (1...1024).contains(cpusPerTask) else {
            throw ValidationError("--cpus-per-task must be in 1 ... 1024, got \(cpusPerTask)")
        }
    }

    func run() async throws {
        let experiments = try configs.load()
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        for (experiment, config) in zip(experiments, configs.configs) {
            var job = SlurmJob(
                experiment: experiment, config: config, output: output, binary: Bundle.main.executablePath ?? binary,
                shards: shards)
            (job.partition, job.time, job.cpusPerTask) = (partition, time, cpusPerTask)
            job.blasCore = BLASCoreLauncher.request
            let tasks = try job.write()
            let todo = tasks.isEmpty ? "all \(shards) shards finished" : "\(tasks.count) of \(shards) shards to run"
            print("\(experiment.name): \(job.arrayScript.path) (\(todo)), \(job.mergeScript.path)")
            guard submit else { continue }
            let ids = try await job.submit()
            print("\(experiment.name): submitted array job \(ids.array) and merge job \(ids.merge)")
        }
    }
}

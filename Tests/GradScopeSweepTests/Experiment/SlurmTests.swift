import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Testing

@Suite("Slurm job scripts")
struct SlurmTests {
    func job(_ folder: URL, shards: Int = 4) throws -> SlurmJob {
        let config = try write(
            #"{"name": "tiny", "width": 8, "batch": 4, "seeds": 1, "sweep": {"depth": [1, 2, 3]}}"#, to: folder,
            as: "tiny.json")
        var job = SlurmJob(
            experiment: try ExperimentLoader.load(path: config), config: config,
            output: folder.appendingPathComponent("out").path, binary: "/opt/gradscope", shards: shards)
        (job.partition, job.time, job.cpusPerTask) = ("short", "1:00:00", 2)
        return job
    }

    @Test("The array runs shard K of N into its own folder, with N written in and the sbatch options in the header")
    func arrayScript() throws {
        let folder = try temporaryFolder()
        let job = try job(folder)
        #expect(try job.write() == [0, 1, 2, 3])
        let text = try String(contentsOf: job.arrayScript, encoding: .utf8)
        for line in [
            "#SBATCH --array=0-3", "#SBATCH --partition=short", "#SBATCH --time=1:00:00", "#SBATCH --cpus-per-task=2",
            "--shard \"$k/4\" --resume", "'/opt/gradscope' run '\(folder.path)/tiny.json'", "/slurm'/shards/\"$k\"",
        ] {
            #expect(text.contains(line), "missing \(line) in\n\(text)")
        }
        let merge = try String(contentsOf: job.mergeScript, encoding: .utf8)
        #expect(
            merge.contains("merge") && merge.contains("slurm/shards/3/tiny'")
                && merge.contains("--output '\(folder.path)/out' --force"))
    }

    @Test("After a run, only the shards that did not finish are in the array")
    func unfinishedShards() async throws {
        let folder = try temporaryFolder()
        let job = try job(folder, shards: 3)
        for k in [0, 2] {
            let r = try await runGradscope([
                "run", job.config, "--shard", "\(k)/3", "--output", job.shardFolder(k).deletingLastPathComponent().path,
                "--quiet",
            ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(job.unfinishedShards() == [1])
        _ = try job.write()
        #expect(try String(contentsOf: job.arrayScript, encoding: .utf8).contains("#SBATCH --array=1\n"))
    }

    @Test("slurm checks --shards and reports a missing sbatch as a failure")
    func command() async throws {
        let folder = try temporaryFolder()
        let config = try write(#"{"name": "tiny", "width": 8, "batch": 4, "seeds": 1}"#, to: folder, as: "tiny.json")
        let bad = try await runGradscope(["slurm", config, "--shards", "0"])
        #expect(bad.status == 2 && bad.stderr.contains("--shards"))
        let written = try await runGradscope(["slurm", config, "--shards", "2", "--output", folder.path])
        #expect(written.status == 0 && written.stdout.contains("array.sbatch"), "\(written.stderr)")
    }
}

@Suite("Slurm tasks choose their BLAS kernels on their own node")
struct SlurmBLASCoreTests {
    /// The array script's BLAS lines run by bash in `environment`; returns OPENBLAS_CORETYPE and GRADSCOPE_BLAS_CORE.
    func afterBLASLines(_ request: BLASCoreRequest, _ environment: [String: String]) async throws -> String {
        let folder = try temporaryFolder()
        let config = try write(#"{"name": "tiny", "width": 8, "batch": 4, "seeds": 1}"#, to: folder, as: "tiny.json")
        var job = SlurmJob(
            experiment: try ExperimentLoader.load(path: config), config: config, output: folder.path,
            binary: "/opt/gradscope", shards: 2)
        job.blasCore = request
        let lines = job.arrayText(tasks: [0, 1]).split(separator: "\n")
            .filter { $0.hasPrefix("export GRADSCOPE") || $0.hasPrefix("if [ -n") }
        #expect(lines.count == 2)
        let assignments = environment.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        let script =
            "\(assignments.isEmpty ? "" : "export \(assignments); ")set -eu; \(lines.joined(separator: "; ")); "
            + "echo \"${OPENBLAS_CORETYPE:-}|$GRADSCOPE_BLAS_CORE|${GRADSCOPE_BLAS_CORE_CHOSEN:-}\""
        let outcome = try await ChildProcess.run("/bin/bash", ["-c", script])
        return outcome.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(
        "A core gradscope chose on the submitting machine is taken back; the user's own variable and a forced core stay"
    )
    func inheritance() async throws {
        let chosen = ["OPENBLAS_CORETYPE": "SkylakeX", "GRADSCOPE_BLAS_CORE_CHOSEN": "SkylakeX;Prescott;gradscope"]
        #expect(try await afterBLASLines(.automatic, chosen) == "|auto|")
        #expect(try await afterBLASLines(.automatic, ["OPENBLAS_CORETYPE": "Haswell"]) == "Haswell|auto|")
        #expect(try await afterBLASLines(.off, [:]) == "|off|")
        let forced = ["OPENBLAS_CORETYPE": "Haswell", "GRADSCOPE_BLAS_CORE_CHOSEN": "Haswell;Zen;user"]
        #expect(try await afterBLASLines(.force(BLASCore.named("Haswell")!), forced) == "|Haswell|")
    }
}

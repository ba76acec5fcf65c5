import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeTestSupport
import Testing

/// The BLAS kernels through the binary: `gradscope info` and `--blas-core` restart the process with the
/// core asked for, manifests say who chose it, and a forced lower core gives the committed reference
/// values to their tolerances (the kernels are right, not only fast).
@Suite("BLAS kernels chosen by the binary")
struct BLASKernelChoiceTests {
    /// `gradscope info`'s lines as a dictionary.
    func info(_ arguments: [String] = []) async throws -> [String: String] {
        let result = try await runGradscope(arguments + ["info"])
        try #require(result.status == 0, "\(result.stderr)")
        var fields = [String: String]()
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }

    /// The lowest core this CPU runs and a second vector one below the best, when there is one.
    static var lowerCores: [String] {
        let features = Processor.current.features, best = BLASCore.best(for: features)
        let vector = BLASCore.selectable(on: features).last { $0.level >= .avx && $0.level < best.level }
        return ["Prescott"] + (vector.map { [$0.name] } ?? [])
    }

    @Test("info prints the core in use, who chose it, OpenBLAS's own choice and the CPU's features")
    func infoReports() async throws {
        let fields = try await info()
        let processor = Processor.current
        #expect(fields["CPU features"] == processor.features.names.joined(separator: " "))
        #expect(fields["CPU"] == processor.description)
        let core = try #require(fields["BLAS core"]), own = try #require(fields["OpenBLAS's own choice"])
        let level = { (name: String) in BLASCore.named(name)?.level ?? .sse2 }
        // Automatic: the core in use is at the CPU's best level unless OpenBLAS chose one gradscope does not rank.
        if BLASCore.named(own) != nil {
            #expect(level(core) == BLASCore.best(for: processor.features).level, "\(fields)")
        }
        #expect(fields["chosen by"] == (core == own ? "openblas" : "gradscope"), "\(fields)")
        #expect(try await info(["--blas-core", "off"])["BLAS core"] == own)
    }

    @Test("--blas-core forces a lower core (the process restarts itself with it) before or after the command")
    func forced() async throws {
        let own = try #require(try await info()["OpenBLAS's own choice"])
        for core in Self.lowerCores {
            let fields = try await info(["--blas-core=\(core.lowercased())"])
            #expect(fields["BLAS core"] == core && fields["chosen by"] == "user", "\(fields)")
            #expect(fields["OpenBLAS's own choice"] == own)
        }
        let after = try await runGradscope(["info", "--blas-core", "Prescott"])
        #expect(after.status == 0 && after.stdout.contains("BLAS core: Prescott"))
    }

    @Test("An unknown core or one this CPU cannot run is a usage error (exit 2) that lists the valid ones")
    func refused() async throws {
        let unknown = try await runGradscope(["--blas-core", "Bogus", "info"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown BLAS core \"Bogus\"") && unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("Prescott"))
        let missing = try await runGradscope(["info", "--blas-core"])
        #expect(missing.status == 2 && missing.stderr.contains("--blas-core needs a value"))
        if !Processor.current.features.isSuperset(of: KernelLevel.avx512.requirement) {
            let tooNew = try await runGradscope(["--blas-core", "SkylakeX", "info"])
            #expect(tooNew.status == 2 && tooNew.stderr.contains("cannot run"), "\(tooNew.stderr)")
        }
    }

    @Test(
        "On a forced lower core the reference sweep gives the committed numbers, and its manifest says so",
        arguments: lowerCores)
    func referenceOnLowerCore(core: String) async throws {
        let out = try temporaryFolder()
        let result = try await runGradscope([
            "run", ReferenceValuesTests.folder.appendingPathComponent("reference.json").path, "--output", out.path,
            "--quiet", "--blas-core", core,
        ])
        try #require(result.status == 0, "\(result.stderr)")
        try ReferenceValuesTests.compare(out.appendingPathComponent("reference/runs.csv"))
        let manifest = try Manifest(folder: out.appendingPathComponent("reference"))
        #expect(manifest.blasCore == core && manifest.blasCoreChosenBy == "user" && manifest.coresOfRuns == [core])
        #expect(manifest.processorFeatures == Processor.current.features.names)
    }

    @Test("Shards run on a forced core and on the chosen one are two cores: merge warns and lists both")
    func mixedCores() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            #"{"name": "tiny", "width": 8, "batch": 4, "seeds": 1, "sweep": {"depth": [2, 3]}}"#,
            to: folder, as: "tiny.json")
        let own = try #require(try await info()["BLAS core"])
        let shards = (0..<2).map { folder.appendingPathComponent("shard\($0)") }
        for (k, out) in shards.enumerated() {
            let core = k == 0 ? ["--blas-core", "Prescott"] : []
            let r = try await runGradscope(
                ["run", config, "--output", out.path, "--shard", "\(k)/2", "--quiet"] + core)
            try #require(r.status == 0, "\(r.stderr)")
        }
        let merged = try await runGradscope(
            ["merge"] + shards.map { $0.appendingPathComponent("tiny").path } + [
                "--output", folder.appendingPathComponent("merged").path,
            ])
        #expect(merged.status == 0, "\(merged.stderr)")
        if own != "Prescott" {
            #expect(merged.stderr.contains("Prescott and \(own)"), "\(merged.stderr)")
            let manifest = try Manifest(folder: folder.appendingPathComponent("merged/tiny"))
            #expect(manifest.coresOfRuns == ["Prescott", own])
        }
    }
}

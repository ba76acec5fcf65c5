import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Testing

/// The built binary, driven the way users drive it.
@Suite("Sweeps end to end")
struct SweepTests {
    static let config = """
        {
          "name": "tiny",
          "description": "a small sweep for the tests",
          "width": 24,
          "batch": 8,
          "seeds": 2,
          "sweep": {
            "activation": ["sigmoid", "relu"],
            "depth": [3, 6],
            "init": ["xavier_normal", {"name": "orthogonal", "gain": 1.5}]
          }
        }
        """

    static let exports = ["runs.csv", "layers.csv", "summary.csv"]

    func csvs(_ folder: URL) -> [Data?] { Self.exports.map { contents(folder, $0) } }

    func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runGradscope(arguments)
    }

    @Test("run writes the store, three CSVs with every parameter, and the manifest")
    func runWritesResults() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        let result = try await run(["run", config, "--output", folder.path, "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let out = folder.appendingPathComponent("tiny")
        for name in Self.exports + ["results.sqlite", "manifest.json"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let runs = String(decoding: try #require(contents(out, "runs.csv")), as: UTF8.self)
        let lines = runs.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        // 8 cells x 2 seeds; depths 3 and 6 -> (3 + 6) x 2 x 2 x 2 layer rows.
        #expect(lines.count == 1 + 72)
        let header = lines[0].split(separator: ",").map(String.init)
        for column in [
            "cell", "activation", "depth", "width", "init", "bias_std", "architecture", "residual_scale", "batch",
            "input_std", "loss", "classes", "precision", "seed", "layer", "status", "grad_w_norm", "log10_grad_z_norm",
            "act_mean", "act_std", "saturated_fraction",
        ] {
            #expect(header.contains(column), "runs.csv lacks \(column)")
        }
        #expect(!runs.contains("inf") && !runs.contains("nan"))
        #expect(Set(header).count == header.count, "duplicate column names: \(header)")
        #expect(lines[1].hasPrefix("c") && lines[1].contains("\"orthogonal(gain=1.5)\"") == false)
        let summary = String(decoding: try #require(contents(out, "summary.csv")), as: UTF8.self)
        #expect(summary.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == 9)
        let manifest =
            try JSONSerialization.jsonObject(with: try #require(contents(out, "manifest.json"))) as? [String: Any]
        #expect((manifest?["grid"] as? [String: Any])?["cells"] as? [Any] != nil)
        #expect((manifest?["blas"] as? [String: Any])?["config"] as? String != nil)
    }

    @Test("An existing results folder is never overwritten without --resume or --force")
    func refusesToOverwrite() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        #expect(try await run(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        let before = csvs(folder.appendingPathComponent("tiny"))
        let again = try await run(["run", config, "--output", folder.path, "--quiet"])
        #expect(again.status == 2 && again.stderr.contains("--resume") && again.stderr.contains("--force"))
        #expect(csvs(folder.appendingPathComponent("tiny")) == before)
        #expect(try await run(["run", config, "--output", folder.path, "--quiet", "--resume"]).status == 0)
        #expect(csvs(folder.appendingPathComponent("tiny")) == before)
        #expect(try await run(["run", config, "--output", folder.path, "--quiet", "--force"]).status == 0)
        #expect(csvs(folder.appendingPathComponent("tiny")) == before)
    }

    @Test("Resuming with an edited config is refused and names make sweep FORCE=1")
    func changedConfig() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        #expect(try await run(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        try write(
            Self.config.replacingOccurrences(of: "\"seeds\": 2", with: "\"seeds\": 3"), to: folder, as: "tiny.json")
        let resumed = try await run(["run", config, "--output", folder.path, "--quiet", "--resume"])
        #expect(
            resumed.status == 2 && resumed.stderr.contains("changed") && resumed.stderr.contains("make sweep FORCE=1"))
    }

    @Test(
        """
        Results of another numerics revision are neither resumed nor merged with: one table never mixes two \
        arithmetics
        """
    )
    func numericsRevision() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        let shards = (0..<2).map { folder.appendingPathComponent("shard\($0)") }
        for (k, out) in shards.enumerated() {
            #expect(try await run(["run", config, "--output", out.path, "--shard", "\(k)/2", "--quiet"]).status == 0)
        }
        // Shard 1 as an older gradscope would have left it.
        try ResultStore(path: shards[1].appendingPathComponent("tiny/results.sqlite").path)
            .setMeta(["numerics_revision": "1", "gradscope_version": "0.1.0"])
        let resumed = try await run([
            "run", config, "--output", shards[1].path, "--shard", "1/2", "--resume", "--quiet",
        ])
        #expect(
            resumed.status == 2 && resumed.stderr.contains("numerics revision 1") && resumed.stderr.contains("--force"),
            "\(resumed.stderr)")
        let paths = shards.map { $0.appendingPathComponent("tiny").path }
        let mixed = try await run(["merge"] + paths + ["--output", folder.appendingPathComponent("mixed").path])
        #expect(mixed.status == 2 && mixed.stderr.contains("numerics revision"), "\(mixed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("mixed").path))
        #expect(
            try await run(["run", config, "--output", shards[1].path, "--shard", "1/2", "--force", "--quiet"]).status
                == 0)
        let merged = try await run(["merge"] + paths + ["--output", folder.appendingPathComponent("merged").path])
        #expect(merged.status == 0, "\(merged.stderr)")
        let manifest = String(
            decoding: contents(folder.appendingPathComponent("merged/tiny"), "manifest.json") ?? Data(), as: UTF8.self)
        #expect(manifest.contains("\"numerics_revision\": \(GradScopeCore.numericsRevision)"), "\(manifest)")
    }

    @Test("Shards of different BLAS cores: --resume and merge warn (and go on), and the manifest names the cores")
    func mixedBLASCores() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        let shards = (0..<2).map { folder.appendingPathComponent("shard\($0)") }
        for (k, out) in shards.enumerated() {
            let r = try await run(["run", config, "--output", out.path, "--shard", "\(k)/2", "--quiet"])
            #expect(r.status == 0 && !r.stderr.contains("warning"), "\(r.stderr)")
        }
        let store = try ResultStore(path: shards[1].appendingPathComponent("tiny/results.sqlite").path)
        let core = try #require(try store.meta("blas_cores"))
        #expect(!core.isEmpty && !core.contains(","))
        // Shard 1 as a machine whose OpenBLAS chose other kernels would have left it.
        try store.setMeta(["blas_cores": "OtherCore"])
        let resumed = try await run([
            "run", config, "--output", shards[1].path, "--shard", "1/2", "--resume", "--quiet",
        ])
        #expect(
            resumed.status == 0 && resumed.stderr.contains("OtherCore and \(core)")
                && resumed.stderr.contains("numerics.md"), "\(resumed.stderr)")
        let merged = try await run(
            ["merge"] + shards.map { $0.appendingPathComponent("tiny").path } + [
                "--output", folder.appendingPathComponent("merged").path,
            ])
        #expect(
            merged.status == 0 && merged.stderr.contains("warning") && merged.stderr.contains("OtherCore"),
            "\(merged.stderr)")
        let manifest = String(
            decoding: contents(folder.appendingPathComponent("merged/tiny"), "manifest.json") ?? Data(), as: UTF8.self)
        #expect(manifest.contains("\"cores_of_runs\"") && manifest.contains("\"OtherCore\""), "\(manifest)")
        let same = try await run(
            ["merge"] + [shards[0].appendingPathComponent("tiny").path] + [
                "--output", folder.appendingPathComponent("one").path,
            ])
        #expect(same.status == 1 && !same.stderr.contains("warning"))  // missing cells, but no mixed cores
    }

    @Test("--jobs 1 and --jobs 2 give byte-identical CSVs")
    func jobsAreInvisible() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        #expect(
            try await run([
                "run", config, "--output", folder.appendingPathComponent("one").path, "--jobs", "1", "--quiet",
            ]).status == 0)
        #expect(
            try await run([
                "run", config, "--output", folder.appendingPathComponent("two").path, "--jobs", "2", "--quiet",
            ]).status == 0)
        let one = csvs(folder.appendingPathComponent("one/tiny")), two = csvs(folder.appendingPathComponent("two/tiny"))
        #expect(one.allSatisfy { $0 != nil } && one == two)
    }

    @Test(
        "Three shards merged equal the whole sweep, byte for byte; merge names missing cells and refuses other configs")
    func shardsMerge() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        #expect(
            try await run(["run", config, "--output", folder.appendingPathComponent("whole").path, "--quiet"]).status
                == 0)
        var shards = [String]()
        for k in 0..<3 {
            let out = folder.appendingPathComponent("shard\(k)")
            #expect(try await run(["run", config, "--output", out.path, "--shard", "\(k)/3", "--quiet"]).status == 0)
            shards.append(out.appendingPathComponent("tiny").path)
        }
        let partial = try await run([
            "merge", shards[0], shards[1], "--output", folder.appendingPathComponent("partial").path,
        ])
        #expect(partial.status == 1 && partial.stderr.contains("missing") && partial.stderr.contains("c"))
        let merged = try await run(["merge"] + shards + ["--output", folder.appendingPathComponent("merged").path])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(csvs(folder.appendingPathComponent("merged/tiny")) == csvs(folder.appendingPathComponent("whole/tiny")))
        let other = try write(
            Self.config.replacingOccurrences(of: "\"batch\": 8", with: "\"batch\": 9"), to: folder, as: "other.json")
        #expect(
            try await run(["run", other, "--output", folder.appendingPathComponent("other").path, "--quiet"]).status
                == 0)
        let mixed = try await run([
            "merge", shards[0], folder.appendingPathComponent("other/tiny").path, "--output",
            folder.appendingPathComponent("mixed").path,
        ])
        #expect(mixed.status == 2 && mixed.stderr.contains("different config"))
        for bad in ["3/3", "-1/3", "1/0", "a/b", "2"] {
            let r = try await run([
                "run", config, "--output", folder.appendingPathComponent("bad").path, "--shard", bad,
            ])
            #expect(r.status == 2 && r.stderr.contains("--shard"), "\(bad): \(r.stderr)")
        }
    }

    @Test("export rewrites the same bytes from the store")
    func export() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        #expect(try await run(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        let out = folder.appendingPathComponent("tiny")
        let before = csvs(out)
        for name in Self.exports { try FileManager.default.removeItem(at: out.appendingPathComponent(name)) }
        #expect(try await run(["export", out.path]).status == 0)
        #expect(csvs(out) == before)
        #expect(try await run(["export", folder.path]).status == 2)
    }

    @Test("A conv net trained on images: filters.csv at the first and last step, rewritten from the store, drawn")
    func filters() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            """
            {"name": "cnn", "input": "fashion_mnist", "image_size": 7, "layer": "conv", "depth": 2, "width": 3,
             "batch": 4, "seeds": 1, "loss": "cross_entropy",
             "train": {"steps": 2, "record_every": 1, "task": "images", "train_size": 16, "test_size": 16},
             "sweep": {"activation": ["tanh", "relu"]}}
            """, to: folder, as: "cnn.json")
        let ran = try await run(["run", config, "--output", folder.path, "--quiet"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let out = folder.appendingPathComponent("cnn")
        let table = String(decoding: try #require(contents(out, "filters.csv")), as: UTF8.self)
        let rows = table.split(whereSeparator: \.isNewline)
        let weights = 2 * 2 * 3 * 9  // 2 cells x steps 0 and 2 x 3 filters x 3 x 3
        #expect(rows.count == weights + 1)
        #expect(rows.dropFirst().allSatisfy { $0.contains(",0,") || $0.contains(",2,") })
        let files = Self.exports + ["training.csv", "training_summary.csv", "filters.csv"]
        let before = files.map { contents(out, $0) }
        for name in files { try FileManager.default.removeItem(at: out.appendingPathComponent(name)) }
        #expect(try await run(["export", out.path]).status == 0)
        #expect(files.map { contents(out, $0) } == before)
        #expect(try await run(["report", out.path]).status == 0)
        let svg = String(decoding: try #require(contents(out, "filters.svg")), as: UTF8.self)
        #expect(svg.components(separatedBy: "class=\"filter-pixel\"").count == weights + 1)
    }

    /// A sweep of 48 runs that takes a few seconds: long enough to interrupt.
    static let longerConfig = config.replacingOccurrences(of: "\"width\": 24", with: "\"width\": 160")
        .replacingOccurrences(of: "[3, 6]", with: "[40, 80, 120]").replacingOccurrences(
            of: "\"seeds\": 2", with: "\"seeds\": 4")

    /// Starts `gradscope run` in the background and returns once `runs` runs are stored.
    func startSweep(_ arguments: [String], store: String, until runs: Int) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = gradscopeBinary()
        process.arguments = ["run"] + arguments
        // stderr to a file, not a pipe: a child that fills a pipe nobody reads would block.
        let log = try temporaryFolder().appendingPathComponent("stderr.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        // Poll with a blocking sleep: Task.sleep would wait for a free thread of the
        // cooperative pool, which the other tests may hold until this sweep is over.
        for _ in 0..<3000 {
            usleep(10_000)
            if FileManager.default.fileExists(atPath: store),
                (try? ResultStore(path: store, readOnly: true).completedRuns().count) ?? 0 >= runs
            {
                break
            }
        }
        return (process, log)
    }

    /// Runs `config` (experiment `name`, `total` runs) whole into `folder/whole`, and again into `folder/killed`
    /// killed with SIGKILL once `after` runs are stored, then resumed; expects the `files` to be byte-identical.
    /// Returns the killed run's store.
    @discardableResult
    func killThenResume(_ config: String, name: String, in folder: URL, files: [String], after: Int, total: Int)
        async throws -> String
    {
        #expect(
            try await run(["run", config, "--output", folder.appendingPathComponent("whole").path, "--quiet"]).status
                == 0)
        let out = folder.appendingPathComponent("killed")
        let store = out.appendingPathComponent("\(name)/results.sqlite").path
        let (process, _) = try startSweep(
            [config, "--output", out.path, "--quiet", "--jobs", "2"], store: store, until: after)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let stored = try ResultStore(path: store).completedRuns().count
        #expect(stored >= after && stored < total, "killed after \(stored) of \(total) runs")
        let resumed = try await run(["run", config, "--output", out.path, "--quiet", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let whole = files.map { contents(folder.appendingPathComponent("whole/\(name)"), $0) }
        #expect(whole.allSatisfy { $0 != nil } && files.map { contents(out.appendingPathComponent(name), $0) } == whole)
        return store
    }

    @Test("kill -9 in the middle of a sweep, then --resume: byte-identical to an uninterrupted run")
    func killAndResume() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.longerConfig, to: folder, as: "tiny.json")
        let store = try await killThenResume(config, name: "tiny", in: folder, files: Self.exports, after: 4, total: 48)
        #expect(try ResultStore(path: store).completedRuns().count == 48)
    }

    /// A training sweep: 4 cells x 3 seeds, 30 steps recorded every 10.
    static let trainingConfig = """
        {
          "name": "learn",
          "width": 16, "batch": 8, "depth": 4, "seeds": 3,
          "train": {"steps": 30, "record_every": 10, "train_size": 64, "learning_rate": 0.05},
          "sweep": {"activation": ["sigmoid", "tanh"], "train.optimizer": ["sgd", "adam"]}
        }
        """
    static let trainingExports = exports + ["training.csv", "training_summary.csv"]

    @Test(
        """
        Training sweeps: training.csv and training_summary.csv, identical for --jobs 1 and 2, and after kill -9 and \
        --resume
        """
    )
    func trainingSweep() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.trainingConfig, to: folder, as: "learn.json")
        for (out, jobs) in [("one", "1"), ("two", "2")] {
            let r = try await run([
                "run", config, "--output", folder.appendingPathComponent(out).path, "--jobs", jobs, "--quiet",
            ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let one = Self.trainingExports.map { contents(folder.appendingPathComponent("one/learn"), $0) }
        #expect(
            one.allSatisfy { $0 != nil }
                && one == Self.trainingExports.map { contents(folder.appendingPathComponent("two/learn"), $0) })
        let rows = String(decoding: try #require(one[3]), as: UTF8.self).split(separator: "\r\n")
        let expectedRows = 1 + 4 * 3 * 4 * 4  // cells x seeds x recorded steps (0, 10, 20, 30) x layers
        #expect(rows.count == expectedRows)
        #expect(
            rows[0].hasPrefix("cell,activation,") && rows[0].contains("train_optimizer")
                && rows[0].contains("relative_update"))
        let summary = String(decoding: try #require(one[4]), as: UTF8.self).split(separator: "\r\n")
        #expect(summary.count == 5 && summary.dropFirst().allSatisfy { $0.hasSuffix(",ok") })

        let longer = Self.trainingConfig.replacingOccurrences(of: "\"width\": 16", with: "\"width\": 96")
            .replacingOccurrences(of: "\"steps\": 30", with: "\"steps\": 300").replacingOccurrences(
                of: "\"seeds\": 3", with: "\"seeds\": 8")
        let longConfig = try write(longer, to: folder, as: "long.json")
        try await killThenResume(
            longConfig, name: "learn", in: folder, files: Self.trainingExports, after: 3, total: 32)
    }

    @Test("Ctrl-C stops after the runs in flight, keeps them, exits 1; --resume finishes")
    func interrupt() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.longerConfig, to: folder, as: "tiny.json")
        let store = folder.appendingPathComponent("tiny/results.sqlite").path
        let (process, err) = try startSweep([config, "--output", folder.path, "--quiet"], store: store, until: 2)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let message = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        #expect(
            process.terminationStatus == 1 && message.contains("--resume"),
            "status \(process.terminationStatus): \(message)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("tiny/runs.csv").path))
        let resumed = try await run(["run", config, "--output", folder.path, "--quiet", "--resume"])
        #expect(resumed.status == 0)
        #expect(try ResultStore(path: store).completedRuns().count == 48)
    }

    @Test("A config error writes nothing and exits 2 with the key path")
    func configErrorWritesNothing() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            Self.config.replacingOccurrences(of: "[3, 6]", with: "[3, 0]"), to: folder, as: "tiny.json")
        let good = try write(Self.config.replacingOccurrences(of: "tiny", with: "good"), to: folder, as: "good.json")
        let output = folder.appendingPathComponent("out")
        let result = try await run(["run", good, config, "--output", output.path])
        #expect(result.status == 2 && result.stderr.contains("sweep.depth[1]") && result.stderr.contains("tiny.json"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
        let huge = try write(#"{"name": "huge", "width": 16384, "depth": 10000}"#, to: folder, as: "huge.json")
        let refused = try await run(["validate", huge])
        #expect(refused.status == 2 && refused.stderr.contains("available"))
        #expect(try await run(["run", huge, "--output", output.path]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("validate prints cells, runs, GFLOP and peak memory")
    func validate() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "tiny.json")
        let result = try await run(["validate", config])
        #expect(result.status == 0)
        for words in ["8 cells", "2 seeds", "16 runs", "GFLOP", "peak memory per run"] {
            #expect(result.stdout.contains(words), "\(result.stdout)")
        }
    }

    @Test("validate warns, without running anything, when runs.csv will pass a spreadsheet's 1,048,576 rows")
    func spreadsheetWarning() async throws {
        let folder = try temporaryFolder()
        // 1,024 seeds x depth 1,024 = 1,048,576 data rows: one more than fit beside the header.
        let long = try write(
            #"{"name": "long", "width": 2, "batch": 2, "seeds": 1024, "depth": 1024}"#, to: folder, as: "long.json")
        let result = try await run(["validate", long])
        #expect(result.status == 0, "\(result.stderr)")
        for words in [
            "runs.csv (1,048,576 rows)", "1,048,576", "layers.csv (1,024 rows)", "summary.csv (1 rows)", "will open",
        ] {
            #expect(result.stdout.contains(words), "\(result.stdout)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("long").path))
        // 1,023 x 1,025 = 1,048,575 rows fit: no warning.
        let fits = try write(
            #"{"name": "fits", "width": 2, "batch": 2, "seeds": 1023, "depth": 1025}"#, to: folder, as: "fits.json")
        let quiet = try await run(["validate", fits])
        #expect(quiet.status == 0 && !quiet.stdout.contains("warning"), "\(quiet.stdout)")
    }

    @Test("The row counts validate predicts are the rows the CSV files get")
    func predictedRows() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.trainingConfig, to: folder, as: "learn.json")
        #expect(try await run(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        for (file, rows) in try loadConfig(Self.trainingConfig).csvRowCounts {
            let text = String(
                decoding: try #require(contents(folder.appendingPathComponent("learn"), file)), as: UTF8.self)
            #expect(text.split(separator: "\r\n").count == rows + 1, "\(file)")
        }
    }

    @Test("activations: every activation and its derivative; sigmoid' peaks at 0.25 at x = 0")
    func activations() async throws {
        let result = try await run(["activations", "--from", "-4", "--to", "4", "--points", "9"])
        #expect(result.status == 0)
        let lines = result.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        try #require(lines.count == 10)
        let header = lines[0].split(separator: ",").map(String.init)
        #expect(header.count == 21 && header[0] == "x" && header.contains("sigmoid_derivative"))
        let column = try #require(header.firstIndex(of: "sigmoid_derivative"))
        let values = lines.dropFirst().map { Double($0.split(separator: ",")[column])! }
        #expect(values.max() == 0.25 && values[4] == 0.25)
        #expect(try await run(["activations", "--points", "1"]).status == 2)
    }

    @Test("--help on every command, --version")
    func help() async throws {
        for command in ["run", "validate", "merge", "export", "activations", "measure"] {
            let r = try await run([command, "--help"])
            #expect(r.status == 0 && r.stdout.contains("USAGE"), "\(command)")
        }
        let v = try await run(["--version"])
        #expect(v.status == 0 && v.stdout.contains(gradscopeVersion))
        #expect(try await run(["run"]).status == 2)
        #expect(try await run(["frobnicate"]).status == 2)
    }
}

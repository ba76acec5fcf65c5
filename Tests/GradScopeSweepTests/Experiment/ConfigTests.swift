import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Testing

@Suite("Config loading and validation")
struct ConfigTests {
    /// The single error of loading `text`.
    func error(_ text: String) throws -> ConfigError {
        do {
            _ = try loadConfig(text)
        } catch {
            try #require(error.errors.count >= 1)
            return error.errors[0]
        }
        Issue.record("config loaded but should not: \(text)")
        return ConfigError(file: "", path: "", position: nil, message: "")
    }

    @Test("The contract's example loads; defaults fill the rest; first axis varies slowest")
    func example() throws {
        let e = try loadConfig(
            """
            {"name": "sigmoid-vs-tanh-depth", "description": "d", "width": 256, "batch": 128, "seeds": 5,
             "init": "xavier_normal", "sweep": {"activation": ["sigmoid", "tanh", "relu"], "depth": [2, 4, 8, 16, 32,
                 64]}}
            """)
        #expect(e.cells.count == 18 && e.seeds == [0, 1, 2, 3, 4])
        #expect(e.axes == ["activation", "depth"])
        #expect(e.cells.prefix(6).allSatisfy { $0.cell.activation == .sigmoid })
        #expect(e.cells.prefix(6).map(\.cell.depth) == [2, 4, 8, 16, 32, 64])
        #expect(e.cells[6].cell.activation == .tanh)
        let c = e.cells[0].cell
        #expect(
            c.loss == .mse && c.precision == .float64 && c.architecture == .plain && c.classes == 10 && c.inputStd == 1
                && c.biasStd == 0)
    }

    @Test("Cell ids: c + 10 base-32 digits, stable, distinct, never read as a number or a date")
    func cellIds() throws {
        let text = #"{"name": "a", "sweep": {"depth": [1, 2, 3], "width": [4, 8]}}"#
        let a = try loadConfig(text), b = try loadConfig(text)
        #expect(a.cells.map(\.id) == b.cells.map(\.id))
        #expect(Set(a.cells.map(\.id)).count == 6)
        for id in a.cells.map(\.id.description) { #expect(Self.isCellID(id), "\(id)") }
        // The id depends on the parameters, not on the position in the grid.
        let reordered = try loadConfig(#"{"name": "a", "sweep": {"width": [4, 8], "depth": [1, 2, 3]}}"#)
        #expect(Set(reordered.cells.map(\.id)) == Set(a.cells.map(\.id)))
    }

    /// `c` and ten digits of Crockford's lower-case base-32 alphabet.
    static func isCellID(_ id: String) -> Bool {
        id.count == 11 && id.first == "c"
            && id.dropFirst().allSatisfy { "0123456789abcdefghjkmnpqrstvwxyz".contains($0) }
    }

    @Test("A 100,000-cell grid (the limit) loads, every id distinct and well formed")
    func largestGrid() throws {
        let widths = (1...100).map(String.init).joined(separator: ", "),
            depths = (1...500).map(String.init).joined(separator: ", ")
        let e = try loadConfig(
            #"{"name": "big", "batch": 4, "seeds": 1, "sweep": {"width": [\#(widths)], "depth": [\#(depths)], "#
                + #""activation": ["tanh", "relu"]}}"#
        )
        #expect(e.cells.count == 100_000)
        #expect(Set(e.cells.map(\.id)).count == 100_000)
        #expect(e.cells.allSatisfy { Self.isCellID($0.id.description) })
    }

    @Test("Ids that clash get the first free salted hash: distinct, deterministic, the first holder keeps its id")
    func clashingIds() {
        // 10 bits for 500 cells: clashes are certain (the birthday bound is at about 38).
        let canonicals = (0..<500).map { "depth=\($0)" }
        let ids = CellID.assign(canonicals, bits: 10), again = CellID.assign(canonicals, bits: 10)
        #expect(Set(ids).count == 500 && ids == again)
        let unsalted = canonicals.map { CellID(canonical: $0, bits: 10) }
        #expect(ids.first == unsalted.first)
        #expect(zip(ids, unsalted).contains { $0 != $1 }, "no clash happened: the test tests nothing")
        // A cell keeps its own hash unless an earlier cell holds it.
        for i in ids.indices where ids[i] != unsalted[i] { #expect(ids[..<i].contains(unsalted[i])) }
    }

    @Test("Initialisers by name, as objects, and swept by a dotted key")
    func initializers() throws {
        let e = try loadConfig(
            """
            {"name": "i", "init": {"name": "orthogonal"}, "sweep": {"init.gain": [1, 2]}}
            """)
        #expect(e.cells.map(\.cell.initializer) == [.orthogonal(gain: 1), .orthogonal(gain: 2)])
        #expect(e.cells.map(\.draft.initializer.text) == ["orthogonal(gain=1.0)", "orthogonal(gain=2.0)"])
        let v = try loadConfig(
            #"{"name": "v", "init": {"name": "variance_scaling", "scale": 2, "mode": "fan_avg", "#
                + #""distribution": "uniform"}}"#
        )
        #expect(v.cells[0].cell.initializer == .varianceScaling(scale: 2, mode: .fanAverage, distribution: .uniform))
        let g = try loadConfig(#"{"name": "g", "init": "glorot_standard"}"#)
        #expect(g.cells[0].cell.initializer == .varianceScaling(scale: 1.0 / 3, mode: .fanIn, distribution: .uniform))
    }

    /// Each of the contract's mistakes: (config, JSON path in the message, words the message contains).
    static let mistakes: [(String, String, String)] = [
        (#"{"name": "x", "depth": 2,"#, "", "invalid JSON"),
        (#"{"name": "x", "activaton": "relu"}"#, "activaton", "did you mean `activation`"),
        (#"{"name": "x", "activation": "sigmod"}"#, "activation", "did you mean `sigmoid`"),
        (#"{"name": "x", "depth": 3, "sweep": {"depth": [1, 2]}}"#, "sweep.depth", "top level and also swept"),
        (#"{"name": "x", "sweep": {"depth": []}}"#, "sweep.depth", "non-empty"),
        (#"{"name": "x", "sweep": {"depth": [2, 4, 0]}}"#, "sweep.depth[2]", "1 ... 10000"),
        (#"{"name": "x", "sweep": {"width": [8, 8]}}"#, "sweep.width[1]", "repeats"),
        (#"{"name": "x", "sweep": {"widht": [8]}}"#, "sweep.widht", "did you mean `width`"),
        (#"{"name": "x", "width": 16385}"#, "width", "1 ... 16384"),
        (#"{"name": "x", "batch": 2.5}"#, "batch", "integer"),
        (#"{"name": "x", "depth": "10"}"#, "depth", "got a string"),
        (#"{"name": "x", "bias_std": -1}"#, "bias_std", ">= 0"),
        (#"{"name": "x", "residual_scale": 0}"#, "residual_scale", "> 0"),
        (#"{"name": "x", "input_std": 1e999}"#, "input_std", "finite"),
        (#"{"name": "x", "classes": 1}"#, "classes", "2 ..."),
        (#"{"name": "x", "loss": "cross-entropy"}"#, "loss", "did you mean `cross_entropy`"),
        (#"{"name": "x", "precision": "float16"}"#, "precision", "float64"),
        (#"{"name": "x", "architecture": "resnet"}"#, "architecture", "residual"),
        (#"{"name": "x", "normalization": "layr"}"#, "normalization", "did you mean `layer`"),
        (#"{"name": "x", "normalization": "batch", "batch": 1}"#, "normalization", "batch >= 2"),
        (#"{"name": "x", "batch": 1, "sweep": {"normalization": ["none", "batch"]}}"#, "normalization", "batch >= 2"),
        (#"{"name": "x", "norm_eps": 0}"#, "norm_eps", "> 0"),
        (#"{"name": "x", "norm_eps": -1e-5, "normalization": "layer"}"#, "norm_eps", "> 0"),
        (#"{"name": "x", "normalization": "batch", "jacobian": true}"#, "jacobian", "use \"layer\""),
        (#"{"name": "x", "architecture": "rnn", "normalization": "layer"}"#, "normalization", "plain, residual only"),
        (#"{"name": "x", "architecture": "lstm", "activation": "relu"}"#, "activation", "set \"tanh\""),
        (#"{"name": "x", "architecture": "gru", "forget_bias": 1}"#, "forget_bias", "lstm only"),
        (#"{"name": "x", "architecture": "rnn", "forget_bias": 1}"#, "forget_bias", "lstm only"),
        (#"{"name": "x", "forget_bias": "1"}"#, "forget_bias", "finite number"),
        (#"{"name": "x", "architecture": "residual", "input_size": 4}"#, "input_size", "rnn, lstm, gru"),
        (#"{"name": "x", "layer": "conv", "kernel_size": 4}"#, "kernel_size", "must be odd"),
        (#"{"name": "x", "layer": "conv", "image_size": 4, "kernel_size": 5}"#, "kernel_size", "image_size (4)"),
        (#"{"name": "x", "layer": "conv", "padding": "reflect"}"#, "padding", "valid: circular, zero"),
        (#"{"name": "x", "layer": "conv", "image_size": 0}"#, "image_size", "1 ... 512"),
        (#"{"name": "x", "init": "delta_orthogonal"}"#, "init", "delta_orthogonal is for conv layers"),
        (
            #"{"name": "x", "layer": "conv", "width": 4, "input_size": 8, "init": "delta_orthogonal"}"#, "init",
            "c_in <= c_out"
        ),
        (#"{"name": "x", "layer": "conv", "architecture": "lstm"}"#, "layer", "plain, residual"),
        (#"{"name": "x", "padding": "zero"}"#, "padding", "conv layers only"),
        (
            #"{"name": "x", "layer": "conv", "width": 64, "image_size": 32, "jacobian": true}"#, "jacobian",
            "16384 features"
        ),
        (#"{"name": "x", "layer": "conv", "train": {}}"#, "train.task", "dense inputs"),
        (#"{"name": "x", "input_size": 4, "train": {}}"#, "train.task", "dense inputs"),
        (#"{"name": "x", "input": "fashion_mnst"}"#, "input", "did you mean `fashion_mnist`"),
        (#"{"name": "x", "input": "fashion_mnist", "image_size": 5}"#, "image_size", "1, 2, 4, 7, 14, 28"),
        (#"{"name": "x", "input": "fashion_mnist", "input_size": 4}"#, "input_size", "set by the data"),
        (#"{"name": "x", "input": "fashion_mnist", "architecture": "gru"}"#, "input", "plain and residual"),
        (#"{"name": "x", "input": {"name": "idx", "images": "/nope/a"}}"#, "input.labels", "idx needs"),
        (
            #"{"name": "x", "input": {"name": "idx", "images": "/nope/a", "labels": "/nope/b", "test_images": "/c", "#
                + #""test_labels": "/d"}}"#, "input", "/nope/a: expected a readable file"
        ),
        (#"{"name": "x", "input_init": "he_normal"}"#, "input_init", "rnn, lstm, gru only"),
        (#"{"name": "x", "architecture": "rnn", "input_size": 0}"#, "input_size", "1 ... 16384"),
        (#"{"name": "x", "architecture": "rnn", "input_init": {"name": "normal"}}"#, "input_init.std", "needs"),
        (#"{"name": "x", "architecture": "rnn", "train": {}}"#, "train.task", "valid: adding"),
        (#"{"name": "x", "train": {"task": "adding"}}"#, "train.task", "adding needs rnn, lstm or gru"),
        (#"{"name": "x", "architecture": "lstm", "train": {"task": "adding"}}"#, "input_size", "\"input_size\": 2"),
        (#"{"name": "x", "init": "he_normall"}"#, "init.name", "did you mean `he_normal`"),
        (#"{"name": "x", "expect": 3}"#, "expect", "non-empty array"),
        (#"{"name": "x", "expect": []}"#, "expect", "non-empty array"),
        (#"{"name": "x", "expect": {"file": "summary.csv"}}"#, "expect.column", "non-empty string"),
        (#"{"name": "x", "expect": {"file": "sumary.csv"}}"#, "expect.file", "valid: runs.csv"),
        (
            #"{"name": "x", "expect": [{"file": "summary.csv", "column": "a", "value": 1, "tolerance": 0}]}"#,
            "expect[0].tolerance", "> 0"
        ),
        (#"{"name": "x", "expect": {"sorce": "s"}}"#, "expect.sorce", "valid keys: file"),
        (#"{"name": "x", "expect": {"file": "summary.csv", "where": {"a": [1]}}}"#, "expect.where.a", "number, string"),
        (#"{"name": "x", "sweep": {"expect": [1]}}"#, "sweep.expect", "expect"),
        (#"{"name": "x", "init": {"name": "orthogonal", "gian": 2}}"#, "init.gian", "did you mean `gain`"),
        (#"{"name": "x", "init": {"name": "normal"}}"#, "init.std", "needs"),
        (
            #"{"name": "x", "init": {"name": "orthogonal", "gain": 2}, "sweep": {"init.gain": [1]}}"#,
            "sweep.init.gain", "one place"
        ),
        (#"{"name": "x", "seeds": 0}"#, "seeds", "1 ..."),
        (#"{"name": "x", "seeds": [1, 1]}"#, "seeds[1]", "repeats"),
        (#"{"name": "x", "sweep": {"seeds": [1, 2]}}"#, "sweep.seeds", "cannot be swept"),
        (#"{"name": "Bad"}"#, "name", "[a-z0-9]"),
        (#"{"depth": 3}"#, "name", "missing"),
        (#"[1, 2]"#, "", "must be a JSON object"),
        (#"{"name": "x", "name": "y"}"#, "", "duplicate key"),
        (#"{"name": "x", "jacobian": 1}"#, "jacobian", "true or false"),
        (#"{"name": "x", "sweep": {"jacobian": [true]}}"#, "sweep.jacobian", "cannot be swept"),
        (#"{"name": "x", "train": 5}"#, "train", "must be an object"),
        (#"{"name": "x", "train": {"stpes": 10}}"#, "train.stpes", "did you mean `steps`"),
        (#"{"name": "x", "train": {"steps": 0}}"#, "train.steps", "1 ... 1000000"),
        (#"{"name": "x", "train": {"optimizer": "adamw"}}"#, "train.optimizer", "did you mean `adam`"),
        (#"{"name": "x", "train": {"momentum": 1}}"#, "train.momentum", "[0, 1)"),
        (#"{"name": "x", "train": {"task": "clusters"}}"#, "loss", "set \"loss\": \"cross_entropy\""),
        (#"{"name": "x", "batch": 64, "train": {"train_size": 32}}"#, "train.train_size", "at least batch"),
        (
            #"{"name": "x", "train": {"learning_rate": 0.1}, "sweep": {"train.learning_rate": [0.2]}}"#,
            "sweep.train.learning_rate", "one place"
        ),
        (
            #"{"name": "x", "sweep": {"train.lerning_rate": [0.1]}}"#, "sweep.train.lerning_rate",
            "did you mean `learning_rate`"
        ),
        (#"{"name": "x", "sweep": {"train": [{}]}}"#, "sweep.train", "cannot be swept"),
        (
            #"{"name": "x", "sweep": {"depth": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "width": [1, 2, 3, 4, 5, 6, 7, 8, "#
                + #"9, 10], "batch": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "input_std": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "#
                + #""bias_std": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "classes": [2, 3]}}"#,
            "sweep", "more than"
        ),
        (#"{"name": "x", "parametrization": "mup", "loss": "cross_entropy"}"#, "parametrization", "fixed size"),
        (
            #"{"name": "x", "parametrization": "mup", "input": "fashion_mnist", "image_size": 7}"#, "loss",
            "cross_entropy"
        ),
        (
            #"{"name": "x", "parametrization": "mup", "input": "fashion_mnist", "image_size": 7, "width": 64, "#
                + #""loss": "cross_entropy", "architecture": "residual"}"#, "architecture", "plain"
        ),
        (#"{"name": "x", "parametrization": "mp"}"#, "parametrization", "did you mean `mup`"),
        (#"{"name": "x", "base_width": 0}"#, "base_width", "1 ... 16384"),
        (#"{"name": "x", "readout_init": "zero", "loss": "cross_entropy"}"#, "readout_init", "lecun_normal"),
        (#"{"name": "x", "input": "fashion_mnist", "train": {"task": "teacher"}}"#, "train.task", "images"),
        (#"{"name": "x", "train": {"task": "images"}}"#, "train.task", "fashion_mnist"),
        (
            #"{"name": "x", "input": "fashion_mnist", "loss": "cross_entropy", "train": {"task": "images", "#
                + #""test_size": 20000}}"#, "train.test_size", "1 ... 10000"
        ),
        (#"{"name": "x", "sweep": [{"depth": [2]}, {"depth": [2]}]}"#, "sweep[1]", "again"),
    ]

    @Test("Every mistake: one message with the file, the JSON path and what would be valid", arguments: mistakes)
    func mistake(config: String, path: String, words: String) throws {
        let e = try error(config)
        #expect(e.file == "test.json")
        #expect(e.path == path, "\(e)")
        #expect(e.description.contains(words), "\(e)")
        #expect(e.description.hasPrefix("test.json") && !e.description.contains("\n"))
    }

    @Test("train: an object with defaults, swept by dotted keys, written as train_* columns")
    func training() throws {
        let e = try loadConfig(
            #"{"name": "t", "train": {"steps": 40, "optimizer": "adam"}, "sweep": {"train.learning_rate": [0.01, "#
                + #"0.1]}}"#
        )
        #expect(e.cells.map { $0.draft.training?.learningRate } == [0.01, 0.1])
        let training = try #require(e.cells[0].draft.training)
        #expect(
            training.steps == 40 && training.optimizer == .adam && training.recordEvery == 10
                && training.trainSize == nil && training.trainingExamples(for: e.cells[0].cell) == 4096)
        let columns = e.cells[1].draft.columns
        #expect(
            columns.suffix(7).map(\.key) == [
                "train_steps", "train_learning_rate", "train_optimizer", "train_momentum",
                "train_record_every", "train_task", "train_size",
            ])
        #expect(columns.first { $0.key == "train_learning_rate" }?.value == "0.1")
        let swept = try loadConfig(#"{"name": "u", "sweep": {"train.steps": [5]}}"#)
        #expect(swept.cells[0].draft.training?.steps == 5)
        let plain = try loadConfig(#"{"name": "p"}"#)
        #expect(
            plain.cells[0].draft.training == nil && !plain.cells[0].draft.columns.contains { $0.key.hasPrefix("train") }
        )
    }

    @Test("Invalid JSON reports line and column")
    func syntaxPosition() throws {
        let e = try error("{\n  \"name\": \"x\",\n  \"depth\": 3,,\n}")
        #expect(e.position == SourcePosition(line: 3, column: 14))
        #expect(e.description.hasPrefix("test.json:3:14: invalid JSON"))
    }

    @Test("All mistakes of a config are reported, not just the first")
    func allMistakes() {
        #expect {
            _ = try loadConfig(#"{"name": "x", "depth": 0, "width": 0, "activation": "tanhh"}"#)
        } throws: { error in
            (error as? ConfigErrors)?.errors.map(\.path) == ["depth", "width", "activation"]
        }
    }

    @Test("The shipped experiments load and fit in memory")
    func shippedExperiments() throws {
        let folder = repositoryRoot.appendingPathComponent("experiments")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 5)
        for file in files {
            let e = try ExperimentLoader.load(path: folder.appendingPathComponent(file).path)
            #expect(e.memoryCheck(jobs: 2, available: 4e9) == nil)
        }
    }

    @Test(
        "sweep as a list of grids: their cells one grid after the other, the axes' union; a repeated cell is a mistake")
    func severalGrids() throws {
        let e = try loadConfig(
            """
            {"name": "grids", "depth": 3, "width": 8, "batch": 4,
             "sweep": [{"activation": ["sigmoid", "tanh"], "init": ["xavier_normal"]},
                       {"activation": ["relu"], "init": ["he_normal"], "architecture": ["plain", "residual"]}]}
            """)
        #expect(e.axes == ["activation", "init", "architecture"])
        #expect(e.cells.map(\.cell.activation) == [.sigmoid, .tanh, .relu, .relu])
        #expect(e.cells.map(\.cell.architecture) == [.plain, .plain, .plain, .residual])
        #expect(e.cells.map(\.draft.initializer.name) == ["xavier_normal", "xavier_normal", "he_normal", "he_normal"])
        #expect(Set(e.cells.map(\.id)).count == 4)
        let repeated = try error(
            #"{"name": "g", "sweep": [{"depth": [2, 3]}, {"depth": [3, 4]}]}"#)
        #expect(repeated.path == "sweep[1]" && repeated.message.contains("again"))
        let bad = try error(#"{"name": "g", "sweep": [{"depth": [2]}, {"depht": [3]}]}"#)
        #expect(bad.path == "sweep[1].depht" && bad.message.contains("depth"))
        let empty = try error(#"{"name": "g", "sweep": []}"#)
        #expect(empty.path == "sweep" && empty.message.contains("empty list"))
        let notObject = try error(#"{"name": "g", "sweep": [3]}"#)
        #expect(notObject.path == "sweep[0]")
    }

    @Test("A cell that cannot fit in memory is refused with the estimate and what is available")
    func memory() throws {
        let e = try loadConfig(#"{"name": "huge", "width": 16384, "depth": 10000}"#)
        let refusal = try #require(e.memoryCheck(jobs: 1, available: 24e9))
        #expect(refusal.description.contains("TiB") && refusal.description.contains("GiB available"))
    }
}

import Foundation

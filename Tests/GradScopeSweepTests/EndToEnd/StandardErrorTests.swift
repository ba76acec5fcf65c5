import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Testing

/// The `_se` columns against a naive computation from the per-seed values the other files hold, their
/// honesty against the spread of disjoint seed groups, and the measured depth scale against theory.
@Suite("Error bars: standard errors over seeds, and depth scales only where the data carry them")
struct StandardErrorTests {
    /// The naive standard error: the sample standard deviation (divisor n - 1) over sqrt(n).
    static func naiveStandardError(_ values: [Double]) -> Double {
        var sum = 0.0
        for v in values { sum += v }
        let mean = sum / Double(values.count)
        var squares = 0.0
        for v in values { squares += (v - mean) * (v - mean) }
        return (squares / Double(values.count - 1)).squareRoot() / Double(values.count).squareRoot()
    }

    /// The naive least-squares slope of y against x.
    static func naiveSlope(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        var sx = 0.0, sy = 0.0, sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) { (sx, sy, sxy, sxx) = (sx + a, sy + b, sxy + a * b, sxx + a * a) }
        return (sxy - sx * sy / n) / (sxx - sx * sx / n)
    }

    static func expectClose(_ got: String?, _ expected: Double, _ what: String) {
        guard let text = got, let value = Double(text) else {
            Issue.record("\(what): no value (expected \(expected))")
            return
        }
        #expect(abs(value - expected) <= 1e-12 * max(1, abs(expected)), "\(what): \(value) vs naive \(expected)")
    }

    @Test("Every _se of summary.csv and training_summary.csv equals a naive loop over the per-seed values")
    func naive() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            #"""
            {"name": "se", "depth": 6, "width": 24, "batch": 8, "seeds": 4, "loss": "probe",
             "input_correlation": 0.6,
             "sweep": {"activation": ["tanh", "relu"], "init": ["xavier_normal", "he_normal"]}}
            """#, to: folder, as: "se.json")
        let training = try write(
            #"""
            {"name": "se-train", "depth": 4, "width": 16, "batch": 8, "seeds": 3, "activation": "tanh",
             "train": {"task": "teacher", "steps": 6, "record_every": 3, "learning_rate": 0.05}}
            """#, to: folder, as: "train.json")
        let out = folder.appendingPathComponent("out")
        let result = try await runGradscope(["run", config, training, "--output", out.path, "--quiet"])
        try #require(result.status == 0, "\(result.stderr)")
        let runs = try csvRows(out.appendingPathComponent("se/runs.csv"))
        let summary = try csvRows(out.appendingPathComponent("se/summary.csv"))
        let store = try ResultStore(path: out.appendingPathComponent("se/results.sqlite").path)
        let stored = try store.allRuns()
        try #require(summary.count == 4)
        for (index, row) in summary.enumerated() {
            let cell = row["cell"] ?? ""
            let bySeed = Dictionary(grouping: runs.filter { $0["cell"] == cell }, by: { $0["seed"] ?? "" })
            try #require(bySeed.count == 4)
            for x in ["w", "z", "h"] {
                var ratios = [Double](), gains = [Double]()
                for rows in bySeed.values {
                    let sorted = rows.sorted { Int($0["layer"]!)! < Int($1["layer"]!)! }
                    let y = sorted.map { Double($0["log10_grad_\(x)_norm"]!)! }
                    ratios.append(y[0] - y[y.count - 1])
                    gains.append(Self.naiveSlope(y.indices.map { Double(y.count - 1 - $0) }, y))
                }
                Self.expectClose(
                    row["\(x)_log10_ratio_first_last_se"], Self.naiveStandardError(ratios), "\(cell) \(x) ratio se")
                Self.expectClose(
                    row["\(x)_log10_gain_per_layer_se"], Self.naiveStandardError(gains), "\(cell) \(x) gain se")
            }
            let lasts = bySeed.values.map { rows in Double(rows.first { $0["layer"] == "6" }!["correlation_mean"]!)! }
            Self.expectClose(row["correlation_last_se"], Self.naiveStandardError(lasts), "\(cell) correlation se")
            let variances = stored.filter { $0.cellIndex == index }.compactMap(\.logRatioVariance)
            try #require(variances.count == 4)
            Self.expectClose(
                row["per_example_log_ratio_variance_se"], Self.naiveStandardError(variances), "\(cell) variance se")
        }
        let steps = try csvRows(out.appendingPathComponent("se-train/training.csv")).filter { $0["layer"] == "1" }
        let trained = try csvRows(out.appendingPathComponent("se-train/training_summary.csv"))
        try #require(trained.count == 1 && steps.count == 9)
        let first = steps.filter { $0["step"] == "0" }, last = steps.filter { $0["step"] == "6" }
        let columns: [(String, [[String: String]], String)] = [
            ("initial_test_loss", first, "test_loss"), ("final_train_loss", last, "train_loss"),
            ("final_test_loss", last, "test_loss"), ("final_train_accuracy", last, "train_accuracy"),
            ("final_test_accuracy", last, "test_accuracy"),
        ]
        for (column, rows, source) in columns where rows.allSatisfy({ !($0[source] ?? "").isEmpty }) {
            Self.expectClose(
                trained[0]["\(column)_se"], Self.naiveStandardError(rows.map { Double($0[source]!)! }), column)
        }
        #expect(trained[0]["final_train_loss_se"].map { !$0.isEmpty } == true)
    }

    @Test("With one seed every _se is empty")
    func oneSeed() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            #"{"name": "one", "depth": 4, "width": 16, "batch": 8, "seeds": 1, "input_correlation": 0.5}"#,
            to: folder, as: "one.json")
        let result = try await runGradscope(["run", config, "--output", folder.path, "--quiet"])
        try #require(result.status == 0, "\(result.stderr)")
        let row = try #require(try csvRows(folder.appendingPathComponent("one/summary.csv")).first)
        let errors = row.filter { $0.key.hasSuffix("_se") }
        #expect(errors.count == 9 && errors.allSatisfy { $0.value.isEmpty }, "\(errors)")
        #expect(!(row["z_log10_gain_per_layer"] ?? "").isEmpty)
    }

    @Test("Honest errors: 20 disjoint groups of 8 seeds scatter as their reported standard errors say (35%)")
    func honest() async throws {
        let folder = try temporaryFolder()
        var configs = [String]()
        for group in 0..<20 {
            let seeds = (1...8).map { "\(8 * group + $0)" }.joined(separator: ", ")
            configs.append(
                try write(
                    #"{"name": "g\#(group)", "activation": "tanh", "depth": 12, "width": 32, "batch": 16, "#
                        + #""loss": "probe", "input_correlation": 0.5, "seeds": [\#(seeds)]}"#,
                    to: folder, as: "g\(group).json"))
        }
        let result = try await runGradscope(["run"] + configs + ["--output", folder.path, "--quiet"])
        try #require(result.status == 0, "\(result.stderr)")
        for column in ["z_log10_gain_per_layer", "correlation_last"] {
            var means = [Double](), errors = [Double]()
            for group in 0..<20 {
                let row = try #require(try csvRows(folder.appendingPathComponent("g\(group)/summary.csv")).first)
                means.append(try #require(Double(row[column] ?? "")))
                errors.append(try #require(Double(row[column + "_se"] ?? "")))
            }
            let scatter = Self.naiveStandardError(means) * Double(means.count).squareRoot()
            let typical = (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot()
            #expect(abs(scatter / typical - 1) <= 0.35, "\(column): group means scatter \(scatter), se \(typical)")
        }
    }

    /// The summary rows of `config` run into a temporary folder.
    func summary(_ config: String, name: String) async throws -> [[String: String]] {
        let out = try temporaryFolder()
        let result = try await runGradscope(["run", config, "--output", out.path, "--quiet"])
        try #require(result.status == 0, "\(result.stderr)")
        return try csvRows(out.appendingPathComponent("\(name)/summary.csv"))
    }

    @Test("The measured depth scale is within 1.5x of theory wherever reported, and reported where theory's is short")
    func depthScales() async throws {
        let folder = try temporaryFolder()
        let wide = try write(
            #"""
            {"name": "wide-tanh", "activation": "tanh", "depth": 40, "width": 1000, "seeds": 2, "loss": "probe",
             "input_correlation": 0.5, "init": {"name": "variance_scaling", "mode": "fan_in", "distribution": "normal"},
             "sweep": {"init.scale": [0.8, 2.5, 4.0], "bias_std": [0.3, 0.5]}}
            """#, to: folder, as: "wide.json")
        let shipped = repositoryRoot.appendingPathComponent("experiments/phase-diagram.json").path
        let rows = try await summary(shipped, name: "phase-diagram") + summary(wide, name: "wide-tanh")
        var eligible = 0, reported = 0, compared = 0
        for row in rows {
            guard let theory = Double(row["theory_xi_c"] ?? ""), let depth = Double(row["depth"] ?? "") else {
                continue
            }
            let measured = Double(row["correlation_depth_scale"] ?? "")
            if theory <= depth / 3 {
                eligible += 1
                if measured != nil { reported += 1 }
            }
            guard let measured else {
                #expect((row["correlation_depth_scale_se"] ?? "").isEmpty)
                continue
            }
            compared += 1
            #expect(
                measured <= 1.5 * theory && measured >= theory / 1.5,
                "init \(row["init"] ?? ""), bias_std \(row["bias_std"] ?? ""): measured \(measured), theory \(theory)")
        }
        #expect(compared >= 40 && Double(reported) >= 0.7 * Double(eligible), "\(reported) of \(eligible) reported")
    }
}

import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Testing

/// `gradscope check` and the shipped reproductions of experiments/papers/.
@Suite("Reproductions: expect blocks and gradscope check")
struct CheckTests {
    static var papers: [URL] {
        let folder = repositoryRoot.appendingPathComponent("experiments/papers")
        return ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path }
    }

    @Test("Every shipped paper config runs and reproduces each of its published values (check exits 0)")
    func shippedPapers() async throws {
        let configs = Self.papers
        #expect(configs.count >= 6)
        let expected = try configs.map { try ExperimentLoader.load(path: $0.path).expectations.count }
        #expect(expected.allSatisfy { $0 > 0 }, "every paper config has an expect block")
        let folder = try temporaryFolder()
        let run = try await runGradscope(["run"] + configs.map(\.path) + ["--output", folder.path, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let check = try await runGradscope(["check", folder.path])
        let total = expected.reduce(0, +)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("\(total) of \(total) values reproduced"), "\(check.stdout)")
    }

    @Test("Hanin 2018's published values are the exact finite-width law (L - 1) v(n) of each checked cell")
    func haninValuesFromTheory() throws {
        let path = repositoryRoot.appendingPathComponent("experiments/papers/hanin-2018.json").path
        let expectations = try ExperimentLoader.load(path: path).expectations
        #expect(expectations.count == 3)
        for expectation in expectations {
            func number(_ column: String) -> Int? {
                guard case .number(let v, _) = expectation.filter.first(where: { $0.column == column })?.value
                else { return nil }
                return Int(exactly: v)
            }
            let depth = try #require(number("depth")), width = try #require(number("width"))
            let predicted = ReluFluctuation.logRatioVariance(depth: depth, width: width)
            #expect(abs(expectation.value - predicted) < 0.005, "\(depth) x \(width): \(predicted)")
            #expect(expectation.tolerance < predicted / 3, "a tolerance that still tells the widths apart")
        }
    }

    @Test("Xiao 2018's published spreads are L (mu2/mu1^2 - 1 - s1) at the config's fixed point, which is critical")
    func xiaoValuesFromTheory() throws {
        let path = repositoryRoot.appendingPathComponent("experiments/papers/xiao-2018.json").path
        let experiment = try ExperimentLoader.load(path: path)
        let cell = try #require(experiment.cells.first).cell
        let field = MeanField(cell), point = field.fixedPoint
        #expect(abs(point.chi - 1) < 1e-4, "chi_1 = \(point.chi)")
        // the inputs sit at q*: sigma_w^2 input_std^2 + sigma_b^2 = q*
        let first = field.weightVariance * cell.inputStd * cell.inputStd + field.biasVariance
        #expect(abs(first - point.q) < 1e-4 * point.q, "q_1 \(first), q* \(point.q)")
        let q = point.q
        let mu1 = GaussianExpectation.of({ x in pow(1 - tanh(x) * tanh(x), 2) }, variance: q)
        let mu2 = GaussianExpectation.of({ x in pow(1 - tanh(x) * tanh(x), 4) }, variance: q)
        for expectation in experiment.expectations where expectation.column == "sigma2_normalized_variance" {
            let where_ = Dictionary(uniqueKeysWithValues: expectation.filter.map { ($0.column, $0.value) })
            guard case .number(let depth, _) = where_["depth"], case .text(let init_) = where_["init"]
            else {
                Issue.record("the expectation names depth and init")
                continue
            }
            let s1 = init_.hasPrefix("delta_orthogonal") ? 0.0 : -1.0
            let predicted = depth * (mu2 / (mu1 * mu1) - 1 - s1)
            #expect(abs(expectation.value - predicted) < 0.002 * predicted, "\(init_) L = \(depth): \(predicted)")
        }
    }

    @Test("A published value edited to be wrong, or a column that does not exist, makes check exit 1 and name it")
    func wrongValue() async throws {
        let folder = try temporaryFolder()
        let text = """
            {"name": "edited", "activation": "tanh", "init": "glorot_standard", "depth": 8, "width": 128,
             "batch": 32, "loss": "probe", "seeds": 2,
             "expect": [
               {"file": "summary.csv", "column": "z_log10_gain_per_layer", "value": -0.2386, "tolerance": 0.03,
                "source": "right"},
               {"file": "summary.csv", "column": "z_log10_gain_per_layer", "value": -0.5, "tolerance": 0.03,
                "source": "edited to be wrong"},
               {"file": "summary.csv", "where": {"init": "he_normal"}, "column": "z_log10_gain_per_layer",
                "value": 0, "tolerance": 1, "source": "no such row"},
               {"file": "summary.csv", "column": "no_such_column", "value": 0, "tolerance": 1, "source": "no column"}
             ]}
            """
        let config = try write(text, to: folder, as: "edited.json")
        #expect(try await runGradscope(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        let check = try await runGradscope(["check", folder.appendingPathComponent("edited").path])
        #expect(check.status == 1)
        let lines = check.stdout.split(separator: "\n").map(String.init)
        func line(_ source: String) -> String { lines.first { $0.contains(source) } ?? "" }
        #expect(line("right").hasSuffix("ok"), "\(check.stdout)")
        #expect(line("edited to be wrong").contains("-0.5") && line("edited to be wrong").hasSuffix("MISS"))
        #expect(line("no such row").contains("no row matches init=he_normal"))
        #expect(line("no column").contains("no column no_such_column in summary.csv"))
        #expect(check.stdout.contains("1 of 4 values reproduced"))
        #expect(check.stderr.contains("3 of 4 values missed"))
        let usage = try await runGradscope(["check", folder.appendingPathComponent("nothing").path])
        #expect(usage.status == 2 && usage.stderr.contains("holds no results"))
    }
}

@Suite("gradscope check with uncertainty")
struct CheckUncertaintyTests {
    @Test("check prints measured ± se from the _se column and warns when a tolerance is tighter than 2 se")
    func standardErrors() async throws {
        let folder = try temporaryFolder()
        let text = """
            {"name": "noisy", "activation": "tanh", "depth": 8, "width": 16, "batch": 8, "loss": "probe", "seeds": 4,
             "expect": [
               {"file": "summary.csv", "column": "z_log10_gain_per_layer", "value": 0, "tolerance": 1,
                "source": "wide"},
               {"file": "summary.csv", "column": "z_log10_gain_per_layer", "value": 0, "tolerance": 1e-9,
                "source": "tight"}]}
            """
        let config = try write(text, to: folder, as: "noisy.json")
        let out = folder.appendingPathComponent("out")
        #expect(try await runGradscope(["run", config, "--output", out.path, "--quiet"]).status == 0)
        let row = try #require(try csvRows(out.appendingPathComponent("noisy/summary.csv")).first)
        let se = try #require(Double(row["z_log10_gain_per_layer_se"] ?? ""))
        let check = try await runGradscope(["check", out.path])
        let lines = check.stdout.split(separator: "\n")
        let wide = try #require(lines.first { $0.contains("wide") }),
            tight = try #require(lines.first { $0.contains("tight") })
        #expect(wide.contains(String(format: "± %.2g", se)) && !wide.contains("2 se"), "\(wide)")
        #expect(tight.contains("MISS") && tight.contains("tolerance < 2 se: may miss by noise"), "\(tight)")
        #expect(check.stdout.contains("measured ± se"))
    }
}

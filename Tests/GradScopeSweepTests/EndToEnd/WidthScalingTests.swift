import Foundation
import GradScopeTestSupport
import Testing

/// The coordinate check end to end: coordinates.csv, and width_scaling.csv's slopes against a naive least-squares
/// fit of the same numbers, and the verdicts that tell muP from the standard parametrisation.
@Suite("Width scaling end to end")
struct WidthScalingTests {
    static let config = """
        {"name": "widths", "input": "fashion_mnist", "image_size": 7, "activation": "relu", "init": "he_normal",
         "depth": 3, "batch": 16, "seeds": 2, "loss": "cross_entropy", "base_width": 64,
         "train": {"steps": 3, "record_every": 1, "task": "images", "train_size": 64, "test_size": 64},
         "sweep": [
           {"parametrization": ["standard", "mup"], "train.optimizer": ["sgd"], "train.learning_rate": [0.1],
            "width": [64, 128, 256, 512]},
           {"parametrization": ["standard", "mup"], "train.optimizer": ["adam"], "train.learning_rate": [0.01],
            "width": [64, 128, 256, 512]}]}
        """

    /// A CSV file without quoted fields as rows of column -> value.
    static func rows(_ folder: URL, _ name: String) throws -> [[String: String]] {
        let text = String(decoding: try #require(contents(folder, name)), as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    /// sum (x - mean x)(y - mean y) / sum (x - mean x)^2.
    static func naiveSlope(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var top = 0.0, bottom = 0.0
        for i in x.indices {
            top += (x[i] - mx) * (y[i] - my)
            bottom += (x[i] - mx) * (x[i] - mx)
        }
        return top / bottom
    }

    @Test(
        "width_scaling.csv: slopes of log2 coordinates on log2 width as a naive fit gives them; muP flat, SP Adam not"
    )
    func slopesAndVerdicts() async throws {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "widths.json")
        let ran = try await runGradscope(["run", config, "--output", folder.path, "--quiet"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let out = folder.appendingPathComponent("widths")
        let coordinates = try Self.rows(out, "coordinates.csv")
        let scaling = try Self.rows(out, "width_scaling.csv")
        #expect(coordinates.count == 16 * 2 * 4 * 4)  // cells x seeds x steps 0...3 x layers 1...4 (logits)
        #expect(scaling.count == 4 * 4 * 4)  // groups x steps x layers
        for row in scaling {
            let mine = coordinates.filter {
                $0["parametrization"] == row["parametrization"] && $0["train_optimizer"] == row["train_optimizer"]
                    && $0["step"] == row["step"] && $0["layer"] == row["layer"]
            }
            let widths = [64.0, 128, 256, 512]
            for (column, slopeColumn) in [("act_l1", "act_slope"), ("delta_l1", "delta_slope")] {
                let means = widths.map { w in
                    let values = mine.filter { Double($0["width"] ?? "") == w }.compactMap { Double($0[column] ?? "") }
                    return values.reduce(0, +) / Double(values.count)
                }
                guard means.allSatisfy({ $0 > 0 }) else {
                    #expect(row[slopeColumn] == "", "no slope where a coordinate is 0 (\(column), step 0)")
                    continue
                }
                let slope = Self.naiveSlope(widths.map(log2), means.map(log2))
                let measured = try #require(Double(row[slopeColumn] ?? ""))
                #expect(abs(measured - slope) < 1e-12, "\(row)")
                let perSeed = ["0", "1"].map { seed in
                    Self.naiveSlope(
                        widths.map(log2),
                        widths.map { w in
                            log2(
                                mine.first { Double($0["width"] ?? "") == w && $0["seed"] == seed }.flatMap {
                                    Double($0[column] ?? "")
                                } ?? 0)
                        })
                }
                let se = abs(perSeed[0] - perSeed[1]) / 2  // sample std of two values / sqrt(2)
                #expect(abs((Double(row[slopeColumn + "_se"] ?? "") ?? -1) - se) < 1e-12)
                let verdict = abs(slope) < 0.2 ? "flat" : slope > 0 ? "grows" : "shrinks"
                #expect(row[column == "act_l1" ? "verdict" : "delta_verdict"] == verdict)
            }
        }
        // muP: the hidden layers' act_slope is flat at steps 1 to 3, for SGD and Adam
        let hidden = scaling.filter { ["2", "3"].contains($0["layer"]) && $0["step"] != "0" }
        for optimizer in ["sgd", "adam"] {
            let mup = hidden.filter { $0["parametrization"] == "mup" && $0["train_optimizer"] == optimizer }
            #expect(mup.count == 6 && mup.allSatisfy { $0["verdict"] == "flat" }, "mup \(optimizer): \(mup)")
        }
        // the standard parametrisation with Adam: the hidden layers' activations grow with width
        let standard = hidden.filter { $0["parametrization"] == "standard" && $0["train_optimizer"] == "adam" }
        #expect(standard.contains { $0["verdict"] == "grows" }, "\(standard.map { $0["act_slope"] ?? "" })")
        // the report draws one coordinate-check figure per group, its verdicts in the panels' titles
        #expect(try await runGradscope(["report", out.path]).status == 0)
        for k in 1...4 {
            let svg = String(decoding: try #require(contents(out, "coordinates-\(k).svg")), as: UTF8.self)
            #expect(svg.contains("Coordinate check") && svg.contains("step 3:"))
        }
    }

    @Test(
        "learning_rates.csv: per group of cells differing only in the rate, the one of lowest final training loss"
    )
    func bestLearningRate() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            """
            {"name": "rates", "input": "fashion_mnist", "image_size": 7, "activation": "relu", "init": "he_normal",
             "depth": 2, "batch": 16, "seeds": 2, "loss": "cross_entropy",
             "train": {"steps": 5, "record_every": 5, "task": "images", "train_size": 64, "test_size": 32},
             "sweep": {"width": [16, 32], "train.learning_rate": [0.001, 0.03, 0.3, 30]}}
            """, to: folder, as: "rates.json")
        let ran = try await runGradscope(["run", config, "--output", folder.path, "--quiet"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let out = folder.appendingPathComponent("rates")
        let summary = try Self.rows(out, "training_summary.csv")
        let best = try Self.rows(out, "learning_rates.csv")
        #expect(best.count == 2)
        for row in best {
            let candidates = summary.filter { $0["width"] == row["width"] }.compactMap { cell -> (Double, Double)? in
                guard let rate = Double(cell["train_learning_rate"] ?? ""),
                    let loss = Double(cell["final_train_loss"] ?? "")
                else { return nil }
                return (rate, loss)
            }
            let expected = try #require(candidates.min { $0.1 < $1.1 })
            #expect(Double(row["best_learning_rate"] ?? "") == expected.0, "\(row)")
            #expect(Double(row["log2_best_learning_rate"] ?? "") == log2(expected.0))
            #expect(Double(row["best_final_train_loss"] ?? "") == expected.1)
            #expect(row["learning_rates"] == "4")
        }
    }
}

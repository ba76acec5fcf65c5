import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import RealModule
import Testing

/// The committed numbers every machine must reproduce: `Reference/reference.json` (three activations,
/// both precisions, plain and residual, He-normal and orthogonal weights, widths 40 and 300, 6 layers)
/// run here and compared with `Reference/reference-runs.csv`, written on an AMD Zen 5 whose OpenBLAS
/// chose its Cooperlake kernels. Across the kernels measured (Cooperlake, SkylakeX, Haswell, Zen,
/// Sandybridge, Nehalem, Prescott: docs/numerics.md) the norms differ by at most 3e-15 (float64) and
/// 5e-7 (float32) relative; the tolerances leave a wide margin and still catch any change of the
/// arithmetic (a changed formula moves the numbers by far more than 1e-9).
/// To regenerate after an intended change of the numbers (a new numerics revision):
/// `gradscope run Tests/GradScopeSweepTests/Reference/reference.json --output /tmp/r && cp /tmp/r/reference/runs.csv
/// Tests/GradScopeSweepTests/Reference/reference-runs.csv`.
@Suite("Reference values: the same numbers on every machine")
struct ReferenceValuesTests {
    static let folder = repositoryRoot.appendingPathComponent("Tests/GradScopeSweepTests/Reference")

    /// Relative tolerance of every number, by precision.
    static func tolerance(_ precision: String) -> Double { precision == "float32" ? 1e-5 : 1e-9 }

    @Test("Every number of the reference sweep matches the committed one to 1e-9 (float64) and 1e-5 (float32)")
    func matchesCommitted() async throws {
        let out = try temporaryFolder()
        let result = try await runGradscope([
            "run", Self.folder.appendingPathComponent("reference.json").path, "--output", out.path, "--quiet",
        ])
        try #require(result.status == 0, "\(result.stderr)")
        try Self.compare(out.appendingPathComponent("reference/runs.csv"))
    }

    /// Compares a run of the reference sweep (its runs.csv) with the committed values, number by number.
    static func compare(_ runs: URL) throws {
        let measured = try csvRows(runs)
        let committed = try csvRows(folder.appendingPathComponent("reference-runs.csv"))
        try #require(measured.count == committed.count && committed.count == 432)
        var worst = [String: Double]()
        for (m, c) in zip(measured, committed) {
            let tolerance = tolerance(c["precision"] ?? "")
            for (column, expected) in c.sorted(by: { $0.key < $1.key }) {
                let got = m[column] ?? "<missing>"
                guard let difference = difference(column, got, expected, row: c) else {
                    #expect(
                        got == expected,
                        "cell \(c["cell"] ?? "") layer \(c["layer"] ?? ""): \(column) is \(got), committed \(expected)")
                    continue
                }
                worst[column] = max(worst[column] ?? 0, difference)
                #expect(
                    difference <= tolerance,
                    "cell \(c["cell"] ?? "") layer \(c["layer"] ?? ""): \(column) \(got) vs committed \(expected)")
            }
        }
        #expect(worst.count >= 20, "too few numeric columns compared: \(worst.keys.sorted())")
    }

    /// The relative difference of a numeric column (log10 columns: of the norm they stand for; activation
    /// statistics: relative to the layer's act_std; correlation_std: its square, relative to mean(c^2) =
    /// mean^2 + std^2, since std^2 = mean(c^2) - mean(c)^2 keeps only the rounding of those two when c
    /// barely spreads (a std of 1e-7 moves by 1% when the weights move by an ulp); correlation_mean:
    /// relative to the root mean square sqrt(mean^2 + std^2) of the c it averages, since a mean near 0 of
    /// c of either sign keeps only their rounding (a float32 mean of -1.4e-4 over c of spread 0.2 moved by
    /// 1.7e-5 of itself, 1.2e-8 of the spread, between the committed run and one on an AMD Zen 4);
    /// saturated_fraction: up to one unit of one example in either direction); nil for text columns, which
    /// must match exactly.
    static func difference(_ column: String, _ got: String, _ expected: String, row: [String: String]) -> Double? {
        guard let e = Double(expected), let g = Double(got), !expected.isEmpty else { return nil }
        if column.hasPrefix("log10_") { return abs(g - e) * Double.log(10) }
        if column == "act_mean" || column == "act_std" {
            return abs(g - e) / max(Double(row["act_std"] ?? "") ?? 1, 1e-300)
        }
        if column == "correlation_std" {
            let mean = Double(row["correlation_mean"] ?? "") ?? 1
            return abs(g * g - e * e) / max(mean * mean + e * e, 1e-300)
        }
        if column == "correlation_mean" {
            let std = Double(row["correlation_std"] ?? "") ?? 1
            return abs(g - e) / max((e * e + std * std).squareRoot(), 1e-300)
        }
        if column == "saturated_fraction" {
            let entries = (Double(row["batch"] ?? "") ?? 1) * (Double(row["width"] ?? "") ?? 1)
            return abs(g - e) * entries > 1.5 ? .infinity : 0
        }
        if ["cell", "seed", "layer", "depth", "width", "batch", "classes"].contains(column) { return nil }
        return e == 0 ? abs(g) : abs(g - e) / abs(e)
    }
}

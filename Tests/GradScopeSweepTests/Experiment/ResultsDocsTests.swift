import Foundation
import GradScopeTestSupport
import Testing

/// docs/results.md names every column the CSV files have: a sweep that writes every table (training and
/// the Jacobian's spectrum included), each header column looked up among the doc's `code` words.
@Suite("docs/results.md documents every CSV column")
struct ResultsDocsTests {
    /// The words in backticks of docs/results.md.
    static func documented() throws -> Set<String> {
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("docs/results.md"), encoding: .utf8)
        let parts = text.components(separatedBy: "`")
        return Set(stride(from: 1, to: parts.count, by: 2).map { parts[$0] })
    }

    /// Whether `column` is documented by name, or by the doc's patterns: `x` for the norm's letter
    /// (`log10_grad_x_norm_mean`, `x_log10_gain_per_layer`), a suffix listed after a full name
    /// (`..._q10`, `_q50`; `..._mean`, `_std`), and `<column>_se` beside a documented column.
    static func isDocumented(_ column: String, _ words: Set<String>) -> Bool {
        if words.contains(column) { return true }
        if column.hasSuffix("_se"), words.contains("<column>_se") {
            return isDocumented(String(column.dropLast(3)), words)
        }
        for letter in ["w", "b", "z", "h", "c"] {
            for (from, to) in [("grad_\(letter)_", "grad_x_"), ("\(letter)_log10_", "x_log10_")]
            where column.contains(from) {
                if words.contains(column.replacingOccurrences(of: from, with: to)) { return true }
            }
        }
        let suffixes = [
            ("_q50", "_q10"), ("_q90", "_q10"), ("_q50_mean", "_q10_mean"), ("_q90_mean", "_q10_mean"),
            ("_std", "_mean"), ("_min", "_mean"), ("_max", "_mean"),
        ]
        for (suffix, first) in suffixes where column.hasSuffix(suffix) && words.contains(suffix) {
            if isDocumented(String(column.dropLast(suffix.count)) + first, words) { return true }
        }
        return false
    }

    @Test("Every header column of every table has its row (or its pattern) in docs/results.md")
    func everyColumn() async throws {
        let folder = try temporaryFolder()
        let configs = [
            #"{"name": "measure", "depth": 3, "width": 8, "batch": 4, "seeds": 2, "jacobian": true}"#,
            #"{"name": "train", "depth": 3, "width": 8, "batch": 4, "seeds": 2, "train": {"steps": 2}}"#,
        ]
        let paths = try configs.enumerated().map { try write($1, to: folder, as: "c\($0).json") }
        let result = try await runGradscope(["run"] + paths + ["--output", folder.path, "--quiet"])
        try #require(result.status == 0, "\(result.stderr)")
        let words = try Self.documented()
        var seen = Set<String>()
        for experiment in ["measure", "train"] {
            let files = try FileManager.default.contentsOfDirectory(
                atPath: folder.appendingPathComponent(experiment).path
            ).filter { $0.hasSuffix(".csv") }
            for file in files {
                let text = try String(
                    contentsOf: folder.appendingPathComponent(experiment).appendingPathComponent(file), encoding: .utf8)
                let firstLine = text.components(separatedBy: "\r\n").first ?? ""
                let header = firstLine.split(separator: ",").map(String.init)
                seen.insert(file)
                let missing = header.filter { !Self.isDocumented($0, words) }
                #expect(missing.isEmpty, "\(file): \(missing) have no row in docs/results.md")
            }
        }
        #expect(
            seen.isSuperset(of: [
                "runs.csv", "layers.csv", "summary.csv", "training.csv", "training_summary.csv", "spectra.csv",
                "spectra_histogram.csv",
            ]), "\(seen)")
        let undocumented = Self.isDocumented("no_such_column", words)
        #expect(!undocumented)
    }
}

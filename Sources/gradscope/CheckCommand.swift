import ArgumentParser
import Foundation
import GradScopeResults
import GradScopeReport
import GradScopeSweep

/// `gradscope check`: published values against the measured ones, from the configs' `expect` blocks.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compare results folders with their configs' expect blocks: published against measured.",
        discussion:
            "DIR is a results folder (it holds manifest.json), or a folder of them such as results/papers/. Prints "
            + "one row per expectation, the measured value with its standard error over seeds where the file has "
            + "one, and warns where a tolerance is tighter than two standard errors; exits 1 when a value misses "
            + "its tolerance or cannot be measured."
    )

    @Argument(help: "Results folders, or folders holding results folders.", completion: .directory)
    var folders: [String]

    func run() throws {
        var rows = [[String]](), failed = 0
        for path in folders {
            let targets = try ResultsFolders.resolve(path)
            for target in targets {
                let outcomes: [ResultsCheck.Outcome]
                do { outcomes = try ResultsCheck.outcomes(folder: target) } catch {
                    throw RunFailure.usage("\(error)")
                }
                for outcome in outcomes {
                    let e = outcome.expectation
                    if !outcome.passed { failed += 1 }
                    rows.append([
                        target.lastPathComponent, e.source, e.file, e.filterText, e.column, "\(e.value)",
                        Self.measured(outcome), "\(e.tolerance)", Self.result(outcome),
                    ])
                }
            }
        }
        let header = [
            "experiment", "source", "file", "where", "column", "published", "measured ± se", "tolerance", "result",
        ]
        print(Self.table([header] + rows))
        print("\(rows.count - failed) of \(rows.count) values reproduced")
        if failed > 0 { throw RunFailure.failed("\(failed) of \(rows.count) values missed their tolerance") }
    }

    /// "0.0821 ± 0.0012", or the value alone where the file has no standard error, or "-".
    static func measured(_ outcome: ResultsCheck.Outcome) -> String {
        guard let value = outcome.measured else { return "-" }
        return String(format: "%.6g", value) + (outcome.standardError.map { String(format: " ± %.2g", $0) } ?? "")
    }

    /// "ok" or "MISS (why)", with a warning when the tolerance is tighter than two standard errors.
    static func result(_ outcome: ResultsCheck.Outcome) -> String {
        let verdict = outcome.passed ? "ok" : "MISS" + (outcome.problem.map { " (\($0))" } ?? "")
        return verdict
            + (outcome.toleranceWithinNoise
                ? " (tolerance < 2 se: \(outcome.passed ? "may pass by luck" : "may miss by noise"))" : "")
    }

    /// Columns padded to their widest entry, separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}

/// The results folders a path names: itself when it holds manifest.json, else its subfolders that do.
enum ResultsFolders {
    static func resolve(_ path: String) throws -> [URL] {
        let url = URL(fileURLWithPath: path)
        let manager = FileManager.default
        let targets =
            manager.fileExists(atPath: url.appendingPathComponent(Manifest.fileName).path)
            ? [url]
            : ((try? manager.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? [])
                .filter { manager.fileExists(atPath: $0.appendingPathComponent(Manifest.fileName).path) }
                .sorted { $0.path < $1.path }
        guard !targets.isEmpty else {
            throw RunFailure.usage("\(path) holds no results (no manifest.json in it or its subfolders)")
        }
        return targets
    }
}

import ArgumentParser
import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// `gradscope report`: draw results folders as report.html and one SVG per figure.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draw a results folder as report.html (inline SVG, opens offline) and one SVG file per figure.",
        discussion:
            "DIR is a results folder (it holds manifest.json), or a folder of them such as results/, whose every "
            + "experiment is drawn."
    )

    @Argument(help: "Results folders, or folders holding results folders.", completion: .directory)
    var folders: [String]

    func run() throws {
        for path in folders {
            let url = URL(fileURLWithPath: path)
            let targets =
                FileManager.default.fileExists(atPath: url.appendingPathComponent("manifest.json").path)
                ? [url]
                : ((try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? [])
                    .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("manifest.json").path) }
                    .sorted { $0.path < $1.path }
            guard !targets.isEmpty else {
                throw RunFailure.usage("\(path) holds no results (no manifest.json in it or its subfolders)")
            }
            for target in targets {
                let count = try Report(folder: target).write()
                FileHandle.standardError.write(
                    Data("report: \(target.appendingPathComponent("report.html").path) (\(count) figures)\n".utf8))
            }
        }
    }
}

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
            let targets = try ResultsFolders.resolve(path)
            for target in targets {
                let count = try Report(folder: target).write()
                FileHandle.standardError.write(
                    Data("report: \(target.appendingPathComponent("report.html").path) (\(count) figures)\n".utf8))
            }
        }
    }
}

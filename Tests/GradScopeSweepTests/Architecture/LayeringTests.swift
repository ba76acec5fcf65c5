import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Testing

/// The layers hold by construction (docs/architecture.md): each library target imports only what lies
/// below it, and only the CLI talks to the terminal or names a command-line flag.
@Suite("Architecture: the layers hold")
struct LayeringTests {
    static let sources = repositoryRoot.appendingPathComponent("Sources")

    /// The Swift files below `folder`, as paths relative to it, sorted.
    static func swiftFiles(in folder: URL) -> [String] {
        let all = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        return all.filter { $0.hasSuffix(".swift") }.sorted()
    }

    /// The code lines (comments dropped) of every Swift file of `target`, by file name.
    static func code(_ target: String) throws -> [(file: String, lines: [String])] {
        let folder = sources.appendingPathComponent(target)
        return try swiftFiles(in: folder).map { file in
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            return (file, lines.filter { !$0.hasPrefix("//") })
        }
    }

    static let libraries = ["GradScopeCore", "GradScopeResults", "GradScopeSweep", "GradScopeReport"]

    @Test(
        "Imports point down only",
        arguments: [
            (
                "GradScopeCore",
                ["GRDB", "Plot", "SwiftCSV", "GradScopeResults", "GradScopeSweep", "GradScopeReport", "ArgumentParser"]
            ),
            ("GradScopeResults", ["Plot", "SwiftCSV", "GradScopeSweep", "GradScopeReport", "ArgumentParser"]),
            ("GradScopeSweep", ["Plot", "SwiftCSV", "GradScopeReport", "ArgumentParser"]),
            ("GradScopeReport", ["GRDB", "GradScopeSweep", "ArgumentParser"]),
        ])
    func imports(target: String, forbidden: [String]) throws {
        let files = try Self.code(target)
        #expect(!files.isEmpty, "no sources found for \(target)")
        for (file, lines) in files {
            for line in lines where line.hasPrefix("import ") || line.contains(" import ") {
                let module = line.split(separator: " ").last.map(String.init) ?? ""
                #expect(!forbidden.contains(module), "\(target)/\(file) imports \(module)")
            }
        }
    }

    @Test(
        "No library target writes to the terminal, handles signals or names a flag or make target",
        arguments: libraries)
    func noProcessConcerns(target: String) throws {
        let banned = [
            "FileHandle.standardError", "STDERR_FILENO", "sigaction", "signal(SIG", "print(", "exit(",
            "--resume", "--force", "--jobs", "--shard", "--output", "--quiet", "make sweep", "make test",
            "--blas-core", "execv(", "setenv(", "ProcessInfo.processInfo.environment",
        ]
        for (file, lines) in try Self.code(target) {
            // The Slurm job writer's product is a shell script whose command lines are gradscope's.
            let allowed =
                file == "SlurmJob.swift" ? ["--resume", "--force", "--jobs", "--shard", "--output", "--quiet"] : []
            for line in lines {
                for word in banned where line.contains(word) && !allowed.contains(word) {
                    #expect(Bool(false), "\(target)/\(file): \(word) in: \(line)")
                }
            }
        }
    }

    @Test("No line of Swift over 120 columns (the width of .swift-format; make format keeps code within it)")
    func lineLength() throws {
        let root = repositoryRoot
        for top in ["Sources", "Tests"] {
            let folder = root.appendingPathComponent(top), files = Self.swiftFiles(in: folder)
            #expect(!files.isEmpty)
            for file in files {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.count > 120 {
                    #expect(Bool(false), "\(top)/\(file):\(number + 1) has \(line.count) columns")
                }
            }
        }
    }
}

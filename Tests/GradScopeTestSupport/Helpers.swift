import Foundation
import SwiftCSV
import GradScopeCore
import GradScopeSweep

/// A tiny cell for gradient checks.
package func tinyCell(
    _ activation: Activation, _ loss: Loss, _ architecture: Architecture,
    width: Int = 3, batch: Int = 4, depth: Int = 3
) -> Cell {
    var cell = Cell()
    cell.activation = activation
    cell.loss = loss
    cell.architecture = architecture
    cell.width = width
    cell.batch = batch
    cell.depth = depth
    cell.classes = 3
    cell.biasStd = 0.5
    cell.residualScale = 0.7
    return cell
}

/// |a - b| / max(|b|, tiny): relative difference.
package func relativeDifference(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(b), 1e-300)
}

/// ||a - b|| / ||b|| over vectors.
package func relativeError(_ a: [Double], _ b: [Double]) -> Double {
    let diff = zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    let size = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return diff / max(size, 1e-300)
}

/// The built `gradscope` binary, next to the test bundle.
package func gradscopeBinary() -> URL {
    let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    return executable.deletingLastPathComponent().appendingPathComponent("gradscope")
}

/// Runs the gradscope binary; returns its exit code, stdout and stderr (both read concurrently).
package func runGradscope(_ arguments: [String], in directory: URL? = nil) async throws -> (
    status: Int32, stdout: String, stderr: String
) {
    let outcome = try await ChildProcess.run(gradscopeBinary().path, arguments, in: directory?.path)
    return (outcome.status, outcome.standardOutput, outcome.standardError)
}

/// The folder of this test process's temporary folders: made on first use, removed with everything in it
/// when the process exits (and by a later test process if this one could not), so that `make test` leaves
/// nothing behind in /tmp.
private let temporaryRoot: URL = {
    removeAbandonedRoots()
    let url = URL(fileURLWithPath: temporaryRootPath())
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: temporaryRootPath()) }
    return url
}()

/// The folders of earlier test processes that are gone (a process killed, or one whose exit skipped atexit).
private func removeAbandonedRoots() {
    let manager = FileManager.default, prefix = "gradscope-tests-"
    for name in (try? manager.contentsOfDirectory(atPath: manager.temporaryDirectory.path)) ?? []
    where name.hasPrefix(prefix) {
        guard let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
        try? manager.removeItem(at: manager.temporaryDirectory.appendingPathComponent(name))
    }
}

private func temporaryRootPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("gradscope-tests-\(getpid())").path
}

/// A fresh temporary folder for one test (removed when the test process exits).
package func temporaryFolder(_ name: String = #function) throws -> URL {
    let safe = name.filter { $0.isLetter || $0.isNumber }
    let url = temporaryRoot.appendingPathComponent("\(safe)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `folder/name` and returns its path.
@discardableResult
package func write(_ text: String, to folder: URL, as name: String) throws -> String {
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// The file's bytes, or nil.
package func contents(_ folder: URL, _ path: String) -> Data? {
    FileManager.default.contents(atPath: folder.appendingPathComponent(path).path)
}

/// The repository's root (for the shipped experiments).
package let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Loads a config from text (file name `test.json`).
package func loadConfig(_ text: String) throws(ConfigErrors) -> Experiment {
    try ExperimentLoader.load(bytes: Array(text.utf8), file: "test.json")
}

/// The rows of a CSV file (RFC 4180, quoted fields too, read by SwiftCSV), each as column -> text.
package func csvRows(_ url: URL) throws -> [[String: String]] {
    try CSV<Named>(url: url, delimiter: .comma).rows
}

import GradScopeResults
import Foundation
import SwiftCSV

/// `gradscope check`: a results folder against its config's `expect` blocks.
package enum ResultsCheck {
    /// One expectation and what the results hold.
    package struct Outcome: Sendable {
        package let expectation: Expectation
        /// The mean of the column over the matching rows; nil when nothing could be measured.
        package let measured: Double?
        /// Rows of the file that match the filter.
        package let rows: Int
        /// Why nothing was measured (no such column, no matching row, empty values), if so.
        package let problem: String?
        /// The standard error of `measured`, from the column's `_se` beside it (over m matching rows, of their
        /// mean: sqrt(sum se_i^2) / m); nil where the file has none (one seed, or a column without one).
        package var standardError: Double? = nil

        package var passed: Bool { measured.map(expectation.accepts) ?? false }
        /// Whether the tolerance is tighter than two standard errors: a pass that may be luck, a miss that
        /// may be noise.
        package var toleranceWithinNoise: Bool { standardError.map { expectation.tolerance < 2 * $0 } ?? false }
    }

    /// Every `expect` block of the folder's config (from manifest.json), each compared with the results.
    package static func outcomes(folder: URL) throws -> [Outcome] {
        let manifest = try Manifest(folder: folder)
        guard let node = manifest.config["expect"] else { return [] }
        let expectations: [Expectation]
        do throws(ExpectationError) { expectations = try Expectation.read(node) } catch {
            throw CheckError("\(folder.path): expect\(error.subpath): \(error.message)")
        }
        var tables = [String: (columns: [String], rows: [[String: String]])]()
        return try expectations.map { expectation in
            if tables[expectation.file] == nil {
                let url = folder.appendingPathComponent(expectation.file)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    return Outcome(expectation: expectation, measured: nil, rows: 0, problem: "no \(expectation.file)")
                }
                let csv = try CSV<Named>(url: url, delimiter: .comma)
                tables[expectation.file] = (csv.header, csv.rows)
            }
            let table = tables[expectation.file] ?? ([], [])
            return outcome(expectation, columns: table.columns, rows: table.rows)
        }
    }

    /// The mean of the expectation's column over the rows that match its filter.
    static func outcome(_ expectation: Expectation, columns: [String], rows: [[String: String]]) -> Outcome {
        let missing = ([expectation.column] + expectation.filter.map(\.column)).filter { !columns.contains($0) }
        guard missing.isEmpty else {
            return Outcome(
                expectation: expectation, measured: nil, rows: 0,
                problem: "no column \(missing.joined(separator: ", ")) in \(expectation.file)")
        }
        let matching = rows.filter { row in expectation.filter.allSatisfy { $0.value.matches(row[$0.column]) } }
        let values = matching.compactMap { $0[expectation.column].flatMap(Double.init) }
        guard !values.isEmpty else {
            let problem =
                matching.isEmpty
                ? "no row matches \(expectation.filterText)" : "\(expectation.column) is empty in the matching rows"
            return Outcome(expectation: expectation, measured: nil, rows: matching.count, problem: problem)
        }
        var result = Outcome(
            expectation: expectation, measured: values.reduce(0, +) / Double(values.count), rows: matching.count,
            problem: nil)
        let errorColumn = Column.standardError(expectation.column)
        let errors = matching.compactMap { $0[errorColumn].flatMap(Double.init) }
        if columns.contains(errorColumn), errors.count == values.count {
            result.standardError = errors.reduce(0) { $0 + $1 * $1 }.squareRoot() / Double(errors.count)
        }
        return result
    }
}

/// A results folder that cannot be checked.
package struct CheckError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}

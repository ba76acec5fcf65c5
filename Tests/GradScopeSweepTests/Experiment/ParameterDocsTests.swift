import Foundation
import GradScopeSweep
import GradScopeTestSupport
import Testing

@Suite("The parameter table and its docs")
struct ParameterDocsTests {
    /// The rows `| \`key\` | type | default | values |` of docs/configs.md's key table, by key.
    func documentedRows() throws -> [String: [String]] {
        let url = repositoryRoot.appendingPathComponent("docs/configs.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows = [String: [String]]()
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard fields.count >= 5 else { continue }
            rows[fields[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = Array(fields[1...4])
        }
        return rows
    }

    @Test(
        """
        Every parameter of the table has a row in docs/configs.md whose default is the one the CSV column \
        prints for a config that leaves it unset
        """)
    func docsTableMatchesParameters() throws {
        let rows = try documentedRows()
        // keys of recurrent cells (conv layers) only print empty for a dense feedforward cell: their defaults are a
        // recurrent cell's (a conv cell's); the columns are by key (`layer` prints in `layer_type`)
        var recurrent = CellDraft(), conv = CellDraft()
        recurrent.cell.architecture = .rnn
        conv.cell.layer = .conv
        let defaults = Dictionary(
            uniqueKeysWithValues: zip(
                ExperimentLoader.parameterKeys, zip(CellDraft().columns, zip(recurrent.columns, conv.columns))
            ).map {
                key, columns in
                let (plain, (rnn, conv)) = columns
                return (key, plain.value.isEmpty ? (rnn.value.isEmpty ? conv.value : rnn.value) : plain.value)
            })
        #expect(ExperimentLoader.parameterKeys.count >= 14)
        for key in ExperimentLoader.parameterKeys {
            guard let row = rows[key] else {
                Issue.record("docs/configs.md has no row for the parameter \(key)")
                continue
            }
            let documented = row[2].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let actual = try #require(defaults[key])
            // a default may be another key's (`input_size` defaults to `width`)
            let same =
                documented == actual || (Double(documented).flatMap { d in Double(actual).map { d == $0 } } ?? false)
                || defaults[documented] == actual
            #expect(same, "\(key): docs say default \(documented), the CSV column prints \(actual)")
        }
    }
}

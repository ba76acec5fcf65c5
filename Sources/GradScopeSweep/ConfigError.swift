import GradScopeCore
import GradScopeResults
/// One mistake in a config: the file, the JSON path of the offending key
/// (`sweep.depth[2]`), where it is, and what would be valid.
package struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    package var file: String
    /// The JSON path, empty for the document itself.
    package var path: String
    package var position: SourcePosition?
    package var message: String

    package init(file: String, path: String, position: SourcePosition?, message: String) {
        self.file = file
        self.path = path
        self.position = position
        self.message = message
    }

    /// `file:line:column: path: message`, one line.
    package var description: String {
        let location = position.map { "\(file):\($0)" } ?? file
        let text = message.replacingOccurrences(of: "\n", with: " ")
        return path.isEmpty ? "\(location): \(text)" : "\(location): \(path): \(text)"
    }
}

/// Every mistake found in one or more configs.
package struct ConfigErrors: Error, CustomStringConvertible, Sendable {
    package var errors: [ConfigError]
    package init(_ errors: [ConfigError]) { self.errors = errors }
    package var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// The closest valid word to a misspelt one, for "did you mean" hints.
enum Suggestion {
    /// " (did you mean `x`?)" when some candidate is within a third of the word's length in edits.
    static func hint(for word: String, among candidates: [String]) -> String {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return "" }
        return " (did you mean `\(best.0)`?)"
    }

    /// Levenshtein distance (insertions, deletions, substitutions).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.prefix(200)), b = Array(b.prefix(200))
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}

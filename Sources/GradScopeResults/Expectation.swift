/// One `expect` block of a config: a published value that a results file must reproduce.
/// `{"file": "summary.csv", "where": {column: value, ...}, "column": ..., "value": ..., "tolerance": ...,
/// "source": "paper, figure"}`: the mean of `column` over the rows of `file` that match every `where`
/// entry must lie within `tolerance` of `value`.
package struct Expectation: Sendable, Equatable {
    /// The results file, one of `Expectation.files`.
    package let file: String
    /// Column -> the value a row must hold there (numbers compare as numbers, to 1e-12 relative).
    package let filter: [(column: String, value: ExpectedField)]
    package let column: String
    package let value: Double
    package let tolerance: Double
    /// Where the value was published (paper, figure or equation).
    package let source: String

    /// The files an expectation may read: every CSV file a results folder can hold.
    package static let files = Export.files
    static let keys = ["file", "where", "column", "value", "tolerance", "source"]

    package static func == (a: Expectation, b: Expectation) -> Bool {
        (a.file, a.column, a.value, a.tolerance, a.source) == (b.file, b.column, b.value, b.tolerance, b.source)
            && a.filter.map(\.column) == b.filter.map(\.column) && a.filter.map(\.value) == b.filter.map(\.value)
    }

    /// Whether `measured` reproduces the value: |measured - value| <= tolerance.
    package func accepts(_ measured: Double) -> Bool { abs(measured - value) <= tolerance }

    /// The `where` filter as `column=value, ...`.
    package var filterText: String { filter.map { "\($0.column)=\($0.value.text)" }.joined(separator: ", ") }

    /// Reads the `expect` value of a config: one object or a non-empty array of them.
    package static func read(_ node: JSONNode) throws(ExpectationError) -> [Expectation] {
        switch node.value {
        case .object: return [try readOne(node)]
        case .array(let elements) where !elements.isEmpty:
            var result = [Expectation]()
            for (i, element) in elements.enumerated() {
                do throws(ExpectationError) { result.append(try readOne(element)) } catch {
                    throw ExpectationError(error.message, subpath: "[\(i)]" + error.subpath)
                }
            }
            return result
        default:
            throw ExpectationError(
                "must be an object {\"file\": ..., \"column\": ..., ...} or a non-empty array of them")
        }
    }

    private static func readOne(_ node: JSONNode) throws(ExpectationError) -> Expectation {
        guard case .object(let members) = node.value else {
            throw ExpectationError(
                "must be an object with keys \(keys.joined(separator: ", ")); got \(node.value.typeName)")
        }
        for member in members where !keys.contains(member.key) {
            throw ExpectationError(
                "unknown key \"\(member.key)\"; valid keys: \(keys.joined(separator: ", "))", subpath: "." + member.key)
        }
        func string(_ key: String) throws(ExpectationError) -> String {
            guard case .string(let s)? = node[key]?.value, !s.isEmpty else {
                throw ExpectationError("missing or not a non-empty string", subpath: "." + key)
            }
            return s
        }
        func number(_ key: String, positive: Bool) throws(ExpectationError) -> Double {
            guard case .number(let v, _)? = node[key]?.value, v.isFinite, !positive || v > 0 else {
                throw ExpectationError(
                    positive ? "missing or not a number > 0" : "missing or not a number",
                    subpath: "." + key)
            }
            return v
        }
        let file = try string("file")
        guard files.contains(file) else {
            throw ExpectationError(
                "unknown file \"\(file)\"; valid: \(files.joined(separator: ", "))", subpath: ".file")
        }
        return Expectation(
            file: file, filter: try readFilter(node["where"]), column: try string("column"),
            value: try number("value", positive: false), tolerance: try number("tolerance", positive: true),
            source: try string("source"))
    }

    private static func readFilter(_ node: JSONNode?) throws(ExpectationError) -> [(
        column: String, value: ExpectedField
    )] {
        guard let node else { return [] }
        guard case .object(let members) = node.value else {
            throw ExpectationError("must be an object {column: value, ...}", subpath: ".where")
        }
        var filter = [(column: String, value: ExpectedField)]()
        for member in members {
            switch member.value.value {
            case .number(let v, let text): filter.append((member.key, .number(v, text: text)))
            case .string(let s): filter.append((member.key, .text(s)))
            case .bool(let b): filter.append((member.key, .text(b ? "true" : "false")))
            default:
                throw ExpectationError("must be a number, string or boolean", subpath: ".where." + member.key)
            }
        }
        return filter
    }

    init(
        file: String, filter: [(column: String, value: ExpectedField)], column: String, value: Double,
        tolerance: Double, source: String
    ) {
        (self.file, self.filter, self.column, self.value, self.tolerance, self.source) = (
            file, filter, column, value, tolerance, source
        )
    }
}

/// A value a `where` entry asks a CSV field to hold.
package enum ExpectedField: Sendable, Equatable {
    case number(Double, text: String)
    case text(String)

    /// Whether the CSV field `field` holds it.
    package func matches(_ field: String?) -> Bool {
        guard let field else { return false }
        switch self {
        case .text(let s): return field == s
        case .number(let v, _):
            guard let x = Double(field) else { return false }
            return x == v || abs(x - v) <= 1e-12 * max(abs(x), abs(v))
        }
    }

    /// As written in the config.
    package var text: String {
        switch self {
        case .number(_, let text): text
        case .text(let s): s
        }
    }
}

/// A mistake in an `expect` block: what is wrong and where below `expect`.
package struct ExpectationError: Error {
    package let message: String
    /// The JSON path below `expect`, e.g. `[1].tolerance`.
    package let subpath: String

    init(_ message: String, subpath: String = "") { (self.message, self.subpath) = (message, subpath) }
}

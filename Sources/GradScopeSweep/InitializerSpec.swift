import Algorithms
import GradScopeCore
import GradScopeResults
/// An initialiser as the config names it: a name and its parameters, resolved to an `Initializer`.
package struct InitializerSpec: Sendable, Hashable {
    /// The name as written (`he_normal`, `orthogonal`, `variance_scaling`, ...).
    package var name: String
    /// Explicit parameters in the order of `parameterNames[name]`.
    package var parameters: [(key: String, value: JSONNode)]
    /// The resolved initialiser.
    package var initializer: Initializer

    package static let `default` = try! InitializerSpec(name: "xavier_normal", parameters: [])
    /// The default of `input_init`.
    package static let inputDefault = try! InitializerSpec(name: "lecun_normal", parameters: [])

    /// The parameters each non-alias initialiser takes, with defaults ("" = required).
    static let parameterNames: [String: [(String, String)]] = [
        "normal": [("std", "")],
        "uniform": [("limit", "")],
        "variance_scaling": [("scale", "1"), ("mode", "fan_in"), ("distribution", "truncated_normal")],
        "orthogonal": [("gain", "1")],
        "identity": [("gain", "1")],
        "delta_orthogonal": [("gain", "1")],
    ]

    static var validNames: [String] {
        (Array(Initializer.named.keys) + parameterNames.keys).sorted().uniqued().map { $0 }
    }

    /// The text of the CSV `init` column: the name, with explicit parameters, e.g. `orthogonal(gain=1.5)`.
    package var text: String {
        parameters.isEmpty
            ? name
            : name + "(" + parameters.map { "\($0.key)=\(InitializerSpec.text(of: $0.value))" }.joined(separator: ",")
                + ")"
    }

    /// Two specs are the same when they print the same: the name as written and the explicit parameters.
    package static func == (a: InitializerSpec, b: InitializerSpec) -> Bool { a.text == b.text }
    package func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Reads `"he_normal"` or `{"name": "orthogonal", "gain": 2}`.
    static func read(_ node: JSONNode) throws(ValueError) -> InitializerSpec {
        switch node.value {
        case .string(let name):
            return try InitializerSpec(name: name, parameters: [])
        case .object(let members):
            guard let nameNode = node["name"] else {
                throw ValueError("an init object needs \"name\"; valid names: \(validNames.joined(separator: ", "))")
            }
            guard case .string(let name) = nameNode.value else {
                throw ValueError("must be a string", subpath: ".name")
            }
            return try InitializerSpec(
                name: name, parameters: members.filter { $0.key != "name" }.map { ($0.key, $0.value) })
        default:
            throw ValueError(
                "must be an initialiser name or an object {\"name\": ..., parameters}; got \(node.value.typeName)")
        }
    }

    /// This spec with parameter `key` set to `value` (for dotted sweep axes like `init.gain`).
    func setting(_ key: String, to value: JSONNode) throws(ValueError) -> InitializerSpec {
        var parameters = self.parameters.filter { $0.key != key }
        parameters.append((key, value))
        return try InitializerSpec(name: name, parameters: parameters)
    }

    init(name: String, parameters: [(key: String, value: JSONNode)]) throws(ValueError) {
        guard let accepted = InitializerSpec.parameterNames[name] else {
            guard let named = Initializer.named[name] else {
                throw ValueError(
                    "unknown initialiser \"\(name)\"\(Suggestion.hint(for: name, among: InitializerSpec.validNames)); "
                        + "valid: \(InitializerSpec.validNames.joined(separator: ", "))",
                    subpath: ".name")
            }
            guard parameters.isEmpty else {
                throw ValueError(
                    "\(name) takes no parameters (use variance_scaling or orthogonal for custom scales)",
                    subpath: "." + parameters[0].key)
            }
            self.name = name
            self.parameters = []
            self.initializer = named
            return
        }
        let acceptedKeys = accepted.map(\.0)
        for (key, _) in parameters where !acceptedKeys.contains(key) {
            throw ValueError(
                "\(name) has no parameter \"\(key)\"\(Suggestion.hint(for: key, among: acceptedKeys)); valid: "
                    + "\(acceptedKeys.joined(separator: ", "))",
                subpath: "." + key)
        }
        let ordered = acceptedKeys.compactMap { key in parameters.first { $0.key == key } }
        self.name = name
        self.parameters = ordered
        self.initializer = try InitializerSpec.resolve(name, ordered, accepted)
    }

    private static func resolve(
        _ name: String, _ given: [(key: String, value: JSONNode)], _ accepted: [(String, String)]
    ) throws(ValueError) -> Initializer {
        func node(_ key: String) throws(ValueError) -> JSONNode {
            if let n = given.first(where: { $0.key == key })?.value { return n }
            let fallback = accepted.first { $0.0 == key }?.1 ?? ""
            guard !fallback.isEmpty else { throw ValueError("\(name) needs \"\(key)\"", subpath: "." + key) }
            return Double(fallback) != nil
                ? JSONNode(.number(Double(fallback)!, text: fallback)) : JSONNode(.string(fallback))
        }
        func number(_ key: String) throws(ValueError) -> Double {
            do { return try Parameters.readNumber(try node(key), in: .positive) } catch {
                throw ValueError(error.message, subpath: "." + key)
            }
        }
        func choice<E: RawRepresentable & CaseIterable>(_ key: String) throws(ValueError) -> E
        where E.RawValue == String {
            do { return try Parameters.readEnum(try node(key)) } catch {
                throw ValueError(error.message, subpath: "." + key)
            }
        }
        switch name {
        case "normal": return .normal(std: try number("std"))
        case "uniform": return .uniform(limit: try number("limit"))
        case "orthogonal": return .orthogonal(gain: try number("gain"))
        case "identity": return .identity(gain: try number("gain"))
        case "delta_orthogonal": return .deltaOrthogonal(gain: try number("gain"))
        default:
            return .varianceScaling(
                scale: try number("scale"), mode: try choice("mode"), distribution: try choice("distribution"))
        }
    }

    static func text(of node: JSONNode) -> String {
        switch node.value {
        case .number(let d, _): return "\(d)"
        case .string(let s): return s
        default: return node.value.typeName
        }
    }
}

import GradScopeCore
import GradScopeResults
import Foundation

/// Reads experiment configs: parses the JSON, checks every key and value, and
/// builds the grid. Every mistake is collected, each with its file and JSON path.
package enum ExperimentLoader {
    /// The most cells one config may define.
    package static let maximumCells = 100_000
    /// The most seeds one config may use.
    package static let maximumSeeds = 100_000

    /// Loads the config at `path`.
    package static func load(path: String) throws(ConfigErrors) -> Experiment {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigErrors([
                ConfigError(
                    file: path, path: "", position: nil, message: exists ? "cannot read the file" : "no such file")
            ])
        }
        return try load(bytes: [UInt8](data), file: path)
    }

    /// Loads a config from its bytes; `file` names it in messages.
    /// The keys of a cell's parameters, in the order of the CSV columns (`Parameter.all`).
    package static var parameterKeys: [String] { Parameter.keys }

    package static func load(bytes: [UInt8], file: String) throws(ConfigErrors) -> Experiment {
        let document: JSONNode
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ConfigErrors([
                ConfigError(file: file, path: "", position: error.position, message: "invalid JSON: \(error.message)")
            ])
        }
        var reader = ConfigReader(file: file)
        let result = reader.read(document)
        guard reader.errors.isEmpty, let experiment = result else { throw ConfigErrors(reader.errors) }
        return experiment
    }
}

/// The state of reading one config: the errors found so far.
struct ConfigReader {
    let file: String
    var errors: [ConfigError] = []

    init(file: String) { self.file = file }

    mutating func fail(_ path: String, _ node: JSONNode?, _ message: String, position: SourcePosition? = nil) {
        errors.append(ConfigError(file: file, path: path, position: position ?? node?.position, message: message))
    }

    mutating func fail(_ path: String, _ node: JSONNode, _ error: ValueError) {
        let member = error.subpath.hasPrefix(".") ? node[String(error.subpath.dropFirst())] : nil
        fail(path + error.subpath, member ?? node, error.message)
    }

    static let topLevelKeys = Parameter.keys + Parameters.settings + Parameters.unavailable

    mutating func read(_ document: JSONNode) -> Experiment? {
        guard case .object(let members) = document.value else {
            fail("", document, "the config must be a JSON object {...}; got \(document.value.typeName)")
            return nil
        }
        var base = CellDraft()
        var name: String?, description = "", seeds = [0, 1, 2, 3, 4]
        var sweep: JSONMember?
        for member in members {
            let (key, node) = (member.key, member.value)
            switch key {
            case "name": name = readName(node)
            case "description":
                if case .string(let s) = node.value {
                    description = s
                } else {
                    fail(key, node, "must be a string; got \(node.value.typeName)")
                }
            case "seeds": seeds = readSeeds(node) ?? seeds
            case "sweep": sweep = member
            case "jacobian":
                if case .bool(let on) = node.value {
                    base.jacobian = on
                } else {
                    fail(key, node, "must be true or false; got \(node.value.typeName)")
                }
            case "expect":
                do throws(ExpectationError) { _ = try Expectation.read(node) } catch {
                    fail(key + error.subpath, node, error.message)
                }
            case "train":
                do throws(ValueError) { base.training = try TrainingSettings.read(node) } catch {
                    fail(key, node, error)
                }
            case _ where Parameter.byKey[key] != nil:
                do throws(ValueError) { try Parameter.byKey[key]?.read(node)(&base) } catch { fail(key, node, error) }
            default:
                fail(
                    key, node,
                    "unknown key\(Suggestion.hint(for: key, among: Self.topLevelKeys)); valid keys: "
                        + "\(Self.topLevelKeys.joined(separator: ", "))",
                    position: member.keyPosition)
            }
        }
        if name == nil, !members.contains(where: { $0.key == "name" }) {
            fail(
                "name", document,
                "missing: every config needs a \"name\" ([a-z0-9][a-z0-9_-]*); results go to <output>/<name>/")
        }
        let grids = sweep.map { readSweep($0, topLevel: members, base: base) } ?? []
        guard errors.isEmpty, let name else { return nil }
        return buildGrid(
            name: name, description: description, document: document, base: base, grids: grids, seeds: seeds)
    }

    mutating func readName(_ node: JSONNode) -> String? {
        guard case .string(let s) = node.value else {
            fail("name", node, "must be a string; got \(node.value.typeName)")
            return nil
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_-")
        guard let first = s.first, first != "_", first != "-", s.allSatisfy(allowed.contains), s.count <= 100 else {
            fail("name", node, "must match [a-z0-9][a-z0-9_-]* (lower case, at most 100 characters); got \"\(s)\"")
            return nil
        }
        return s
    }

    mutating func readSeeds(_ node: JSONNode) -> [Int]? {
        switch node.value {
        case .number:
            do throws(ValueError) {
                return Array(0..<(try Parameters.readInteger(node, in: 1...ExperimentLoader.maximumSeeds)))
            } catch { fail("seeds", node, error) }
        case .array(let elements) where !elements.isEmpty && elements.count <= ExperimentLoader.maximumSeeds:
            var seeds = [Int]()
            for (i, element) in elements.enumerated() {
                do throws(ValueError) {
                    let seed = try Parameters.readInteger(element, in: 0...Int(Int32.max))
                    if seeds.contains(seed) { fail("seeds[\(i)]", element, "repeats seed \(seed)") }
                    seeds.append(seed)
                } catch { fail("seeds[\(i)]", element, error) }
            }
            return seeds
        default:
            fail(
                "seeds", node,
                "must be a number of seeds n (seeds 0..n-1, 1 ... \(ExperimentLoader.maximumSeeds)) or a non-empty "
                    + "list of distinct seeds >= 0; got \(node.value.typeName)"
            )
        }
        return nil
    }
}

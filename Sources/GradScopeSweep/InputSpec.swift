import GradScopeCore
import GradScopeResults

/// How a config names its inputs: `"gaussian"`, `"fashion_mnist"`, or
/// `{"name": "idx", "images": PATH, "labels": PATH, "test_images": PATH, "test_labels": PATH}`.
enum InputSpec {
    static let names = ["gaussian", "fashion_mnist", "idx"]
    static let idxKeys = ["images", "labels", "test_images", "test_labels"]

    static func read(_ node: JSONNode) throws(ValueError) -> InputSource {
        switch node.value {
        case .string("gaussian"): return .gaussian
        case .string("fashion_mnist"): return .fashionMNIST
        case .string(let name):
            throw ValueError(
                "unknown input \"\(name)\"\(Suggestion.hint(for: name, among: names)); valid: gaussian, "
                    + "fashion_mnist, or an object {\"name\": \"idx\", \"images\": ..., \"labels\": ..., "
                    + "\"test_images\": ..., \"test_labels\": ...}")
        case .object(let members):
            guard case .string("idx") = node["name"]?.value else {
                throw ValueError("an input object is {\"name\": \"idx\", ...}", subpath: ".name")
            }
            for key in members.map(\.key) where key != "name" && !idxKeys.contains(key) {
                throw ValueError(
                    "idx has no key \"\(key)\"\(Suggestion.hint(for: key, among: idxKeys)); valid: "
                        + idxKeys.joined(separator: ", "), subpath: "." + key)
            }
            var paths = [String]()
            for key in idxKeys {
                guard case .string(let path) = node[key]?.value, !path.isEmpty else {
                    throw ValueError("idx needs \"\(key)\": the path of an IDX file", subpath: "." + key)
                }
                paths.append(path)
            }
            return .dataSet(
                name: "idx",
                files: DataSetFiles(images: paths[0], labels: paths[1], testImages: paths[2], testLabels: paths[3]))
        default:
            throw ValueError("must be gaussian, fashion_mnist or an idx object; got \(node.value.typeName)")
        }
    }
}

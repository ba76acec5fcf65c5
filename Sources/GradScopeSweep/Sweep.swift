import Algorithms
import GradScopeCore
import GradScopeResults
/// One sweep axis: a key and the settings of its values.
struct Axis {
    let key: String
    let settings: [Parameter.Setting]
}

extension ConfigReader {
    /// Reads `sweep`: one grid, an object whose keys are parameters (or `init.<parameter>`, `train.<key>`) and
    /// whose values are non-empty lists; or a non-empty list of such objects, several grids whose cells are
    /// run one grid after the other.
    mutating func readSweep(_ member: JSONMember, topLevel: [JSONMember], base: CellDraft) -> [[Axis]] {
        switch member.value.value {
        case .object(let members): return [readGrid(members, path: "sweep", topLevel: topLevel, base: base)]
        case .array(let grids) where !grids.isEmpty:
            return grids.enumerated().map { g, grid in
                guard case .object(let members) = grid.value else {
                    fail(
                        "sweep[\(g)]", grid,
                        "must be an object {\"parameter\": [values, ...]}; got \(grid.value.typeName)")
                    return []
                }
                return readGrid(members, path: "sweep[\(g)]", topLevel: topLevel, base: base)
            }
        default:
            fail(
                "sweep", member.value,
                "must be an object {\"parameter\": [values, ...]} or a non-empty list of them (several grids); got "
                    + "\(member.value.value.typeName == "an array" ? "an empty list" : member.value.value.typeName)")
            return []
        }
    }

    /// Reads one grid's axes from the members of its object at `path`.
    private mutating func readGrid(
        _ members: [JSONMember], path gridPath: String, topLevel: [JSONMember], base: CellDraft
    )
        -> [Axis]
    {
        var axes = [Axis]()
        for axis in members {
            let path = "\(gridPath).\(axis.key)"
            guard let setting = axisReader(axis, path: path, topLevel: topLevel, swept: members, base: base) else {
                continue
            }
            guard case .array(let values) = axis.value.value, !values.isEmpty else {
                fail(
                    path, axis.value,
                    "must be a non-empty list of values, e.g. [1, 2, 4]; got "
                        + "\(axis.value.value.typeName == "an array" ? "an empty list" : axis.value.value.typeName)"
                )
                continue
            }
            var settings = [Parameter.Setting](), seen = [CellDraft: Int]()
            for (i, value) in values.enumerated() {
                do throws(ValueError) {
                    let s = try setting(value)
                    var probe = base
                    s(&probe)
                    if let first = seen[probe] { fail("\(path)[\(i)]", value, "repeats \(path)[\(first)]") }
                    seen[probe] = i
                    settings.append(s)
                } catch { fail("\(path)[\(i)]", value, error) }
            }
            axes.append(Axis(key: axis.key, settings: settings))
        }
        return axes
    }

    /// How to read the values of one axis, or nil (with an error) when the key cannot be swept.
    private mutating func axisReader(
        _ axis: JSONMember, path: String, topLevel: [JSONMember], swept: [JSONMember], base: CellDraft
    ) -> ((JSONNode) throws(ValueError) -> Parameter.Setting)? {
        let key = axis.key
        if let parameter = Parameter.byKey[key] {
            if topLevel.contains(where: { $0.key == key }) {
                fail(
                    path, nil, "\(key) is set at the top level and also swept; set it in one place",
                    position: axis.keyPosition)
                return nil
            }
            return parameter.read
        }
        if key.hasPrefix("init.") {
            let parameter = String(key.dropFirst(5))
            if swept.contains(where: { $0.key == "init" }) {
                fail(
                    path, nil,
                    "cannot sweep init.\(parameter) together with init; put the parameter in each init object",
                    position: axis.keyPosition)
                return nil
            }
            if base.initializer.parameters.contains(where: { $0.key == parameter }) {
                fail(
                    path, nil, "init.\(parameter) is set in the top-level init and also swept; set it in one place",
                    position: axis.keyPosition)
                return nil
            }
            let spec = base.initializer
            return { node throws(ValueError) in
                let resolved = try spec.setting(parameter, to: node)
                return { $0.initializer = resolved }
            }
        }
        if key.hasPrefix("train.") {
            let setting = String(key.dropFirst(6))
            guard TrainingSettings.keys.contains(setting) else {
                fail(
                    path, nil,
                    "train has no key \"\(setting)\"\(Suggestion.hint(for: setting, among: TrainingSettings.keys)); "
                        + "valid keys of train: \(TrainingSettings.keys.joined(separator: ", "))",
                    position: axis.keyPosition)
                return nil
            }
            if let given = topLevel.first(where: { $0.key == "train" })?.value, given[setting] != nil {
                fail(
                    path, nil,
                    "train.\(setting) is set in the top-level train object and also swept; set it in one place",
                    position: axis.keyPosition)
                return nil
            }
            return { node throws(ValueError) in
                let apply = try TrainingSettings.setting(setting, node)
                return { draft in
                    var training = draft.training ?? TrainingSettings()
                    apply(&training)
                    draft.training = training
                }
            }
        }
        let sweepable = Parameter.keys + ["init.<parameter>", "train.<key>"]
        let why =
            Parameters.settings.contains(key) || Parameters.unavailable.contains(key)
            ? "\(key) cannot be swept" : "unknown parameter"
        fail(
            path, nil,
            "\(why)\(Suggestion.hint(for: key, among: Parameter.keys)); sweepable: "
                + "\(sweepable.joined(separator: ", "))",
            position: axis.keyPosition)
        return nil
    }

    /// The cartesian product of each grid's axes (first axis slowest) applied to `base`, grid after grid; a cell
    /// that two grids both define is a mistake.
    mutating func buildGrid(
        name: String, description: String, document: JSONNode, base: CellDraft, grids: [[Axis]], seeds: [Int]
    ) -> Experiment? {
        var drafts = [CellDraft](), seen = [CellDraft: Int]()
        for (g, axes) in (grids.isEmpty ? [[]] : grids).enumerated() {
            guard let grid = buildDrafts(document: document, base: base, axes: axes) else { return nil }
            for draft in grid {
                if let first = seen[draft] {
                    fail(
                        "sweep[\(g)]", document["sweep"],
                        "defines again a cell that sweep[\(first)] has (one cell, one row); remove it from one grid")
                    return nil
                }
                seen[draft] = g
                drafts.append(draft)
            }
            guard drafts.count <= ExperimentLoader.maximumCells else { return tooMany(document) }
        }
        let canonicals = drafts.map(GridCell.canonical)
        let ids = CellID.assign(canonicals)
        let cells = drafts.indices.map {
            GridCell(index: $0, draft: drafts[$0], canonical: canonicals[$0], id: ids[$0])
        }
        let keys = grids.flatMap { $0.map(\.key) }.uniqued()
        return Experiment(
            file: file, name: name, description: description, document: document, axes: Array(keys), cells: cells,
            seeds: seeds)
    }

    private mutating func tooMany(_ document: JSONNode) -> Experiment? {
        fail(
            "sweep", document["sweep"],
            "defines more than \(ExperimentLoader.maximumCells) cells; split it into several configs")
        return nil
    }

    /// The validated cells of one grid: the cartesian product of `axes` (first axis slowest) applied to `base`.
    private mutating func buildDrafts(document: JSONNode, base: CellDraft, axes: [Axis]) -> [CellDraft]? {
        var count = 1
        for axis in axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: axis.settings.count)
            guard !overflow, product <= ExperimentLoader.maximumCells else {
                _ = tooMany(document)
                return nil
            }
            count = product
        }
        var drafts = [CellDraft]()
        drafts.reserveCapacity(count)
        for index in 0..<count {
            var draft = base
            var rest = index
            for axis in axes.reversed() {
                axis.settings[rest % axis.settings.count](&draft)
                rest /= axis.settings.count
            }
            do throws(ParameterError) {
                try draft.validate()
            } catch {
                // point at the key where the config sets it: at the top level or as a sweep axis
                let key = String(error.key.prefix { $0 != "." })
                fail(error.key, document[key] ?? document["sweep"]?[key] ?? document, error.message)
                return nil
            }
            drafts.append(draft)
        }
        return drafts
    }
}

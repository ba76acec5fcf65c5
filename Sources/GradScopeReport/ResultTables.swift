import GradScopeCore
import GradScopeResults
import Algorithms
import Foundation
import SwiftCSV

/// The tables of a results folder as the report reads them: the CSV files users open
/// (so the pictures show exactly the numbers in them) and manifest.json.
struct ResultTables {
    let folder: URL
    /// Each table's rows grouped by their `cell`, in file order (read once, looked up per cell).
    let layers: [String: [[String: String]]]
    let summary: [[String: String]]
    let spectra: [String: [[String: String]]]
    let training: [String: [[String: String]]]
    let trainingSummary: [[String: String]]
    /// filters.csv's rows by cell: a conv net's first-layer filters before and after training on images.
    let filters: [String: [[String: String]]]
    /// coordinates.csv and width_scaling.csv: the coordinate check, when cells of several widths trained.
    let coordinates: [[String: String]]
    let widthScaling: [[String: String]]
    let manifest: Manifest

    init(folder: URL) throws {
        func table(_ name: String) throws -> [[String: String]] {
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { return [] }
            return try CSV<Named>(url: url, delimiter: .comma).rows
        }
        self.folder = folder
        func byCell(_ name: String) throws -> [String: [[String: String]]] {
            Dictionary(grouping: try table(name), by: { $0[Column.cell] ?? "" })
        }
        layers = try byCell("layers.csv")
        summary = try table("summary.csv")
        spectra = try byCell("spectra_histogram.csv")
        training = try byCell("training.csv")
        trainingSummary = try table("training_summary.csv")
        filters = try byCell("filters.csv")
        coordinates = try table("coordinates.csv")
        widthScaling = try table("width_scaling.csv")
        manifest = try Manifest(folder: folder)
    }

    /// What the per-layer figures run over: layers, or time steps when every cell is recurrent.
    var layerNoun: String {
        let recurrent = summary.map { Architecture(rawValue: $0["architecture"] ?? "")?.isRecurrent ?? false }
        if !recurrent.isEmpty, recurrent.allSatisfy({ $0 }) { return "time step" }
        return recurrent.contains(true) ? "layer or time step" : "layer"
    }

    /// The x axis of the per-layer figures.
    var layerAxis: String { layerNoun + (layerNoun == "time step" ? " (1 = the first)" : " (1 = next to the input)") }

    /// The swept keys as CSV columns (`init.gain` is in `init`, `train.steps` in `train_steps`).
    var axes: [String] { Array(manifest.axes.map(Self.column).uniqued()) }

    /// The swept keys that live inside a column, by column: `init` -> [`init.scale`].
    var axisKeys: [String: [String]] {
        Dictionary(grouping: manifest.axes.filter { $0.hasPrefix("init.") }, by: Self.column)
    }

    /// The CSV column that holds a swept key.
    static func column(_ key: String) -> String {
        if key.hasPrefix("init.") { return "init" }
        if key == "train.train_size" { return "train_size" }
        return Column.parameter(key.replacingOccurrences(of: ".", with: "_"))
    }

    /// The cells in grid order, with the summary row of each.
    var cells: [[String: String]] { summary }
}

extension Dictionary where Key == String, Value == String {
    /// The column as a number; nil when empty or not a number.
    func number(_ column: String) -> Double? { self[column].flatMap { Double($0) } }
}

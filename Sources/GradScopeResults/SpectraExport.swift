import GradScopeCore
import Foundation

/// `spectra.csv` (per cell and seed: summary numbers of the Jacobian's singular values) and
/// `spectra_histogram.csv` (per cell: a fixed histogram of log10 sigma over all its seeds).
package enum SpectraExport {
    static let files = ["spectra.csv", "spectra_histogram.csv"]
    /// The quantiles of sigma reported, in percent.
    static let quantiles = [5, 25, 50, 75, 95]
    /// Histogram bins of log10 sigma: [-20, 20) in steps of 1/4, plus one open bin below and one above.
    package static let binWidth = 0.25, lowest = -20.0, binCount = 160
    /// Rows of spectra_histogram.csv per cell: the bins and the open bin below and above.
    package static let histogramRows = binCount + 2

    /// The two tables as (file name, builder), for `Export.write` to build and write.
    static func tables(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> [(name: String, build: () -> CSVTable)]
    {
        [(files[0], { table(cells, byCell) }), (files[1], { histogram(cells, byCell) })]
    }

    static func table(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> CSVTable {
        let columns =
            [
                "seed", "status", "singular_values", "sigma2_mean", "log10_sigma2_mean", "sigma_max", "sigma_min",
                "log10_sigma_max", "log10_sigma_min", "condition_number", "sigma2_normalized_variance",
            ]
            + quantiles.map { "log10_sigma_q\(String(format: "%02d", $0))" }
        return Export.cellTable(cells, columns: columns) { cell, rows in
            for run in byCell[cell.index] ?? [] {
                var row: [String?] = ["\(run.seed)", run.status.rawValue]
                guard let spectrum = Summary(run.singularValues) else {
                    rows.append(row + Array(repeating: nil, count: 9 + quantiles.count))
                    continue
                }
                row += [
                    "\(run.singularValues.count)", CSVTable.number(spectrum.meanSquare.value),
                    CSVTable.number(spectrum.meanSquare.log10),
                    CSVTable.number(spectrum.largest.value), CSVTable.number(spectrum.smallest.value),
                    CSVTable.number(spectrum.largest.log10), CSVTable.number(spectrum.smallest.log10),
                    CSVTable.number(spectrum.condition), CSVTable.number(spectrum.normalizedVariance),
                ]
                row += spectrum.quantiles.map { CSVTable.number($0.log10) }
                rows.append(row)
            }
        }
    }

    static func histogram(_ cells: [CellColumns], _ byCell: [Int: [RunRecord]]) -> CSVTable {
        Export.cellTable(
            cells, columns: ["bin", Column.log10SigmaLow, Column.log10SigmaHigh, "count", Column.fraction]
        ) {
            cell, rows in
            var counts = [Int](repeating: 0, count: histogramRows)
            let values = (byCell[cell.index] ?? []).flatMap(\.singularValues)
            for sigma in values {
                let position = ((sigma.log10 ?? -.infinity) - lowest) / binWidth
                counts[position < 0 ? 0 : (position >= Double(binCount) ? binCount + 1 : Int(position) + 1)] += 1
            }
            for (bin, count) in counts.enumerated() {
                let low: Double? = bin == 0 ? nil : lowest + Double(bin - 1) * binWidth
                let high: Double? = bin == binCount + 1 ? nil : lowest + Double(bin) * binWidth
                let fraction = values.isEmpty ? nil : Double(count) / Double(values.count)
                rows.append([
                    "\(bin)", CSVTable.number(low), CSVTable.number(high), "\(count)", CSVTable.number(fraction),
                ])
            }
        }
    }

    /// The summary numbers of one spectrum (singular values sharing one exponent, largest first).
    struct Summary {
        let meanSquare, largest, smallest: ScaledNorm
        let condition: Double?
        /// m2 / m1^2 - 1 of the squared singular values (scale-free).
        let normalizedVariance: Double
        /// sigma at the `quantiles` (type 7, ascending).
        let quantiles: [ScaledNorm]

        init?(_ values: [ScaledNorm]) {
            guard let first = values.first, let last = values.last else { return nil }
            let exponent = first.exponent
            let sigma = values.map(\.significand).sorted()
            let squares = sigma.map { $0 * $0 }
            let m1 = squares.reduce(0, +) / Double(squares.count),
                m2 = squares.reduce(0) { $0 + $1 * $1 } / Double(squares.count)
            meanSquare = ScaledNorm(significand: m1, exponent: 2 * exponent)
            (largest, smallest) = (first, last)
            condition = last.significand > 0 ? first.significand / last.significand : nil
            normalizedVariance = m2 / (m1 * m1) - 1
            quantiles = SpectraExport.quantiles.map {
                ScaledNorm(significand: Quantile.of(sorted: sigma, Double($0) / 100), exponent: exponent)
            }
        }
    }
}

/// The sums of squares of a row-major matrix's rows and the sums of its columns, in float64: what
/// `grad_z_norm`, the per-example norms and `grad_b_norm` read from D_l.
package struct RowAndColumnSums: Equatable {
    /// sum_j m_ij^2 of each row i (`Kernels.rowSquares`' lanes and order).
    package var rowSquares: [Double]
    /// sum_i m_ij of each column j (`Matrix.columnSums`' order).
    package var columnSums: [Double]
}

/// Column sums accumulated row after row: eight columns at a time in SIMD chunks, the columns past the last
/// whole chunk one by one. Every sum adds its rows in order, so the bits do not depend on the vector width.
struct ColumnAccumulator {
    private var chunks: [SIMD8<Double>]
    private var tail: [Double]

    /// Zero sums for `columns` columns.
    init(columns: Int) {
        chunks = [SIMD8<Double>](repeating: .zero, count: columns / 8)
        tail = [Double](repeating: 0, count: columns % 8)
    }

    /// Adds one row's columns 8c ..< 8c + 8.
    @inline(__always)
    mutating func add(_ values: SIMD8<Double>, chunk c: Int) { chunks[c] += values }

    /// Adds one row's value in the k-th column past the last whole chunk.
    @inline(__always)
    mutating func add(_ value: Double, tailColumn k: Int) { tail[k] += value }

    /// The sums, column 0 first.
    var sums: [Double] {
        var sums = [Double]()  // one array, not one per chunk: this runs for every layer of every run
        sums.reserveCapacity(chunks.count * 8 + tail.count)
        for chunk in chunks { for k in 0..<8 { sums.append(chunk[k]) } }
        sums.append(contentsOf: tail)
        return sums
    }
}

extension Kernels {
    /// out = a * b elementwise (row-major, `columns` per row), with out's `RowAndColumnSums` from the same
    /// pass: the lanes and order of `rowSquares` and `Matrix.columnSums`, so the same bits as those two
    /// passes over `out` after the product, which this one read of it saves (D_l = G_l * phi'(Z_l)).
    package static func multiply<S: BLASScalar>(
        _ a: [S], _ b: [S], into out: inout [S], columns: Int
    ) -> RowAndColumnSums {
        let x = a.span, y = b.span
        var product = out.mutableSpan
        let rowCount = columns > 0 ? min(x.count, y.count, product.count) / columns : 0
        let whole = columns - columns % 8
        var rowSquares = [Double](repeating: 0, count: rowCount), columnSums = ColumnAccumulator(columns: columns)
        for row in 0..<rowCount {
            let start = row * columns
            // exactly `columns` long: no index checks left in the loop
            let left = x.extracting(start..<(start + columns)), right = y.extracting(start..<(start + columns))
            var lane = SIMD8<Double>(), tail = 0.0
            for j in stride(from: 0, to: whole, by: 8) {
                var v = SIMD8<Double>()
                for k in 0..<8 {
                    let p = left[j &+ k] * right[j &+ k]
                    product[start &+ j &+ k] = p
                    v[k] = Double(p)
                }
                lane += v * v
                columnSums.add(v, chunk: j / 8)
            }
            for j in whole..<columns {
                let p = left[j] * right[j]
                product[start + j] = p
                tail += Double(p) * Double(p)
                columnSums.add(Double(p), tailColumn: j - whole)
            }
            rowSquares[row] = lane.inOrderSum + tail
        }
        return RowAndColumnSums(rowSquares: rowSquares, columnSums: columnSums.sums)
    }
}

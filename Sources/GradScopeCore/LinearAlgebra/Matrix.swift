/// A dense row-major matrix: element (i, j) is `elements[i * columns + j]`.
///
/// The storage is a Swift array, so every access outside the BLAS boundary is
/// bounds-checked; `BLASScalar` hands the storage to C only after checking shapes.
package struct Matrix<Scalar: BLASScalar>: Equatable, Sendable {
    /// Number of rows.
    package let rows: Int
    /// Number of columns.
    package let columns: Int
    /// The entries in row-major order; `count == rows * columns` always.
    package internal(set) var elements: [Scalar]

    /// A `rows` x `columns` matrix with every entry equal to `value`.
    package init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows) x \(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over the given row-major entries; throws unless `elements.count == rows * columns`.
    package init(rows: Int, columns: Int, elements: [Scalar]) throws(ShapeError) {
        guard rows >= 0, columns >= 0, elements.count == rows * columns else {
            throw ShapeError(
                "Matrix(rows: \(rows), columns: \(columns)) needs \(max(0, rows * columns)) elements, got "
                    + "\(elements.count)"
            )
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix over `elements` that the caller built with exactly rows x columns entries.
    init(rows: Int, columns: Int, exactly elements: [Scalar]) {
        precondition(
            rows >= 0 && columns >= 0 && elements.count == rows * columns,
            "Matrix: \(elements.count) elements for \(rows) x \(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The entry in row `row`, column `column` (bounds-checked).
    package subscript(row: Int, column: Int) -> Scalar {
        get {
            precondition(
                (0..<rows).contains(row) && (0..<columns).contains(column),
                "Matrix index (\(row), \(column)) out of \(rows) x \(columns)")
            return elements[row * columns + column]
        }
        set {
            precondition(
                (0..<rows).contains(row) && (0..<columns).contains(column),
                "Matrix index (\(row), \(column)) out of \(rows) x \(columns)")
            elements[row * columns + column] = newValue
        }
    }

    /// Row i times `factors[i]`, in place (offsets from the row's start with wrapping adds: the loop vectorises).
    package mutating func scaleRows(by factors: [Scalar]) {
        precondition(factors.count == rows, "scaleRows: \(factors.count) factors for \(rows) rows")
        let columns = columns
        var values = elements.mutableSpan
        for (row, factor) in factors.enumerated() {
            let start = row * columns
            for j in 0..<columns { values[start &+ j] *= factor }
        }
    }

    /// Column j times `factors[j]`, in place.
    package mutating func scaleColumns(by factors: [Scalar]) {
        precondition(factors.count == columns, "scaleColumns: \(factors.count) factors for \(columns) columns")
        let (rows, columns) = (rows, columns), factor = factors.span
        var values = elements.mutableSpan
        for row in 0..<rows {
            let start = row * columns
            for j in 0..<factor.count { values[start + j] *= factor[j] }
        }
    }

    /// The transpose, as a new matrix: copied in 32 x 32 tiles, so that both the reads and the
    /// strided writes stay within a few cache lines and pages at a time.
    package var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        let tile = 32
        let source = elements.span
        var target = result.elements.mutableSpan
        for rowStart in stride(from: 0, to: rows, by: tile) {
            for columnStart in stride(from: 0, to: columns, by: tile) {
                for i in rowStart..<min(rowStart + tile, rows) {
                    for j in columnStart..<min(columnStart + tile, columns) {
                        target[j * rows + i] = source[i * columns + j]
                    }
                }
            }
        }
        return result
    }

    /// The entries in another precision, rounded to nearest, into `out` (resized to the count, its storage
    /// reused when it has the room).
    package func convert<Other: BLASScalar>(into out: inout [Other]) {
        if out.count != elements.count { out = [Other](repeating: 0, count: elements.count) }
        let input = elements.span
        var output = out.mutableSpan
        for i in 0..<min(input.count, output.count) { output[i] = Other(input[i]) }
    }

    /// The same matrix in another precision, each entry rounded to nearest.
    package func converted<Other: BLASScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, columns: columns, exactly: elements.map { Other($0) })
    }

    /// The Frobenius norm sqrt(sum a_ij^2), accumulated in `Double` (no overflow for finite entries).
    package var frobeniusNorm: Double {
        ScaledNorm(of: elements).value ?? .infinity
    }

    /// The columns `range` of every row, as a rows x range.count matrix.
    package func columns(_ range: Range<Int>) -> Matrix {
        var result = Matrix(rows: rows, columns: range.count)
        for i in 0..<rows {
            for (k, j) in range.enumerated() { result.elements[i * range.count + k] = elements[i * columns + j] }
        }
        return result
    }

    /// `true` when the two matrices have the same shape.
    package func hasShape(of other: Matrix) -> Bool {
        rows == other.rows && columns == other.columns
    }
}

/// A shape mismatch or an impossible size handed to the linear-algebra layer.
package struct ShapeError: Error, CustomStringConvertible, Equatable {
    /// What was wrong, in words.
    package let description: String
    init(_ description: String) { self.description = description }
}

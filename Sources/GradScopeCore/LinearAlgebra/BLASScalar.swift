import RealModule

/// The scalars gradscope computes in: `Float` and `Double`.
///
/// Each conformance routes the typed matrix operations to the matching
/// single- or double-precision BLAS and LAPACK routine. Shapes are checked
/// in Swift before any pointer reaches C.
package protocol BLASScalar: BinaryFloatingPoint, Real, Sendable, Codable
where RawSignificand: FixedWidthInteger {
    /// C = alpha op(A) op(B) + beta C, with op(X) = X or X^T.
    /// The corresponding C functions are `cblas_sgemm` and `cblas_dgemm`.
    static func gemm(
        _ a: Matrix<Self>, transposeA: Bool, _ b: Matrix<Self>, transposeB: Bool,
        into c: inout Matrix<Self>, alpha: Self, beta: Self)

    /// `gemm` of row blocks read in place: one example's rows of a convolution's patches and deltas.
    static func gemm(
        _ a: RowBlock<Self>, transposeA: Bool, _ b: RowBlock<Self>, transposeB: Bool,
        into c: inout Matrix<Self>, alpha: Self, beta: Self)

    /// The QR factorisation A = QR of an m x n matrix with m >= n: Q (m x n,
    /// orthonormal columns) and the diagonal of R.
    /// The corresponding C functions are `LAPACKE_?geqrf` and `LAPACKE_?orgqr`.
    static func qr(_ a: Matrix<Self>) throws(LAPACKError) -> (q: Matrix<Self>, rDiagonal: [Self])

    /// The Gram matrix of A's columns, A^T A, or of its rows, A A^T; only the upper
    /// triangle of C is set. The corresponding C functions are `cblas_ssyrk` and `cblas_dsyrk`.
    static func gram(_ a: Matrix<Self>, of vectors: GramVectors, into c: inout Matrix<Self>)

    /// The singular values of A, largest first.
    /// The corresponding C functions are `LAPACKE_sgesdd` and `LAPACKE_dgesdd`.
    static func singularValues(_ a: Matrix<Self>) throws(LAPACKError) -> [Self]
}

/// A block of `rows` rows of `columns` contiguous entries in one array copied to another: row i starts at
/// source + i sourceStride there and at destination + i destinationStride here (`BLASScalar.move`).
package struct BlockMove: Sendable, Equatable {
    package var source: Int, sourceStride: Int
    package var destination: Int, destinationStride: Int
    package var rows: Int, columns: Int
}

/// Which vectors of a matrix a Gram matrix is formed from.
package enum GramVectors: Sendable {
    case columns, rows
}

/// A LAPACK routine returned a nonzero `info`.
package struct LAPACKError: Error, CustomStringConvertible, Equatable {
    /// The C routine, e.g. `LAPACKE_dgeqrf`.
    package let routine: String
    /// LAPACK's `info`: -i means argument i was illegal (or held NaN), i > 0 a numerical failure.
    package let info: Int32

    package var description: String {
        info < 0
            ? "\(routine) rejected argument \(-info) (illegal value or NaN in the input)"
            : "\(routine) failed to converge (info = \(info))"
    }
}

extension Matrix {
    /// op(A) op(B), a new matrix.
    package func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let rowsOut = transposeSelf ? columns : rows
        let columnsOut = transposeOther ? other.rows : other.columns
        var result = Matrix(rows: rowsOut, columns: columnsOut)
        Scalar.gemm(
            self, transposeA: transposeSelf, other, transposeB: transposeOther, into: &result, alpha: 1, beta: 0)
        return result
    }
}

/// The rows `range` of `matrix`, which a product reads in place (`BLASScalar.gemm`), without a copy.
package struct RowBlock<Scalar: BLASScalar> {
    package let matrix: Matrix<Scalar>
    package let range: Range<Int>

    /// The rows `range` of `matrix` (all of them by default); the range must lie within its rows.
    package init(_ matrix: Matrix<Scalar>, rows range: Range<Int>? = nil) {
        let range = range ?? 0..<matrix.rows
        precondition(
            range.lowerBound >= 0 && range.upperBound <= matrix.rows,
            "RowBlock: rows \(range) out of \(matrix.rows)")
        (self.matrix, self.range) = (matrix, range)
    }

    var rows: Int { range.count }
    var columns: Int { matrix.columns }
    /// The index in `matrix.elements` of the block's first entry.
    var offset: Int { range.lowerBound * matrix.columns }
}

/// Checks the shapes of a GEMM call and returns (m, n, k) of op(A) (m x k) times op(B) (k x n).
func gemmShape<Scalar>(
    _ a: RowBlock<Scalar>, _ transposeA: Bool, _ b: RowBlock<Scalar>, _ transposeB: Bool, _ c: Matrix<Scalar>
) -> (m: Int32, n: Int32, k: Int32) {
    let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
    precondition(k == kb, "gemm: inner dimensions differ: op(A) is \(m) x \(k), op(B) is \(kb) x \(n)")
    precondition(c.rows == m && c.columns == n, "gemm: C is \(c.rows) x \(c.columns), expected \(m) x \(n)")
    precondition(
        m <= Int(Int32.max) && n <= Int(Int32.max) && k <= Int(Int32.max), "gemm: dimension exceeds 32-bit BLAS")
    return (Int32(m), Int32(n), Int32(k))
}

/// The correlation between examples of one layer's pre-activations: for rows z_a, z_b of Z_l,
/// c_ab = <z_a, z_b> / (||z_a|| ||z_b||), the normalised off-diagonal of the batch's Gram matrix Z Z^T
/// (the quantity of mean-field theory's correlation map). Its mean and population standard deviation
/// over the B(B - 1)/2 pairs a < b.
package struct PairCorrelation: Equatable, Sendable {
    package var mean: Double
    package var std: Double

    package init(mean: Double, std: Double) { (self.mean, self.std) = (mean, std) }

    /// The statistics of the rows of `z` (rows that are all zero have no direction and are left out);
    /// nil with fewer than two such rows. In float64, from the smaller Gram matrix: batch <= width,
    /// G = Z Z^T and c_ab = G_ab / sqrt(G_aa G_bb); batch > width, with u_b = z_b / ||z_b|| and U their
    /// matrix, sum_{a != b} c_ab = ||sum_b u_b||^2 - m and sum_{a != b} c_ab^2 = ||U^T U||_F^2 - m.
    package init?<Scalar: BLASScalar>(rows z: Matrix<Scalar>) {
        var copy = [Double]()
        self.init(rows: z, copy: &copy)
    }

    /// The same, with `copy` the storage of the float64 copy of a float32 `z` (kept by the caller from one
    /// layer to the next, so that no layer allocates it afresh).
    package init?<Scalar: BLASScalar>(rows z: Matrix<Scalar>, copy: inout [Double]) {
        guard z.rows >= 2 else { return nil }
        var x: Matrix<Double>
        let converted = !(z is Matrix<Double>)
        if let double = z as? Matrix<Double> {
            x = double
        } else {
            z.convert(into: &copy)
            x = Matrix(rows: z.rows, columns: z.columns, exactly: copy)
            copy = []  // x owns the storage now (no copy on write), and hands it back below
        }
        defer { if converted { copy = x.elements } }
        var sums = Self.pairSums(x)
        if sums == nil {  // squares out of range (or NaN): bring the largest entry near 1 by a power of two, retry
            let largest = InRangeProduct.maxMagnitude(x.elements)
            guard largest.isFinite, largest > 0 else { return nil }
            let scale = Double(sign: .plus, exponent: -Int(largest.exponent), significand: 1)
            for i in x.elements.indices { x.elements[i] *= scale }
            sums = Self.pairSums(x)
        }
        guard let sums, sums.pairs > 0 else { return nil }
        let mean = sums.sum / sums.pairs
        self.init(mean: mean, std: max(0, sums.squares / sums.pairs - mean * mean).squareRoot())
    }

    /// The pair sums from the smaller Gram matrix; nil when a square leaves the float range (or is NaN) or
    /// fewer than two rows are nonzero.
    private static func pairSums(_ x: Matrix<Double>) -> (sum: Double, squares: Double, pairs: Double)? {
        guard let sums = x.rows <= x.columns ? pairSumsFromRows(x) : pairSumsFromColumns(x),
            sums.sum.isFinite, sums.squares.isFinite
        else { return nil }
        return sums
    }

    /// Whether a row's sum of squares is exact enough to normalise by: 0, or a normal number well inside the range.
    private static func inRange(_ square: Double) -> Bool { square == 0 || (square > 1e-290 && square < 1e290) }

    /// sum over ordered pairs a != b of c_ab and of c_ab^2, and the pair count, from G = X X^T (batch x batch).
    private static func pairSumsFromRows(_ x: Matrix<Double>) -> (sum: Double, squares: Double, pairs: Double)? {
        let b = x.rows
        var gram = Matrix<Double>(rows: b, columns: b)
        Double.gram(x, of: .rows, into: &gram)  // the upper triangle
        for a in 0..<b where !inRange(gram.elements[a * b + a]) { return nil }
        let inverse = (0..<b).map { a in gram.elements[a * b + a] > 0 ? 1 / gram.elements[a * b + a].squareRoot() : 0 }
        let m = Double(inverse.filter { $0 > 0 }.count)
        var (sum, squares) = (0.0, 0.0)
        for a in 0..<b where inverse[a] > 0 {
            for c in (a + 1)..<b where inverse[c] > 0 {
                let r = gram.elements[a * b + c] * inverse[a] * inverse[c]
                sum += r
                squares += r * r
            }
        }
        return m >= 2 ? (2 * sum, 2 * squares, m * (m - 1)) : nil
    }

    /// The same sums from the unit rows' column Gram matrix U^T U (width x width) and their sum.
    private static func pairSumsFromColumns(_ x: Matrix<Double>) -> (sum: Double, squares: Double, pairs: Double)? {
        let n = x.columns
        let squares = Kernels.rowSquares(x.elements, columns: n)
        guard squares.allSatisfy(inRange) else { return nil }
        let kept = squares.indices.filter { squares[$0] > 0 }, m = kept.count
        guard m >= 2 else { return nil }
        var unit = m == x.rows ? x : x.gatheringRows(kept)  // the nonzero rows, divided by their norms
        unit.scaleRows(by: kept.map { 1 / squares[$0].squareRoot() })
        let total = unit.columnSums
        var gram = Matrix<Double>(rows: n, columns: n)
        Double.gram(unit, of: .columns, into: &gram)
        var frobenius = 0.0  // ||U^T U||_F^2 from the upper triangle
        for i in 0..<n {
            frobenius += gram.elements[i * n + i] * gram.elements[i * n + i]
            for j in (i + 1)..<n { frobenius += 2 * gram.elements[i * n + j] * gram.elements[i * n + j] }
        }
        let count = Double(m)
        return (total.reduce(0) { $0 + $1 * $1 } - count, frobenius - count, count * (count - 1))
    }
}

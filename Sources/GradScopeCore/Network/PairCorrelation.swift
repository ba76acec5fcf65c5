/// The correlation between examples of one layer's pre-activations: for rows z_a, z_b of Z_l,
/// c_ab = <z_a, z_b> / (||z_a|| ||z_b||), the normalised off-diagonal of the batch's Gram matrix Z Z^T
/// (the quantity of mean-field theory's correlation map). Its mean and population standard deviation
/// over the B(B - 1)/2 pairs a < b.
package struct PairCorrelation: Equatable, Sendable {
    package var mean: Double
    package var std: Double

    package init(mean: Double, std: Double) { (self.mean, self.std) = (mean, std) }

    /// The statistics of the rows of `z` (rows that are all zero have no direction and are left out);
    /// nil with fewer than two such rows. With u_b = z_b / ||z_b|| and U their matrix:
    /// sum_{a != b} c_ab = ||sum_b u_b||^2 - m and sum_{a != b} c_ab^2 = ||U^T U||_F^2 - m, the Gram
    /// matrix taken over the smaller side (width x width or batch x batch), in float64.
    package init?<Scalar: BLASScalar>(rows z: Matrix<Scalar>) {
        let (rows, n) = (z.rows, z.columns)
        // a power of two that brings the largest entry near 1, so that no square leaves the range
        let largest = InRangeProduct.maxMagnitude(z.elements)
        guard largest.isFinite, largest > 0 else { return nil }
        let shift = -Int(largest.exponent)
        var unit = [Double](), sum = [Double](repeating: 0, count: n)
        unit.reserveCapacity(rows * n)
        for b in 0..<rows {
            var square = 0.0
            for j in 0..<n {
                let v = Double.scaleNormal(Double(z.elements[b * n + j]), shift)
                square += v * v
            }
            guard square > 0 else { continue }
            let scale = 1 / square.squareRoot()
            for j in 0..<n {
                let u = Double.scaleNormal(Double(z.elements[b * n + j]), shift) * scale
                unit.append(u)
                sum[j] += u
            }
        }
        let m = unit.count / max(1, n)
        guard m >= 2 else { return nil }
        let u = Matrix(rows: m, columns: n, exactly: unit)
        let side = min(m, n)
        var gram = Matrix<Double>(rows: side, columns: side)
        Double.gram(u, of: m <= n ? .rows : .columns, into: &gram)
        var squares = 0.0  // ||U^T U||_F^2 from the upper triangle
        for i in 0..<side {
            squares += gram.elements[i * side + i] * gram.elements[i * side + i]
            for j in (i + 1)..<side { squares += 2 * gram.elements[i * side + j] * gram.elements[i * side + j] }
        }
        let pairs = Double(m * (m - 1))
        let mean = (sum.reduce(0) { $0 + $1 * $1 } - Double(m)) / pairs
        let meanSquare = (squares - Double(m)) / pairs
        self.init(mean: mean, std: max(0, meanSquare - mean * mean).squareRoot())
    }
}

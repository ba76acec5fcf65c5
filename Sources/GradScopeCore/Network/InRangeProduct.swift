/// Products that are exact to the float range, whatever the BLAS kernel does with an overflow.
///
/// A GEMM of finite factors can return inf or NaN although the true product is finite (a partial
/// sum overflows and a later term of the other sign turns it into inf - inf), and two kernels that
/// sum in different orders then spell the same overflow as inf on one machine and NaN on another.
/// gradscope recomputes such a product with one factor scaled down by a power of two, 2^-s, chosen
/// so that no partial sum can leave the range in any summation order:
/// sum_k |a_ik| |b_kj| < k_max 2^(e_a + 1) 2^(e_b + 1) <= 2^(maxExponent - 1) after scaling,
/// with e_a, e_b the binary exponents of the largest magnitudes. The true result is the scaled one
/// times 2^s, which is exact (a power of two) unless it leaves the range: that, and only that, is
/// an overflow.
enum InRangeProduct {
    /// The shift s >= 1 that keeps every partial sum of (2^-s A) B (inner dimension `inner`)
    /// below half the largest finite `S`, given max |A| and max |B| (both finite, in `Double`).
    static func shift<S: BLASScalar>(_: S.Type, maxA: Double, maxB: Double, inner: Int) -> Int {
        guard maxA > 0, maxB > 0 else { return 1 }
        let bound = Int(maxA.exponent) + Int(maxB.exponent) + 2 + (Int.bitWidth - max(0, inner - 1).leadingZeroBitCount)
        return max(1, bound - (Int(S.greatestFiniteMagnitude.exponent) - 1))
    }

    /// The largest |x| of `values` in `Double`: NaN if any entry is NaN, infinity if any is infinite.
    static func maxMagnitude<S: BLASScalar>(_ values: [S]) -> Double {
        var largest = 0.0
        for v in values {
            let m = Swift.abs(Double(v))
            if m.isNaN { return .nan }
            largest = Swift.max(largest, m)
        }
        return largest
    }

    /// The status of factors whose largest magnitudes are not all finite: NaN stays `nan`, an infinity
    /// (a value that already left the range) is `overflow`; nil when all are finite.
    static func status(ofFactors magnitudes: Double...) -> RunStatus? { status(ofFactors: magnitudes) }

    /// The same for an array of magnitudes.
    static func status(ofFactors magnitudes: [Double]) -> RunStatus? {
        if magnitudes.contains(where: \.isNaN) { return .nan }
        if magnitudes.contains(where: \.isInfinite) { return .overflow }
        return nil
    }
}

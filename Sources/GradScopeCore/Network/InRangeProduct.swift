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
    static func status(ofFactors magnitudes: Double...) -> RunStatus? {
        if magnitudes.contains(where: \.isNaN) { return .nan }
        if magnitudes.contains(where: \.isInfinite) { return .overflow }
        return nil
    }
}

extension Network {
    /// scratch = x W_l + b_l recomputed after the kernel returned a non-finite Z_l from finite
    /// factors: with x and b_l scaled by 2^-s (see `InRangeProduct`), then scaled back.
    /// `ok` with the true Z_l in `scratch` when it lies in the float range, `overflow` when it does not,
    /// `nan` when x or W_l holds NaN.
    func affineInRange(_ x: Matrix<Scalar>, _ layer: Int) -> RunStatus {
        let maxX = InRangeProduct.maxMagnitude(x.elements),
            maxW = InRangeProduct.maxMagnitude(weights[layer - 1].elements)
        let maxBias = InRangeProduct.maxMagnitude(biases[layer - 1])
        if let status = InRangeProduct.status(ofFactors: maxX, maxW, maxBias) { return status }
        let s = InRangeProduct.shift(Scalar.self, maxA: maxX, maxB: maxW, inner: x.columns)
        var scaledInput = x, scaledBias = biases[layer - 1]
        Kernels.scaleByPowerOfTwo(&scaledInput.elements, -s)
        Kernels.scaleByPowerOfTwo(&scaledBias, -s)
        Scalar.gemm(
            scaledInput, transposeA: false, weights[layer - 1], transposeB: false, into: &scratch, alpha: 1, beta: 0)
        Kernels.addBias(scaledBias, to: &scratch.elements, columns: cell.width)
        Kernels.scaleByPowerOfTwo(&scratch.elements, s)
        return InRangeProduct.maxMagnitude(scratch.elements).isFinite ? .ok : .overflow
    }

    /// scratch = D_l W_l^T (residual: G_l + (D_l W_l^T) * phi'(H_{l-1})) recomputed after the kernel
    /// returned a non-finite G_{l-1}, with D_l (and G_l) scaled by 2^-s; returns s, to be added to the
    /// backward pass's exponent, or the status when D_l, G_l or W_l is not finite.
    func backwardProductInRange(_ layer: Int) -> (shift: Int, status: RunStatus) {
        let maxD = InRangeProduct.maxMagnitude(delta.elements),
            maxW = InRangeProduct.maxMagnitude(weights[layer - 1].elements)
        let residual = cell.architecture == .residual
        let maxG = residual ? InRangeProduct.maxMagnitude(gradient.elements) : 0
        if let status = InRangeProduct.status(ofFactors: maxD, maxW, maxG) { return (0, status) }
        // Residual: two more bits, for the sum with G_l and a slope phi' of up to 2 (selu's is 1.76).
        let s =
            InRangeProduct.shift(Scalar.self, maxA: Swift.max(maxD, maxG), maxB: Swift.max(maxW, 1), inner: cell.width)
            + (residual ? 2 : 0)
        var scaledDelta = delta
        Kernels.scaleByPowerOfTwo(&scaledDelta.elements, -s)
        Scalar.gemm(
            scaledDelta, transposeA: false, weights[layer - 1], transposeB: true, into: &scratch, alpha: 1, beta: 0)
        if residual {
            var scaledGradient = gradient
            Kernels.scaleByPowerOfTwo(&scaledGradient.elements, -s)
            Kernels.residualBackward(
                gradient: scaledGradient.elements, slopes: slopes[layer - 1].elements, accumulated: &scratch.elements)
        }
        return (s, InRangeProduct.maxMagnitude(scratch.elements).isFinite ? .ok : .overflow)
    }
}

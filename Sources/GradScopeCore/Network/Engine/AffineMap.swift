/// The affine part of layer l: x -> x W_l + b_l, plus x_t U at step t of a recurrent network (the
/// parameters one layer reads).
package struct AffineMap<Scalar: BLASScalar> {
    var weights: Matrix<Scalar>
    let bias: [Scalar]
    var drive: InputDrive<Scalar>? = nil
    /// GRU: the candidate's recurrent bias b_hn (added inside the reset gate, not by `apply`); empty otherwise.
    var hiddenBias: [Scalar] = []

    /// out = x W_l + b_l (+ x_t U).
    func apply(_ x: Matrix<Scalar>, into out: inout Matrix<Scalar>) {
        var beta: Scalar = 0
        if let drive {
            Scalar.gemm(drive.input, transposeA: false, drive.weights, transposeB: false, into: &out, alpha: 1, beta: 0)
            beta = 1
        }
        Scalar.gemm(x, transposeA: false, weights, transposeB: false, into: &out, alpha: 1, beta: beta)
        Kernels.addBias(bias, to: &out.elements, columns: weights.columns)
    }

    /// out = x W_l + b_l (+ x_t U) recomputed after the kernel returned a non-finite result from finite
    /// factors: with x, b_l (and x_t) scaled by 2^-s (see `InRangeProduct`; one bit more for the sum of
    /// two products), then scaled back. `ok` with the true value in `out` when it lies in the float
    /// range, `overflow` when it does not, `nan` when a factor holds NaN.
    func applyInRange(_ x: Matrix<Scalar>, into out: inout Matrix<Scalar>) -> RunStatus {
        let maxX = InRangeProduct.maxMagnitude(x.elements), maxW = InRangeProduct.maxMagnitude(weights.elements)
        let maxBias = InRangeProduct.maxMagnitude(bias)
        let maxInput = drive.map { InRangeProduct.maxMagnitude($0.input.elements) } ?? 0
        let maxU = drive.map { InRangeProduct.maxMagnitude($0.weights.elements) } ?? 0
        if let status = InRangeProduct.status(ofFactors: maxX, maxW, maxBias, maxInput, maxU) { return status }
        var s = InRangeProduct.shift(Scalar.self, maxA: maxX, maxB: maxW, inner: x.columns)
        if let drive {
            s = max(s, InRangeProduct.shift(Scalar.self, maxA: maxInput, maxB: maxU, inner: drive.input.columns)) + 1
        }
        var scaledInput = x, scaledBias = bias, scaledDrive = drive
        Kernels.scaleByPowerOfTwo(&scaledInput.elements, -s)
        Kernels.scaleByPowerOfTwo(&scaledBias, -s)
        if let drive {
            var input = drive.input
            Kernels.scaleByPowerOfTwo(&input.elements, -s)
            scaledDrive = InputDrive(input: input, weights: drive.weights)
        }
        AffineMap(weights: weights, bias: scaledBias, drive: scaledDrive).apply(scaledInput, into: &out)
        Kernels.scaleByPowerOfTwo(&out.elements, s)
        return InRangeProduct.maxMagnitude(out.elements).isFinite ? .ok : .overflow
    }
}

extension Matrix {
    /// A 0 x 0 matrix: a buffer a kind does not use.
    static var empty: Matrix { Matrix(rows: 0, columns: 0) }

    /// Every entry times 2^n (exact).
    mutating func scaleByPowerOfTwo(_ n: Int) { Kernels.scaleByPowerOfTwo(&elements, n) }
}

/// The elementwise work of a pass, over whole buffers: each kernel reads
/// arrays and writes one, so that callers hold one exclusive access per call.
package enum Kernels {
    /// values = phi(z), slopes = phi'(z); returns the statistics of `values` and
    /// `slopes`, or a non-`ok` status when z holds NaN or infinity.
    static func activate<S: BLASScalar>(
        _ activation: Activation, _ z: [S], values: inout [S], slopes: inout [S]
    ) -> (RunStatus, ActivationStatistics) {
        evaluate(activation, z, values: &values, slopes: &slopes)
        return statistics(activation, z, values, slopes)
    }

    /// values = phi(z), slopes = phi'(z), without statistics (the forward pass's loop, which the theory's
    /// quadratures share).
    static func evaluate<S: BLASScalar>(_ activation: Activation, _ z: [S], values: inout [S], slopes: inout [S]) {
        // One specialised copy of the elementwise loop per activation (a type, not a value, so
        // the switch inside `valueAndDerivative` folds away and the loop vectorises).
        switch activation {
        case .sigmoid: evaluate(Fixed.Sigmoid.self, z, &values, &slopes)
        case .tanh: evaluate(Fixed.Tanh.self, z, &values, &slopes)
        case .relu: evaluate(Fixed.Relu.self, z, &values, &slopes)
        case .leakyRelu: evaluate(Fixed.LeakyRelu.self, z, &values, &slopes)
        case .elu: evaluate(Fixed.Elu.self, z, &values, &slopes)
        case .selu: evaluate(Fixed.Selu.self, z, &values, &slopes)
        case .gelu: evaluate(Fixed.Gelu.self, z, &values, &slopes)
        case .silu: evaluate(Fixed.Silu.self, z, &values, &slopes)
        case .softplus: evaluate(Fixed.Softplus.self, z, &values, &slopes)
        case .linear: evaluate(Fixed.Linear.self, z, &values, &slopes)
        }
    }

    /// values = phi(z), slopes = phi'(z) for the activation `A` stands for.
    private static func evaluate<A: FixedActivation, S: BLASScalar>(
        _: A.Type, _ z: [S], _ values: inout [S], _ slopes: inout [S]
    ) {
        let input = z.span
        var output = values.mutableSpan, derivative = slopes.mutableSpan
        for i in 0..<min(input.count, output.count, derivative.count) {
            (output[i], derivative[i]) = A.activation.valueAndDerivative(input[i])
        }
    }

    /// The statistics of a layer from its values and slopes, or the status of a non-finite z. The sums
    /// run in eight interleaved lanes (element i in lane i mod 8, the lanes added in a fixed order):
    /// the same bits on every run and build, and a loop that vectorises. z * 0 is 0 exactly when z is
    /// finite, so one lane sum of it tells whether any z is NaN or infinite.
    private static func statistics<S: BLASScalar>(
        _ activation: Activation, _ z: [S], _ values: [S], _ slopes: [S]
    ) -> (RunStatus, ActivationStatistics) {
        let threshold = SIMD8<Double>(repeating: activation.saturationThreshold)
        // Spans of exactly n elements, so the compiler sees every index below in range and loads whole vectors.
        let n = min(z.count, values.count, slopes.count), whole = n - n % 8
        guard n > 0 else { return (.ok, .zero) }
        let input = z.span.extracting(0..<n), output = values.span.extracting(0..<n),
            derivative = slopes.span.extracting(0..<n)
        let shift = Double(output[0])
        var sum = SIMD8<Double>(), squares = sum, saturated = sum, nonFinite = sum
        for start in stride(from: 0, to: whole, by: 8) {
            var d = SIMD8<Double>(), slope = d, zero = d
            for k in 0..<8 {
                d[k] = Double(output[start &+ k]) - shift
                slope[k] = Swift.abs(Double(derivative[start &+ k]))
                zero[k] = Double(input[start &+ k]) * 0
            }
            sum += d
            squares += d * d
            saturated += SIMD8<Double>().replacing(with: 1, where: slope .< threshold)
            nonFinite += zero
        }
        for i in whole..<n {
            let d = Double(output[i]) - shift, k = i - whole
            sum[k] += d
            squares[k] += d * d
            saturated[k] += Swift.abs(Double(derivative[i])) < threshold[k] ? 1 : 0
            nonFinite[k] += Double(input[i]) * 0
        }
        guard nonFinite.inOrderSum == 0 else { return (z.contains { $0.isNaN } ? .nan : .overflow, .zero) }
        let count = Double(n), mean = sum.inOrderSum / count
        let variance = Swift.max(0, squares.inOrderSum / count - mean * mean)
        return (
            .ok,
            ActivationStatistics(
                mean: shift + mean, std: variance.squareRoot(), saturatedFraction: saturated.inOrderSum / count)
        )
    }

    /// Each row's sum of squares of the row-major `values` (`columns` per row), in float64:
    /// per row eight interleaved lanes added in a fixed order, so the same bits on every run
    /// and build, and a loop that vectorises.
    package static func rowSquares<S: BLASScalar>(_ values: [S], columns: Int) -> [Double] {
        let v = values.span
        let rowCount = columns > 0 ? v.count / columns : 0, whole = columns - columns % 8
        var result = [Double](repeating: 0, count: rowCount)
        var squares = result.mutableSpan
        for row in 0..<rowCount {
            // exactly `columns` long: no index checks left in the loop
            let r = v.extracting((row * columns)..<((row + 1) * columns))
            var lane = SIMD8<Double>(), tail = 0.0
            for j in stride(from: 0, to: whole, by: 8) {
                var x = SIMD8<Double>()
                for k in 0..<8 { x[k] = Double(r[j &+ k]) }
                lane += x * x
            }
            for j in whole..<columns { tail += Double(r[j]) * Double(r[j]) }
            squares[row] = lane.inOrderSum + tail
        }
        return result
    }

    /// Adds the row vector `bias` to every row of the row-major `matrix` with `columns` columns.
    static func addBias<S: BLASScalar>(_ bias: [S], to matrix: inout [S], columns: Int) {
        guard bias.contains(where: { $0 != 0 }) else { return }
        for start in stride(from: 0, to: matrix.count, by: columns) {
            for j in 0..<columns { matrix[start + j] += bias[j] }
        }
    }

    /// out = previous + scale * branch (the residual update); non-`ok` if it overflows.
    static func residualAdd<S: BLASScalar>(_ previous: [S], _ branch: [S], scale: S, into out: inout [S]) -> RunStatus {
        var status = RunStatus.ok
        for i in previous.indices {
            let v = previous[i] + scale * branch[i]
            out[i] = v
            if !v.isFinite { status = v.isNaN ? .nan : .overflow }
        }
        return status
    }

    /// out = a * b elementwise.
    package static func multiply<S: BLASScalar>(_ a: [S], _ b: [S], into out: inout [S]) {
        for i in a.indices { out[i] = a[i] * b[i] }
    }

    /// a *= b elementwise, in place.
    static func multiply<S: BLASScalar>(_ a: inout [S], by b: [S]) {
        for i in a.indices { a[i] *= b[i] }
    }

    /// out += a elementwise.
    static func add<S: BLASScalar>(_ a: [S], to out: inout [S]) {
        for i in a.indices { out[i] += a[i] }
    }

    /// out = scale * a.
    static func scale<S: BLASScalar>(_ a: [S], by scale: S, into out: inout [S]) {
        for i in a.indices { out[i] = scale * a[i] }
    }

    /// accumulated = gradient + accumulated * slopes: G_{l-1} of a residual block.
    static func residualBackward<S: BLASScalar>(gradient: [S], slopes: [S], accumulated: inout [S]) {
        for i in gradient.indices { accumulated[i] = gradient[i] + accumulated[i] * slopes[i] }
    }

    /// Multiplies `values` by a power of two so that their norm lies in [1, 2), and
    /// returns that power k (true values = stored values x 2^k) with the norm of the
    /// stored values, or the status when the values hold NaN or infinity. Zero stays zero (k = 0).
    static func normalize<S: BLASScalar>(_ values: inout [S]) -> (exponent: Int, norm: ScaledNorm, status: RunStatus) {
        let norm = ScaledNorm(of: values)
        guard norm.status == .ok else { return (0, norm, norm.status) }
        guard norm.significand > 0 else { return (0, norm, .ok) }
        let k = norm.exponent + Int(norm.significand.exponent)
        scaleByPowerOfTwo(&values, -k)
        // Scaling by a power of two is exact, so the stored norm is the norm times 2^-k.
        return (k, norm.scaled(byPowerOfTwo: -k), .ok)
    }

    /// values *= 2^n, in steps of at most 2^60 so every factor is exact in `S`.
    static func scaleByPowerOfTwo<S: BLASScalar>(_ values: inout [S], _ n: Int) {
        var remaining = n
        while remaining != 0 {
            let step = max(-60, min(60, remaining))
            let factor = S(sign: .plus, exponent: S.Exponent(step), significand: 1)
            for i in values.indices { values[i] *= factor }
            remaining -= step
        }
    }
}

extension ActivationStatistics {
    static let zero = ActivationStatistics(mean: 0, std: 0, saturatedFraction: 0)
}

extension Matrix {
    /// The sum of each column, accumulated in float64 row after row, eight columns at a time.
    package var columnSums: [Double] { columnSums(rows: 0..<rows) }

    /// The column sums of the rows `range` alone (one example's position rows).
    package func columnSums(rows range: Range<Int>) -> [Double] {
        let v = elements.span, whole = columns - columns % 8
        var sums = ColumnAccumulator(columns: columns)
        for row in range {
            let r = v.extracting((row * columns)..<((row + 1) * columns))  // exactly `columns` long: whole-vector loads
            for j in stride(from: 0, to: whole, by: 8) {
                var x = SIMD8<Double>()
                for k in 0..<8 { x[k] = Double(r[j &+ k]) }
                sums.add(x, chunk: j / 8)
            }
            for j in whole..<columns { sums.add(Double(r[j]), tailColumn: j - whole) }
        }
        return sums.sums
    }
}

/// An activation fixed at compile time: a type whose loops the compiler specialises.
protocol FixedActivation {
    static var activation: Activation { get }
}

/// One `FixedActivation` per activation.
enum Fixed {
    enum Sigmoid: FixedActivation { static var activation: Activation { .sigmoid } }
    enum Tanh: FixedActivation { static var activation: Activation { .tanh } }
    enum Relu: FixedActivation { static var activation: Activation { .relu } }
    enum LeakyRelu: FixedActivation { static var activation: Activation { .leakyRelu } }
    enum Elu: FixedActivation { static var activation: Activation { .elu } }
    enum Selu: FixedActivation { static var activation: Activation { .selu } }
    enum Gelu: FixedActivation { static var activation: Activation { .gelu } }
    enum Silu: FixedActivation { static var activation: Activation { .silu } }
    enum Softplus: FixedActivation { static var activation: Activation { .softplus } }
    enum Linear: FixedActivation { static var activation: Activation { .linear } }
}

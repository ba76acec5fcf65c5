import RealModule

/// A non-negative number stored as significand x 2^exponent, so that norms far
/// outside `Double`'s range (1e-1250 after 2,000 sigmoid layers) stay exact.
package struct ScaledNorm: Equatable, Sendable, Codable {
    /// The significand, finite and >= 0.
    package let significand: Double
    /// The binary exponent carried beside it.
    package let exponent: Int

    /// significand x 2^exponent.
    package init(significand: Double, exponent: Int = 0) {
        self.significand = significand
        self.exponent = exponent
    }

    /// The Euclidean (Frobenius) norm of `values`, accumulated in `Double`: one pass
    /// when the sum of squares stays comfortably in range (the usual case, since the
    /// backward pass keeps its signals near norm 1), else a second pass that scales
    /// the entries by a power of two first.
    package init<S: BinaryFloatingPoint>(of values: [S]) {
        self.init(sumOfSquares: ScaledNorm.sumOfSquares(values), of: values)
    }

    /// The norm of `values` from their sum of squares `sum` already accumulated in `Double`;
    /// `values` are read again only when `sum` is out of comfortable range.
    init<S: BinaryFloatingPoint>(sumOfSquares sum: Double, of values: [S]) {
        if sum.isNaN {
            self.init(significand: .nan)
        } else if sum.isFinite, sum > 0x1p-900 {
            self.init(significand: sum.squareRoot())
        } else {
            self.init(rescaling: values)
        }
    }

    /// sum v^2 in `Double`, in eight interleaved partial sums (element i goes to sum i mod 8, the
    /// eight added at the end in a fixed order): a fixed order, so the same bits on every build,
    /// and eight independent additions per step instead of one chain, so the loop vectorises.
    static func sumOfSquares<S: BinaryFloatingPoint>(_ values: [S]) -> Double {
        var partial = SIMD8<Double>()
        let input = values.span, whole = input.count - input.count % 8
        for start in stride(from: 0, to: whole, by: 8) {
            var v = SIMD8<Double>()
            for k in 0..<8 { v[k] = Double(input[start &+ k]) }
            partial += v * v
        }
        var sum = partial.inOrderSum
        for i in whole..<input.count { sum += Double(input[i]) * Double(input[i]) }
        return sum
    }

    /// The norm by two passes: the largest magnitude, then the sum of squares scaled by a power of two.
    private init<S: BinaryFloatingPoint>(rescaling values: [S]) {
        var largest = 0.0
        for v in values {
            let magnitude = Swift.abs(Double(v))
            guard !magnitude.isNaN else {
                self.init(significand: .nan)
                return
            }
            largest = Swift.max(largest, magnitude)
        }
        guard largest > 0, largest.isFinite else {
            self.init(significand: largest)
            return
        }
        // Scale by a power of two (exact) so the largest entry is near 1.
        let shift = -largest.exponent
        var sum = 0.0
        for v in values {
            let x = Double.scaleNormal(Double(v), shift)
            sum += x * x
        }
        self.init(significand: sum.squareRoot(), exponent: -shift)
    }

    /// log10 of the number: exact at any exponent; `nil` for zero or non-finite.
    package var log10: Double? {
        guard significand > 0, significand.isFinite else { return nil }
        return Double.log10(significand) + Double(exponent) * Double.log10(2)
    }

    /// The number as a `Double` when it lies in about [1e-300, 1e300], else `nil`.
    package var value: Double? {
        guard significand.isFinite else { return nil }
        if significand == 0 { return 0 }
        guard let l = log10, l > -300, l < 300 else { return nil }
        return Double.scaleNormal(significand, exponent)
    }

    /// This norm times 2^shift.
    package func scaled(byPowerOfTwo shift: Int) -> ScaledNorm {
        ScaledNorm(significand: significand, exponent: exponent + shift)
    }
}

extension SIMD8 where Scalar == Double {
    /// Lane 0 + lane 1 + ... + lane 7, added left to right (a fixed order, unlike `sum()`'s unspecified one).
    var inOrderSum: Double {
        var total = 0.0
        for k in 0..<8 { total += self[k] }
        return total
    }
}

extension Double {
    /// x * 2^n computed in steps that stay normal, exact unless the result is subnormal.
    static func scaleNormal(_ x: Double, _ n: Int) -> Double {
        var result = x
        var remaining = n
        while remaining > 1000 {
            result *= 0x1p1000
            remaining -= 1000
        }
        while remaining < -1000 {
            result *= 0x1p-1000
            remaining += 1000
        }
        return result * Double(sign: .plus, exponent: remaining, significand: 1)
    }
}

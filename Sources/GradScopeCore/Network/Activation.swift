import RealModule

/// The elementwise nonlinearity phi of every layer, with its derivative phi'.
///
/// Every formula is written to stay accurate over the whole floating-point
/// range: no overflow in `exp` for |x| > 700, no cancellation in 1 - tanh^2 or
/// s (1 - s), so that saturated units report their true, tiny derivative.
package enum Activation: String, CaseIterable, Codable, Sendable {
    /// 1 / (1 + e^-x); phi' = s (1 - s) <= 1/4.
    case sigmoid
    /// tanh x; phi' = 1 / cosh^2 x.
    case tanh
    /// max(0, x); phi'(x) = 1 for x > 0, else 0.
    case relu
    /// x for x > 0, else 0.01 x.
    case leakyRelu = "leaky_relu"
    /// x for x > 0, else e^x - 1 (alpha = 1).
    case elu
    /// lambda (x for x > 0, else alpha (e^x - 1)), Klambauer et al. 2017.
    case selu
    /// x Phi(x), the exact (erf) form of Hendrycks & Gimpel 2016.
    case gelu
    /// x sigmoid(x) (swish with beta = 1).
    case silu
    /// ln(1 + e^x); phi' = sigmoid(x).
    case softplus
    /// x.
    case linear

    /// The slope of `leaky_relu` for x <= 0.
    package static let leakySlope = 0.01
    /// SELU's alpha and lambda (Klambauer et al. 2017).
    package static let seluAlpha = 1.6732632423543772848170429916717
    package static let seluLambda = 1.0507009873554804934193349852946

    /// phi(x).
    @inlinable
    package func value<T: Real & BinaryFloatingPoint>(_ x: T) -> T {
        switch self {
        case .sigmoid: return Activation.logistic(x)
        case .tanh: return T.tanh(x)
        case .relu: return x > 0 ? x : 0
        case .leakyRelu: return x > 0 ? x : T(Activation.leakySlope) * x
        case .elu: return x > 0 ? x : T.expMinusOne(x)
        case .selu: return T(Activation.seluLambda) * (x > 0 ? x : T(Activation.seluAlpha) * T.expMinusOne(x))
        case .gelu: return x * Activation.normalCDF(x)
        case .silu: return x * Activation.logistic(x)
        case .softplus: return Swift.max(x, 0) + T.log(onePlus: T.exp(-Swift.abs(x)))
        case .linear: return x
        }
    }

    /// phi'(x). At the kink of relu and leaky relu (x = 0) the left derivative is used.
    @inlinable
    package func derivative<T: Real & BinaryFloatingPoint>(_ x: T) -> T {
        switch self {
        case .sigmoid: return Activation.logisticDerivative(x)
        case .softplus: return Activation.logistic(x)
        case .tanh:
            // 1/cosh^2 x = 4 e^{-2|x|} / (1 + e^{-2|x|})^2: no cancellation when saturated.
            let e = T.exp(-2 * Swift.abs(x))
            let d = 1 + e
            return 4 * e / (d * d)
        case .relu: return x > 0 ? 1 : 0
        case .leakyRelu: return x > 0 ? 1 : T(Activation.leakySlope)
        case .elu: return x > 0 ? 1 : T.exp(x)
        case .selu: return T(Activation.seluLambda) * (x > 0 ? 1 : T(Activation.seluAlpha) * T.exp(x))
        case .gelu:
            // Phi(x) + x phi(x), phi the standard normal density.
            return Activation.normalCDF(x) + x * T.exp(-x * x / 2) / T.sqrt(2 * T.pi)
        case .silu:
            // s + x s (1 - s) with 1 - s = sigmoid(-x).
            let s = Activation.logistic(x)
            return s + x * Activation.logisticDerivative(x)
        case .linear: return 1
        }
    }

    /// (phi(x), phi'(x)) together, sharing one exponential where the two need the same one
    /// (sigmoid, tanh, silu, softplus): the forward pass's inner loop.
    @inlinable @inline(__always)
    package func valueAndDerivative<T: Real & BinaryFloatingPoint>(_ x: T) -> (T, T) {
        switch self {
        case .sigmoid, .softplus, .silu:
            // In float64 whatever T is: one vectorisable exponential (`Exponential`).
            let z = Double(x)
            let (scale, p) = Exponential.parts(-Swift.abs(z))
            let e = scale + scale * p, inverse = 1 / (1 + e)
            let s = T(z >= 0 ? inverse : e * inverse)  // sigmoid(x)
            let slope = T(e * inverse * inverse)  // sigmoid'(x)
            switch self {
            case .sigmoid: return (s, slope)
            case .softplus: return (Swift.max(x, 0) + T(Double.log(onePlus: e)), s)
            default: return (x * s, s + x * slope)
            }
        case .tanh:
            // With e = e^{-2|x|} and t = e - 1 (both from one `Exponential`, so no cancellation
            // near 0) and one reciprocal r = 1/(1 + e): tanh|x| = -t r, 1/cosh^2 x = 4e r^2.
            let z = Double(x)
            let (scale, p) = Exponential.parts(-2 * Swift.abs(z))
            let t = scale * p + (scale - 1), e = scale * p + scale
            let r = 1 / (1 + e)
            let magnitude = -t * r, slope = 4 * e * r * r
            return (T(z < 0 ? -magnitude : magnitude), T(slope))
        default:
            return (value(x), derivative(x))
        }
    }

    /// sup_x phi'(x): the reference for `saturated_fraction` (phi' < 0.05 of it).
    package var maximumDerivative: Double {
        switch self {
        case .sigmoid: return 0.25
        case .tanh, .relu, .leakyRelu, .elu, .linear, .softplus: return 1
        case .selu: return Activation.seluLambda * Activation.seluAlpha
        case .gelu:
            // At x = sqrt(2): Phi(sqrt 2) + sqrt(2) phi(sqrt 2).
            let r = 2.0.squareRoot()
            return Activation.normalCDF(r) + r * Double.exp(-1) / Double.sqrt(2 * Double.pi)
        case .silu: return Activation.siluMaximumDerivative
        }
    }

    /// A unit counts as saturated (dead, for relu) when |phi'(z)| < this threshold.
    /// (gelu and silu have slightly negative slopes left of zero; a slope of -0.1
    /// passes gradient as well as +0.1, so the magnitude is compared.)
    package var saturationThreshold: Double { 0.05 * maximumDerivative }

    /// 1 / (1 + e^-x), evaluated on the side where e^-|x| cannot overflow.
    @inlinable
    static func logistic<T: Real & BinaryFloatingPoint>(_ x: T) -> T {
        let e = T.exp(-Swift.abs(x))
        return x >= 0 ? 1 / (1 + e) : e / (1 + e)
    }

    /// s(x) (1 - s(x)) = e^-|x| / (1 + e^-|x|)^2: even in x, no cancellation.
    @inlinable
    static func logisticDerivative<T: Real & BinaryFloatingPoint>(_ x: T) -> T {
        let e = T.exp(-Swift.abs(x))
        let d = 1 + e
        return e / (d * d)
    }

    /// Phi(x) = erfc(-x / sqrt 2) / 2, accurate in both tails.
    @inlinable
    static func normalCDF<T: Real & BinaryFloatingPoint>(_ x: T) -> T {
        T.erfc(-x / T.sqrt(2)) / 2
    }

    /// sup phi' of silu, found once by golden-section search on [1, 4]
    /// (where s(x)(1 + x(1 - s(x))) has its single maximum, near x = 2.3994).
    static let siluMaximumDerivative: Double = {
        var (a, b) = (1.0, 4.0)
        let g = (5.0.squareRoot() - 1) / 2
        for _ in 0..<100 {
            let c = b - g * (b - a), d = a + g * (b - a)
            if Activation.silu.derivative(c) > Activation.silu.derivative(d) { b = d } else { a = c }
        }
        return Activation.silu.derivative((a + b) / 2)
    }()
}

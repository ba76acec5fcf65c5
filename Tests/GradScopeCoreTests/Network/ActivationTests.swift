import GradScopeCore
import GradScopeTestSupport
import RealModule
import Testing

@Suite("Activations")
struct ActivationTests {
    @Test("phi' matches central differences of phi", arguments: Activation.allCases)
    func derivativeMatchesFiniteDifferences(activation: Activation) {
        let h = 1e-6
        for i in -400...400 {
            let x = Double(i) / 40 + 0.0123  // never exactly at a kink
            let numeric = (activation.value(x + h) - activation.value(x - h)) / (2 * h)
            #expect(abs(numeric - activation.derivative(x)) < 1e-8, "\(activation) at \(x)")
        }
    }

    @Test("No NaN or infinity anywhere in the float range, in both precisions", arguments: Activation.allCases)
    func stableEverywhere(activation: Activation) {
        let points: [Double] = [-1e308, -1e10, -800, -701, -100, -1e-300, 0, 1e-300, 100, 701, 800, 1e10, 1e308]
        for x in points {
            let v = activation.value(x), d = activation.derivative(x)
            let unbounded: Set<Activation> = [.relu, .leakyRelu, .elu, .selu, .gelu, .silu, .softplus, .linear]
            #expect(v.isFinite || (unbounded.contains(activation) && abs(x) > 1e300), "\(activation)(\(x)) = \(v)")
            #expect(d.isFinite && abs(d) <= activation.maximumDerivative * (1 + 1e-12), "\(activation)'(\(x)) = \(d)")
            let x32 = Float(max(-3e38, min(3e38, x)))
            let v32 = activation.value(x32), d32 = activation.derivative(x32)
            #expect(!v32.isNaN && !d32.isNaN)
        }
        if activation == .sigmoid {
            #expect(activation.value(-700.0) > 0 && activation.value(-700.0) < 1e-300)
            #expect(activation.value(-800.0) == 0)  // e^-800 is below the smallest subnormal
            #expect(activation.value(800.0) == 1)
        }
        if activation == .softplus {
            #expect(activation.value(800.0) == 800)
            #expect(activation.value(-800.0) >= 0)
        }
    }

    @Test("valueAndDerivative agrees with value and derivative to 4 ulp everywhere", arguments: Activation.allCases)
    func fused(activation: Activation) {
        for i in -4000...4000 {
            let x = Double(i) / 50 + 1e-3
            let (v, d) = activation.valueAndDerivative(x)
            let (v0, d0) = (activation.value(x), activation.derivative(x))
            #expect(abs(v - v0) <= 4 * v0.ulp + 1e-300, "\(activation)(\(x)): \(v) vs \(v0)")
            // silu' = s(x) + x s'(x) cancels near its zero (x = -1.28): an ulp of its terms, not of the sum.
            let terms =
                activation == .silu ? Activation.sigmoid.value(x) + abs(x * Activation.sigmoid.derivative(x)) : abs(d0)
            #expect(abs(d - d0) <= 4 * terms.ulp + 1e-300, "\(activation)'(\(x)): \(d) vs \(d0)")
        }
        let (v32, d32) = activation.valueAndDerivative(Float(0.3))
        #expect(abs(v32 - activation.value(Float(0.3))) <= 4 * activation.value(Float(0.3)).ulp)
        #expect(abs(d32 - activation.derivative(Float(0.3))) <= 4 * activation.derivative(Float(0.3)).ulp)
    }

    @Test("The saturation reference is sup phi' (sigmoid' peaks at 0.25)", arguments: Activation.allCases)
    func maximumDerivative(activation: Activation) {
        var best = 0.0
        for i in -200_000...200_000 { best = max(best, abs(activation.derivative(Double(i) / 10_000))) }
        #expect(best <= activation.maximumDerivative * (1 + 1e-12))
        #expect(best >= activation.maximumDerivative * (1 - 1e-6))
        if activation == .sigmoid {
            #expect(activation.maximumDerivative == 0.25 && activation.derivative(0.0) == 0.25)
        }
    }

    @Test("Saturated tanh and sigmoid report their true, tiny derivative (no cancellation)")
    func tinyDerivatives() {
        #expect(abs(Activation.tanh.derivative(20.0) / (4 * Double.exp(-40)) - 1) < 1e-12)
        #expect(abs(Activation.sigmoid.derivative(-50.0) / Double.exp(-50) - 1) < 1e-12)
        #expect(abs(Activation.sigmoid.derivative(50.0) / Double.exp(-50) - 1) < 1e-12)
    }

}

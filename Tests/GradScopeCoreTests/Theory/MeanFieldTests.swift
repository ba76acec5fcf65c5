import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeTestSupport
import Testing

/// E[f(sqrt(q) z)] by adaptive Simpson on |z| <= 14, split at 0: an independent second integrator.
func adaptiveExpectation(_ f: @escaping (Double) -> Double, variance q: Double) -> Double {
    let s = q.squareRoot()
    let g = { (z: Double) in f(s * z) * exp(-z * z / 2) / (2 * Double.pi).squareRoot() }
    func simpson(_ a: Double, _ b: Double, _ fa: Double, _ fm: Double, _ fb: Double) -> Double {
        (b - a) / 6 * (fa + 4 * fm + fb)
    }
    func refine(
        _ a: Double, _ b: Double, _ fa: Double, _ fm: Double, _ fb: Double, _ whole: Double, _ tolerance: Double,
        _ depth: Int
    ) -> Double {
        let m = (a + b) / 2, lm = (a + m) / 2, rm = (m + b) / 2
        let flm = g(lm), frm = g(rm)
        let left = simpson(a, m, fa, flm, fm), right = simpson(m, b, fm, frm, fb)
        if depth > 30 || abs(left + right - whole) <= 15 * tolerance {
            return left + right + (left + right - whole) / 15
        }
        return refine(a, m, fa, flm, fm, left, tolerance / 2, depth + 1)
            + refine(m, b, fm, frm, fb, right, tolerance / 2, depth + 1)
    }
    var total = 0.0
    for (a, b) in [(-14.0, 0.0), (0.0, 14.0)] {
        // Start from 64 panels so that narrow features cannot hide between the first samples.
        let step = (b - a) / 64
        for k in 0..<64 {
            let (x, y) = (a + Double(k) * step, a + Double(k + 1) * step)
            let (fx, fm, fy) = (g(x), g((x + y) / 2), g(y))
            let whole = simpson(x, y, fx, fm, fy)
            total += refine(x, y, fx, fm, fy, whole, 1e-15 * max(abs(whole), abs(fx) * step, 1e-12), 0)
        }
    }
    return total
}

@Suite("Mean-field theory")
struct MeanFieldTests {
    static let variances = [1e-4, 1e-2, 1, 1e2, 1e4]

    @Test("Closed forms: linear chi = sigma_w^2, relu sigma_w^2/2, leaky relu sigma_w^2 (1 + a^2)/2 at every q")
    func closedForms() {
        for q in Self.variances {
            let linear = MeanField(activation: .linear, weightVariance: 1.3, biasVariance: 0)
            #expect(abs(linear.chi(q) - 1.3) < 1e-13)
            #expect(abs(linear.variance(after: q) - 1.3 * q) < 1e-13 * q)
            #expect(abs(MeanField(activation: .relu, weightVariance: 2, biasVariance: 0).chi(q) - 1) < 1e-13)
            #expect(
                abs(MeanField(activation: .relu, weightVariance: 2, biasVariance: 0.1).variance(after: q) - (q + 0.1))
                    < 1e-12 * (q + 0.1))
            let leaky = MeanField(activation: .leakyRelu, weightVariance: 2, biasVariance: 0).chi(q)
            #expect(abs(leaky - (1 + 0.01 * 0.01)) < 1e-13)
        }
    }

    @Test(
        """
        tanh with sigma_w^2 = 1: chi -> 1 as q -> 0; the order-to-chaos line passes sigma_w^2 = 1.7610 at sigma_b^2 \
        = 0.05
        """
    )
    func tanh() {
        let critical = MeanField(activation: .tanh, weightVariance: 1, biasVariance: 0)
        #expect(abs(critical.chi(1e-8) - 1) < 1e-7)
        #expect(critical.chi(1e-2) < critical.chi(1e-4) && critical.chi(1e-4) < 1)
        let edge = MeanField(activation: .tanh, weightVariance: 1.7610, biasVariance: 0.05).fixedPoint
        #expect(abs(edge.q - 0.570) < 0.01, "q* = \(edge.q)")
        #expect(abs(edge.chi - 1) < 1e-3, "chi_1 = \(edge.chi)")
        #expect(Phase(chi: edge.chi) == .critical)
        #expect(MeanField(activation: .tanh, weightVariance: 1.5, biasVariance: 0.05).fixedPoint.chi < 0.99)
        #expect(MeanField(activation: .tanh, weightVariance: 2.0, biasVariance: 0.05).fixedPoint.chi > 1.01)
    }

    @Test(
        "The composite rule agrees with adaptive Simpson to 1e-10 for every activation over q in [1e-4, 1e4]",
        arguments: Activation.allCases)
    func quadrature(activation: Activation) {
        for q in Self.variances {
            for (name, f) in [
                ("phi^2", { (x: Double) in activation.value(x) * activation.value(x) }),
                ("phi'^2", { (x: Double) in activation.derivative(x) * activation.derivative(x) }),
            ] {
                let composite = GaussianExpectation.of(f, variance: q), adaptive = adaptiveExpectation(f, variance: q)
                #expect(
                    abs(composite - adaptive) <= 1e-10 * max(abs(adaptive), 1e-3),
                    "\(activation) \(name) q = \(q): \(composite) vs \(adaptive)")
            }
        }
    }

    /// Width 512, batch 256, 8 seeds, `probe`, depth 20: the measured z gain per layer (mean over seeds
    /// of log10 ||D_l||, least-squares slope) against the prediction.
    @Test(
        "Measured z gain per layer within 0.02 decades of mean-field theory on wide networks",
        arguments: [
            ("tanh", "xavier_normal"), ("tanh", "critical"), ("sigmoid", "xavier_normal"),
            ("relu", "he_normal"), ("relu", "xavier_normal"), ("linear", "xavier_normal"),
        ])
    func measuredAgainstTheory(activation: String, initializer: String) throws {
        var cell = Cell()
        cell.activation = Activation(rawValue: activation)!
        (cell.width, cell.batch, cell.depth, cell.loss) = (512, 256, 20, .probe)
        if initializer == "critical" {
            cell.initializer = .varianceScaling(scale: 1.7610, mode: .fanIn, distribution: .normal)
            cell.biasStd = 0.05.squareRoot()
        } else {
            cell.initializer = Initializer.named[initializer]!
        }
        var sums = [Double](repeating: 0, count: cell.depth)
        for seed in 0..<8 {
            let run = try measure(cell, seed: seed)
            try #require(run.status == .ok)
            for (l, layer) in run.layers.enumerated() { sums[l] += try #require(layer.gradZ.log10) / 8 }
        }
        let gains = MeanField(cell).squaredGains(cell)
        var predicted = [sums[cell.depth - 1]]
        for l in stride(from: cell.depth, to: 1, by: -1) {
            predicted.append(predicted[predicted.count - 1] + log10(gains[l - 1]) / 2)
        }
        let measured = try #require(Statistics.gainPerLayer(sums)),
            theory = try #require(Statistics.gainPerLayer(Array(predicted.reversed())))
        #expect(abs(measured - theory) <= 0.02, "\(activation) \(initializer): measured \(measured), theory \(theory)")
    }
}

import Foundation
import GradScopeResults
import RealModule
import Testing

/// The measured correlation depth scale against closed forms: exact exponential approaches give their
/// rate and the standard error of their per-seed rates; noise, a curved approach and a decay longer than
/// the layers give no depth scale.
@Suite("The measured correlation depth scale")
struct DepthScaleTests {
    /// c_l = c* + a r^l for l = 1 ... depth.
    static func approach(_ fixed: Double, _ a: Double, _ r: Double, depth: Int) -> [Double?] {
        (1...depth).map { fixed + a * Double.pow(r, Double($0)) }
    }

    @Test("Exponential approaches: the mean's rate, and the standard error of the per-seed -1/ln r_s")
    func exponential() throws {
        let rates = [0.80, 0.82, 0.78, 0.81]
        let seeds = rates.map { Self.approach(0.3, 0.5, $0, depth: 20) }
        // Wide enough that the sampling floor (1 - c^2)/sqrt(width) leaves every layer clear of the noise
        // except by the seeds' own spread.
        let fit = try #require(CorrelationDepthScale.fit(seeds: seeds, fixedPoint: 0.3, width: 1 << 30))
        let perSeed = rates.map { -1 / Double.log($0) }
        let mean = perSeed.reduce(0, +) / 4
        let naive = (perSeed.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3).squareRoot() / 2
        let fitted = try #require(fit.standardError)
        #expect(abs(fitted - naive) <= 1e-9 * naive, "se \(fitted), naive \(naive)")
        // The mean of the four approaches is not exponential, but close: its rate lies among the seeds'.
        #expect(fit.value > perSeed.min()! && fit.value < perSeed.max()!)
        #expect(fit.layers.lowerBound == 1)
        // One seed: an exact approach gives exactly its rate, no standard error.
        let one = try #require(CorrelationDepthScale.fit(seeds: [seeds[0]], fixedPoint: 0.3, width: 1 << 30))
        #expect(abs(one.value - perSeed[0]) <= 1e-12 * perSeed[0] && one.standardError == nil)
    }

    @Test("The fit stops where the deviation sinks into the seeds' spread, and needs four layers")
    func stopsAtTheNoise() throws {
        // Deviation 0.5 * 0.7^l, with seeds that differ by +-0.01 at every layer: the noise of their mean is
        // 0.01 (sample sd sqrt(2) x 0.01 over sqrt(2)), so the fit keeps the layers with 0.5 * 0.7^l > 0.03.
        let base = Self.approach(0.2, 0.5, 0.7, depth: 30)
        let seeds = [base.map { $0! + 0.01 }, base.map { $0! - 0.01 }].map { $0.map(Optional.some) }
        let fit = try #require(CorrelationDepthScale.fit(seeds: seeds, fixedPoint: 0.2, width: 1 << 30))
        let last = (1...30).last { 0.5 * Double.pow(0.7, Double($0)) > 3 * 0.01 }!
        #expect(fit.layers == 1...last)
        #expect(abs(fit.value - -1 / Double.log(0.7)) < 1e-9)
        // Only two layers above the noise (0.06 x 3 = 0.18): none.
        let noisy = [base.map { $0! + 0.06 }, base.map { $0! - 0.06 }].map { $0.map(Optional.some) }
        #expect(CorrelationDepthScale.fit(seeds: noisy, fixedPoint: 0.2, width: 1 << 30) == nil)
    }

    @Test("No depth scale from noise, from a decay longer than the layers, or from a curved approach")
    func refusals() {
        // Pure noise around c*.
        let noise = (0..<3).map { s in (1...30).map { l -> Double? in 0.4 + 0.05 * sin(Double(7 * l + 13 * s)) } }
        #expect(CorrelationDepthScale.fit(seeds: noise, fixedPoint: 0.4, width: 256) == nil)
        // xi = 100 seen over 30 layers: a decay by e^0.3 only.
        let slow = [Self.approach(0.1, 0.6, Double.exp(-0.01), depth: 30)]
        #expect(CorrelationDepthScale.fit(seeds: slow, fixedPoint: 0.1, width: 1 << 30) == nil)
        // Two rates in turn (xi = 3 for 10 layers, then 12): exact data, so the halves' difference is no noise.
        var curved = [Double?]()
        var deviation = 0.6
        for l in 1...30 {
            deviation *= Double.exp(l <= 10 ? -1.0 / 3 : -1.0 / 12)
            curved.append(0.1 + deviation)
        }
        #expect(CorrelationDepthScale.fit(seeds: [curved], fixedPoint: 0.1, width: 1 << 30) == nil)
        // The floor (1 - c^2)/sqrt(width) alone: at width 10^4 a deviation must exceed 0.03 (1 - c^2).
        let narrow = [Self.approach(0.0, 0.5, 0.8, depth: 30)]
        let fit = CorrelationDepthScale.fit(seeds: narrow, fixedPoint: 0.0, width: 10_000)
        let last = (1...30).last { l in
            let c = 0.5 * Double.pow(0.8, Double(l))
            return c > 0.03 * (1 - c * c)
        }!
        #expect(fit?.layers == 1...last)
    }
}

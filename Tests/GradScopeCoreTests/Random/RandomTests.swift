import Foundation
import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Random streams")
struct RandomTests {
    @Test("Philox4x32-10 reproduces the Random123 known-answer vectors")
    func knownAnswers() {
        let zero = Philox4x32(key: (0, 0)).block((0, 0, 0, 0))
        #expect([zero.0, zero.1, zero.2, zero.3] == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        let ones = Philox4x32(key: (0xffff_ffff, 0xffff_ffff)).block(
            (0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff))
        #expect([ones.0, ones.1, ones.2, ones.3] == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        let pi = Philox4x32(key: (0xa409_3822, 0x299f_31d0)).block((0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344))
        #expect([pi.0, pi.1, pi.2, pi.3] == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    @Test("Streams are pure functions of (seed, purpose, identifiers); any prefix is the same numbers")
    func commonRandomNumbers() {
        let a = RandomStream(seed: 3, purpose: "weights.normal", 1, 64, 64)
        #expect(a.normal(count: 100) == RandomStream(seed: 3, purpose: "weights.normal", 1, 64, 64).normal(count: 100))
        #expect(Array(a.normal(count: 1001).prefix(100)) == a.normal(count: 100))
        #expect(a.normal(count: 10) != RandomStream(seed: 4, purpose: "weights.normal", 1, 64, 64).normal(count: 10))
        #expect(a.normal(count: 10) != RandomStream(seed: 3, purpose: "weights.normal", 2, 64, 64).normal(count: 10))
        #expect(a.normal(count: 10) != RandomStream(seed: 3, purpose: "input", 1, 64, 64).normal(count: 10))
    }

    /// Mean, variance and fourth central moment.
    func moments(_ x: [Double]) -> (mean: Double, variance: Double, m4: Double) {
        let n = Double(x.count), mean = x.reduce(0, +) / n
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let m4 = x.reduce(0) { $0 + pow($1 - mean, 4) } / n
        return (mean, variance, m4)
    }

    @Test("Normal, uniform and truncated normal have their moments within 4 standard errors")
    func distributions() {
        let n = 200_000
        let stream = RandomStream(seed: 11, purpose: "test")
        let normal = moments(stream.normal(count: n))
        #expect(abs(normal.mean) < 4 / Double(n).squareRoot())
        #expect(abs(normal.variance - 1) < 4 * (2.0 / Double(n)).squareRoot())
        #expect(abs(normal.m4 - 3) < 0.05)
        let uniform = stream.uniform(count: n)
        #expect(uniform.allSatisfy { $0 >= 0 && $0 < 1 })
        let u = moments(uniform)
        #expect(abs(u.mean - 0.5) < 4 * (1.0 / 12 / Double(n)).squareRoot())
        #expect(abs(u.variance - 1.0 / 12) < 4 * ((1.0 / 80 - 1.0 / 144) / Double(n)).squareRoot())
        let truncated = stream.truncatedNormal(count: n)
        #expect(truncated.allSatisfy { abs($0) <= 2 })
        let t = moments(truncated)
        let expected = Initializer.truncatedNormalStd * Initializer.truncatedNormalStd
        #expect(abs(t.variance - expected) < 4 * ((t.m4 - t.variance * t.variance) / Double(n)).squareRoot())
    }
}

@Suite("Gaussian kernel")
struct GaussianKernelTests {
    @Test("The polynomial Box-Muller equals libm's log, cos and sin on the same Philox words to 1e-13")
    func matchesLibm() {
        let stream = RandomStream(seed: 5, purpose: "test.gaussian")
        let count = 20_001  // odd: the last pair is cut
        let fast = stream.normal(count: count)
        #expect(fast.count == count)
        var worst = 0.0
        for pair in 0..<((count + 1) / 2) {
            let (a, b) = stream.generator.words(pair)
            let u1 = 1 - Double(a >> 11) * 0x1p-53, u2 = Double(b >> 11) * 0x1p-53
            let r = (-2 * Foundation.log(u1)).squareRoot()
            let reference = [r * Foundation.cos(2 * Double.pi * u2), r * Foundation.sin(2 * Double.pi * u2)]
            for k in 0..<2 where 2 * pair + k < count {
                worst = max(worst, abs(fast[2 * pair + k] - reference[k]))
            }
        }
        #expect(worst < 1e-13, "largest difference \(worst)")
    }
}

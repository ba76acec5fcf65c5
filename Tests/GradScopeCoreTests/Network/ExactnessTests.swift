import GradScopeCore
import GradScopeResults
import GradScopeTestSupport
import RealModule
import Testing

@Suite("Exact log norms at any depth")
struct ExactnessTests {
    @Test("2,000 sigmoid layers: finite log10 norms on every layer, float32 agrees with float64")
    func deepSigmoid() throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.batch, cell.depth) = (.sigmoid, 48, 16, 2000)
        var gains = [Precision: Double]()
        for precision in Precision.allCases {
            cell.precision = precision
            let run = try measure(cell, seed: 1)
            try #require(run.status == .ok)
            #expect(run.layers.count == 2000)
            for layer in run.layers {
                for norm in [layer.gradW, layer.gradB, layer.gradZ, layer.gradH] {
                    let l = try #require(norm.log10)
                    #expect(l.isFinite)
                    // The plain value exists exactly where a float64 can hold it.
                    #expect((norm.value != nil) == (l > -300 && l < 300))
                }
            }
            let first = try #require(run.layers[0].gradZ.log10)
            #expect(first < -1000, "layer 1 at 10^\(first): the gradient must have vanished far below float64's range")
            gains[precision] = Statistics.gainPerLayer(run.layers.map { $0.gradZ.log10! })
        }
        let g64 = try #require(gains[.float64]), g32 = try #require(gains[.float32])
        #expect(abs(g64 - g32) < 0.01, "float64 gain \(g64), float32 gain \(g32)")
    }

    @Test("A forward pass that overflows gives status overflow, not a crash")
    func overflow() throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.batch, cell.depth) = (.relu, 16, 4, 200)
        cell.initializer = .normal(std: 10)
        for precision in Precision.allCases {
            cell.precision = precision
            let run = try measure(cell, seed: 0)
            #expect(run.status == .overflow)
            #expect(run.layers.isEmpty && run.loss == nil)
        }
    }

    @Test("ScaledNorm: log10 and value are exact far outside float64's range")
    func scaledNorm() {
        let n = ScaledNorm(significand: 1.5, exponent: -5000)
        #expect(abs(n.log10! - (Double.log10(1.5) - 5000 * Double.log10(2))) < 1e-9)
        #expect(n.value == nil)
        #expect(ScaledNorm(significand: 1.5, exponent: -3).value == 1.5 / 8)
        #expect(ScaledNorm(of: [3.0, 4.0]).value == 5)
        #expect(ScaledNorm(of: [Float(3e-30), 4e-30]).value.map { abs($0 / 5e-30 - 1) < 1e-6 } == true)
        #expect(
            ScaledNorm(of: [1e300, 1e300]).log10.map { abs($0 - (300 + Double.log10(2.0.squareRoot()))) < 1e-12 }
                == true)
        #expect(ScaledNorm(of: [0.0, .nan]).status == .nan)
        #expect(ScaledNorm(of: [0.0, 0.0]).log10 == nil && ScaledNorm(of: [0.0]).value == 0)
    }
}

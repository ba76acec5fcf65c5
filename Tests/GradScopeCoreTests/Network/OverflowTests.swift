import GradScopeCore
import GradScopeTestSupport
import RealModule
import Testing

/// The status of a run follows from the true values, not from how a BLAS kernel spells an overflow.
/// Each network here is built so that the raw product overflows in every summation order (every
/// single term leaves the float range), so the assertions hold on any kernel, with or without FMA.
@Suite("Overflow follows the mathematics, on every BLAS kernel")
struct OverflowTests {
    /// 2^(maxExponent/2 + 1): its square leaves the range, half its square does not.
    static func big<S: BLASScalar>(_: S.Type) -> S {
        S(sign: .plus, exponent: S.greatestFiniteMagnitude.exponent / 2 + 1, significand: 1)
    }

    /// A linear 2-unit network for one example x = [big, big], with W_1 as given and W_2 = `second`.
    static func network<S: BLASScalar>(_: S.Type, first: [S], second: [S] = [1, 0, 0, 1], depth: Int = 2) throws
        -> any NetworkAccess<S>
    {
        var cell = Cell()
        (cell.activation, cell.width, cell.batch, cell.depth, cell.loss) = (.linear, 2, 1, depth, .probe)
        let network = try makeNetwork(cell, seed: 3, cache: nil, S.self)
        let b = big(S.self)
        try network.setBatch(try Matrix(rows: 1, columns: 2, elements: [b, b]), objective: network.objective)
        try network.setWeights(try Matrix(rows: 2, columns: 2, elements: first), layer: 1)
        if depth > 1 { try network.setWeights(try Matrix(rows: 2, columns: 2, elements: second), layer: 2) }
        return network
    }

    /// The raw BLAS product of the two factors is not finite: the case really is one a kernel gets wrong.
    static func rawProductIsNotFinite<S: BLASScalar>(_ w: [S]) throws -> Bool {
        let b = big(S.self)
        let x = try Matrix(rows: 1, columns: 2, elements: [b, b]),
            weights = try Matrix(rows: 2, columns: 2, elements: w)
        return !x.multiplied(by: weights).elements.allSatisfy(\.isFinite)
    }

    @Test("A true overflow is overflow, though the kernel may spell it NaN (inf - inf)", arguments: Precision.allCases)
    func trueOverflow(precision: Precision) throws {
        func check<S: BLASScalar>(_: S.Type) throws {
            let b = Self.big(S.self)
            let w = [b, b, b, -b]  // Z = [2 big^2, 0]: the first entry leaves the range; the second's terms cancel
            #expect(try Self.rawProductIsNotFinite(w))
            let run = try Self.network(S.self, first: w).measure()
            #expect(run.status == .overflow)
            #expect(run.layers.isEmpty && run.loss == nil)
        }
        precision == .float64 ? try check(Double.self) : try check(Float.self)
    }

    @Test(
        "Terms that overflow but whose sum is in range give the exact sum and status ok", arguments: Precision.allCases)
    func cancellingTerms(precision: Precision) throws {
        func check<S: BLASScalar>(_: S.Type) throws {
            let b = Self.big(S.self), half = b / 2
            // Z = [big^2 - big^2/2, -big^2/2 + big^2] = [big^2/2, big^2/2], the largest power of two in range.
            let w = [b, -half, -half, b]
            #expect(try Self.rawProductIsNotFinite(w))
            let network = try Self.network(S.self, first: w, second: [1 / b, 0, 0, 1 / b])
            let h1 = try #require(try network.hidden(atLayer: 1))
            #expect(h1.elements == [b * half, b * half])
            let run = network.measure()
            #expect(run.status == RunStatus.ok)
            #expect(run.layers.count == 2)
        }
        precision == .float64 ? try check(Double.self) : try check(Float.self)
    }

    @Test(
        "A backward product that leaves the range is carried in the exponent: ||G_1|| scales exactly with W_2",
        arguments: Precision.allCases)
    func backwardOverflow(precision: Precision) throws {
        func check<S: BLASScalar>(_: S.Type) throws {
            let b = Self.big(S.self), c = S.greatestFiniteMagnitude
            let tiny = 1 / (b * b / 4)  // H_1 = x W_1 small enough that Z_2 = H_1 W_2 stays in range
            // W_2 = c [[1, 1], [1, -1]]: ||G_1|| = ||D_2 W_2^T|| = c sqrt(2) ||D_2|| >= c sqrt(2), beyond the range.
            let huge = try Self.network(S.self, first: [tiny, 0, 0, tiny], second: [c, c, c, -c]).measure()
            let unit = try Self.network(S.self, first: [tiny, 0, 0, tiny], second: [1, 1, 1, -1]).measure()
            try #require(huge.status == RunStatus.ok && unit.status == RunStatus.ok)
            #expect(try #require(huge.layers[0].gradH.log10) > Double.log10(Double(c)))
            // The probe loss's dLoss/dH_2 does not depend on the network, so G_1 = G_2 W_2^T scales with c.
            let expected = Double.log10(Double(c))
            for (a, u) in zip(huge.layers[0].backpropagated, unit.layers[0].backpropagated) {
                let difference = try #require(a.log10) - (try #require(u.log10))
                #expect(abs(difference - expected) < 1e-6, "log10 ratio \(difference), expected \(expected)")
            }
            #expect(huge.layers[1].gradH.log10 == unit.layers[1].gradH.log10)
        }
        precision == .float64 ? try check(Double.self) : try check(Float.self)
    }
}

extension LayerMeasurement {
    /// The norms that scale with G_l in a linear layer: G_l, D_l, dW_l and db_l.
    var backpropagated: [ScaledNorm] { [gradH, gradZ, gradW, gradB] }
}
